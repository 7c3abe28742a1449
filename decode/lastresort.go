package decode

// Pillow's last resort: the readers Image.open tries after those with a
// signature, in its order, ending with TGA, which has no signature at all.
// A file reaches them when no signature matches or when the reader of the
// one that matched declines it.

import (
	"bytes"
	"encoding/binary"
	"regexp"
)

// openLastResort is what Image.open does with a file that no plugin of
// ours claims by signature, or whose reader declines it (declined):
// it tries the remaining plugins in order, TGA last of those that can match
// a TGA header. notImage is returned when none does.
func openLastResort(data []byte, notImage error, r rules) (opened, error) {
	if f := lastResortClaim(data); f != "" {
		return nil, errorf(f, Unsupported, "unsupported format: %s (or a TGA file that Pillow reads as %s)", f, f)
	}
	t, ok := tgaOpen(data, r)
	if !ok {
		return nil, notImage
	}
	return t, nil
}

// lastResortClaim names the Pillow plugin tried before TgaImagePlugin that
// might claim data, or fail on it with an exception that ends Image.open,
// or "". Only what a valid TGA header can reach is examined, and "might"
// errs on the side of refusing:
//
//   - plugins with an _accept (Image.ID order, after init()): a valid TGA
//     header has byte 1 (colour-map type) 0 or 1, byte 2 (image type) in
//     1-3/9-11 and byte 16 (depth) in 1/8/16/24/32; of Pillow's accept
//     functions only CUR ("\0\0\2\0"), PCX (0x0A 0x00), FLI (0xAF11/0xAF12
//     at byte 4, height 3) and ICO ("\0\0\1\0") can pass such a header.
//     CUR, PCX and ICO have signatures and decoders of their own, which
//     send a file here when Pillow's reader declines it (declined).
//     GBR's accept can pass too, but its _open needs a colour depth of 1 or
//     4 in bytes 16-19 (big-endian), i.e. a TGA depth byte of 0;
//   - plugins without one: IM, IMT, IPTC, MPEG, PCD and SPIDER, in that
//     order, just before TGA. SPIDER needs an integer iform of 1, 3, -11,
//     -12, -21 or -22 as the float at bytes 16-19, whose first byte (big
//     endian: 0x3F, 0x40, 0xC1) or last byte (little endian: 0) is never a
//     TGA depth; the others are checked here.
func lastResortClaim(data []byte) string {
	switch {
	case fliClaims(data):
		return "FLI"
	case imClaims(data):
		return "IM"
	case imtClaims(data):
		return "IMT"
	case iptcClaims(data):
		return "IPTC"
	case mpegClaims(data):
		return "MPEG"
	case len(data) >= 2048+1539 && string(data[2048:2052]) == "PCD_":
		return "PCD" // PcdImageFile._open: s[:4] == b"PCD_", then s[1538]
	}
	return ""
}

// fliClaims follows FliImageFile._open: _accept (which needs 16 bytes:
// i16(prefix, 14) raises struct.error otherwise), s[20:22] == b"\0\0", the
// chunk header at 128 (struct.error when short; a palette chunk walk, which
// may seek to a negative offset, counts as a claim), then seek(0), which
// reads the 4-byte frame size at 128 (plus a prefix chunk's size): EOFError
// or struct.error when short. A zero size (bytes 8-11) is not identified.
func fliClaims(data []byte) bool {
	if len(data) < 22 {
		return false
	}
	le16 := func(b []byte) int { return int(binary.LittleEndian.Uint16(b)) }
	magic, flags := le16(data[4:]), le16(data[14:])
	if magic != 0xAF11 && magic != 0xAF12 || flags != 0 && flags != 3 || data[20] != 0 || data[21] != 0 {
		return false
	}
	pos, offset := 128, int64(128)
	s := pyRead(data, &pos, 16)
	if len(s) < 6 {
		return false
	}
	if le16(s[4:]) == 0xF100 {
		offset += int64(binary.LittleEndian.Uint32(s))
		if s = pyRead(data, &pos, 16); len(s) < 6 {
			return false
		}
	}
	if le16(s[4:]) == 0xF1FA {
		return true
	}
	return offset+4 <= int64(len(data)) && le16(data[8:]) > 0 && le16(data[10:]) > 0
}

// imClaims follows ImImageFile._open: header lines until EOF, NUL or 0x1A
// at the start of a line; a line over 100 bytes or not matching
// `^([A-Za-z][^:]*):[ \t]*(.*)[ \t]*$` raises SyntaxError, and so does a
// header without a known key, or one that no 0x1A byte follows ("File
// truncated"), or a Lut key with a short palette after it (IndexError). A
// number that might not parse counts as a claim, and so does what _open
// does past that (modes and sizes that may still fail).
func imClaims(data []byte) bool {
	if !bytes.Contains(data[:min(100, len(data))], []byte("\n")) {
		return false
	}
	pos, n, lut := 0, 0, false
	for pos < len(data) {
		c := data[pos]
		if c == '\r' {
			pos++
			continue
		}
		if c == 0 || c == 0x1a {
			break
		}
		end := len(data)
		if i := bytes.IndexByte(data[pos+1:], '\n'); i >= 0 {
			end = pos + 1 + i + 1
		}
		s := data[pos:end]
		pos = end
		if len(s) > 100 {
			return false
		}
		if bytes.HasSuffix(s, []byte("\r\n")) {
			s = s[:len(s)-2]
		} else if bytes.HasSuffix(s, []byte("\n")) {
			s = s[:len(s)-1]
		}
		colon := bytes.IndexByte(s, ':')
		if len(s) == 0 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') || colon < 0 {
			return false
		}
		for i, k := range imTags {
			if string(s[:colon]) != k {
				continue
			}
			n++
			lut = lut || k == "Lut"
			if i >= 6 {
				v := bytes.TrimLeft(s[colon+1:], " \t")
				for _, part := range bytes.Split(bytes.ReplaceAll(v, []byte("*"), []byte(",")), []byte(",")) {
					if !pyNumber.Match(bytes.Trim(part, " \t\n\v\f\r")) {
						return true // ValueError, or a Python number form not checked here
					}
				}
			}
		}
	}
	if n == 0 {
		return false
	}
	// "Skip forward to start of image data": the byte after the first 0x1A.
	i := bytes.IndexByte(data[min(pos, len(data)):], 0x1a)
	if i < 0 {
		return false
	}
	pos += i + 1
	if lut {
		// palette = read(768); palette[i] == palette[i + 256] == palette[i + 512]
		// for i < 256: IndexError past the end of a short read.
		p := data[pos:min(pos+768, len(data))]
		for i := range 256 {
			if i+256 >= len(p) {
				return false
			}
			if p[i] == p[i+256] && i+512 >= len(p) {
				return false
			}
		}
	}
	return true
}

// pyNumber: plain decimal forms that Python's int() or float() accept.
var pyNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// imtClaims follows ImtImageFile._open, which never raises SyntaxError
// itself: it identifies an image when a "pixel n8" line sets mode L and
// "width"/"height" lines a non-zero size (int() of a value that is not
// plain digits may raise ValueError: a claim).
func imtClaims(data []byte) bool {
	pos := min(100, len(data))
	buffer := append([]byte(nil), data[:pos]...)
	if !bytes.Contains(buffer, []byte("\n")) {
		return false
	}
	w, h, modeL := false, false, false
	for {
		var s []byte
		if len(buffer) > 0 {
			s, buffer = buffer[:1], buffer[1:]
		} else {
			s = pyRead(data, &pos, 1)
		}
		if len(s) == 0 || s[0] == 0x0c {
			break
		}
		if !bytes.Contains(buffer, []byte("\n")) {
			buffer = append(buffer, pyRead(data, &pos, 100)...)
		}
		first, rest, _ := bytes.Cut(buffer, []byte("\n"))
		s = append(append([]byte(nil), s...), first...)
		buffer = append([]byte(nil), rest...)
		if len(s) == 1 || len(s) > 100 {
			break
		}
		if s[0] == '*' {
			continue
		}
		// field = re.compile(rb"([a-z]*) ([^ \r\n]*)"), matched at the start.
		k := 0
		for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
			k++
		}
		if k >= len(s) || s[k] != ' ' {
			break
		}
		v := s[k+1:]
		if i := bytes.IndexAny(v, " \r\n"); i >= 0 {
			v = v[:i]
		}
		switch key := string(s[:k]); {
		case key == "width" || key == "height":
			if !isDigits(v) {
				return true
			}
			nz := len(bytes.TrimLeft(v, "0")) > 0
			if key == "width" {
				w = nz
			} else {
				h = nz
			}
		case key == "pixel" && string(v) == "n8":
			modeL = true
		}
	}
	return modeL && w && h
}

// iptcClaims follows IptcImageFile._open's field loop (field(): 0x1C, a
// record number 1-9, a dataset number, a size; a size byte over 132
// raises OSError, which ends Image.open): the file is claimed unless a
// field is malformed or the (3, 60) field that _open then indexes is
// missing.
func iptcClaims(data []byte) bool {
	pos, has360 := 0, false
	for {
		s := pyRead(data, &pos, 5)
		if len(s) == 0 {
			break
		}
		if len(s) < 3 || s[0] != 0x1c || s[1] < 1 || s[1] > 9 || len(s) < 4 {
			return false
		}
		size := int(s[3])
		switch {
		case size > 132:
			return true // OSError("illegal field length in IPTC/NAA file")
		case size == 128:
			size = 0
		case size > 128:
			c := pyRead(data, &pos, size-128)
			size = 0
			for _, b := range c { // i32((PAD + c)[-4:]), big-endian
				size = size<<8 | int(b)
			}
		default:
			if len(s) < 5 {
				return false
			}
			size = int(binary.BigEndian.Uint16(s[3:]))
		}
		if s[1] == 8 && s[2] == 10 {
			break
		}
		pyRead(data, &pos, size)
		if s[1] == 3 && s[2] == 60 {
			has360 = true
		}
	}
	return has360
}

// mpegClaims: MpegImageFile._open reads a 0x000001B3 start code and two
// 12-bit sizes (IndexError past the end); a zero size is "not identified".
func mpegClaims(data []byte) bool {
	if len(data) < 7 || !bytes.HasPrefix(data, []byte("\x00\x00\x01\xb3")) {
		return false
	}
	w := int(data[4])<<4 | int(data[5])>>4
	h := int(data[5]&15)<<8 | int(data[6])
	return w > 0 && h > 0
}
