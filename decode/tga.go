package decode

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"

	"github.com/torchgo/predict/rgb"
)

// TGA exactly as Pillow 9.4 reads it (TgaImagePlugin.TgaImageFile._open,
// the raw decoder or TgaRleDecode.c, load_end's horizontal flip, then
// convert("RGB")).
//
// TGA has no signature: Image.open reaches TgaImageFile._open only after
// every other plugin declined the file (a SyntaxError, IndexError, TypeError
// or struct.error from its _accept or _open). decodeLastResort is therefore
// what Bytes does with a file no signature of ours claims: it first asks
// whether one of Pillow's other plugins that can see a TGA-like header would
// claim it (or fail on it with another exception, which makes Image.open
// fail), and refuses the file if so; then it runs TgaImageFile._open's
// header checks, and a file that fails them stays "not an image".
//
// What Pillow 9.4 reads, and so what is decoded here:
//
//   - image types 1/9 (colour-mapped, mode P), 2/10 (true colour: 16-bit
//     BGR;5, 24-bit BGR, 32-bit BGRA as RGBA), 3/11 (grey: 1-bit "1", 8-bit
//     L, 16-bit LA); 9/10/11 through the RLE decoder, whose literal packets
//     may cross rows and whose run packets may not (buffer overrun);
//   - pixel depths 1, 8, 16, 24, 32 only (15 fails the header check);
//   - a colour map (colour-map type 1) of 16-bit (BGR;15) or 24-bit (BGR)
//     entries, preceded by first-entry-index black entries; entries past it
//     stay Pillow's default grey ramp; other entry sizes are not read at all
//     (so the pixel data starts where the map would), 32-bit ones make the
//     load fail, and so do more than 256 entries or a map on a "1", RGB or
//     RGBA image; on an L or LA image the map applies (the core image
//     becomes P/PA);
//   - bottom-up (default) or top-down rows, right-to-left when bit 4 of the
//     descriptor is set; the ID field is skipped; trailing data is ignored;
//   - a file that ends before the last pixel is refused (truncated).
//
// Pillow's other accept-less plugins before TGA (IM, IMT, IPTC, MPEG, PCD,
// SPIDER) and the accept functions that a valid TGA header can pass (CUR,
// FLI, ICO, PCX) are checked by lastResortClaim, or by those formats' own
// decoders, which decline a file as Pillow does (declined).

func tgaError(kind Kind, format string, args ...any) error {
	return &FormatError{Format: "TGA", Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

type tgaHeader struct {
	w, h      int
	imageType int // 1..3, 9..11
	depth     int // 1, 8, 16, 24, 32
	mode      string
	topDown   bool
	flip      bool   // right-to-left pixel order
	palette   []byte // raw colour-map bytes (zeros for the skipped entries first); nil if none
	palDepth  int    // 16 or 24 or 32 when palette != nil
	offset    int    // of the pixel data
}

// tgaOpen is TgaImageFile._open: ok is false where it raises SyntaxError
// (or IndexError on a short header), so that Pillow goes on to the next
// plugin and, TGA being the last that could match, cannot identify the file.
func tgaOpen(data []byte) (*tgaHeader, bool) {
	if len(data) < 18 {
		return nil, false
	}
	le16 := func(o int) int { return int(binary.LittleEndian.Uint16(data[o:])) }
	t := &tgaHeader{w: le16(12), h: le16(14), imageType: int(data[2]), depth: int(data[16])}
	idLen, cmapType, flags := int(data[0]), data[1], data[17]
	if cmapType > 1 || t.w <= 0 || t.h <= 0 {
		return nil, false
	}
	switch t.depth {
	case 1, 8, 16, 24, 32:
	default:
		return nil, false
	}
	switch t.imageType {
	case 3, 11:
		t.mode = "L"
		if t.depth == 1 {
			t.mode = "1"
		} else if t.depth == 16 {
			t.mode = "LA"
		}
	case 1, 9:
		t.mode = "P"
	case 2, 10:
		t.mode = "RGB"
		if t.depth == 32 {
			t.mode = "RGBA"
		}
	default:
		return nil, false // "unknown TGA mode"
	}
	// Every orientation value is accepted: 0x20 top-down, 0x10 flipped.
	t.topDown = flags&0x20 != 0
	t.flip = flags&0x10 != 0
	pos := min(18+idLen, len(data)) // fp.read(id_len) may come up short
	if cmapType == 1 {
		start, size, mapDepth := le16(3), le16(5), int(data[7])
		if n := map[int]int{16: 2, 24: 3, 32: 4}[mapDepth]; n > 0 {
			read := data[pos:min(pos+n*size, len(data))]
			t.palette = append(make([]byte, n*start, n*start+len(read)), read...)
			t.palDepth = mapDepth
			pos += len(read)
		}
	}
	t.offset = pos
	return t, true
}

// tgaRawDepth reports whether MODES of TgaImagePlugin has a raw mode for
// (imagetype & 7, depth); without one, _open sets no tile and load() fails.
func tgaRawDepth(imageType, depth int) bool {
	switch imageType & 7 {
	case 1:
		return depth == 8
	case 2:
		return depth == 16 || depth == 24 || depth == 32
	case 3:
		return depth == 1 || depth == 8 || depth == 16
	}
	return false
}

// decodeTGA decodes a file whose header tgaOpen accepted.
func decodeTGA(t *tgaHeader, data []byte, lim budget) (*rgb.Image, error) {
	if err := lim.size("TGA", t.mode, t.w, t.h); err != nil {
		return nil, err
	}
	if !tgaRawDepth(t.imageType, t.depth) {
		return nil, tgaError(Corrupt, "invalid TGA: image type %d with %d-bit pixels cannot be loaded", t.imageType, t.depth)
	}
	// The colour map is put on the image at the end of load(): the core
	// putpalette wants an L/LA/P image, a raw mode it can unpack into RGB
	// (BGR;15 or BGR, not BGRA) and at most 256 entries.
	var pal [256 * 3]byte
	for i := range 256 { // ImagingPaletteNew: the grey ramp
		pal[3*i], pal[3*i+1], pal[3*i+2] = byte(i), byte(i), byte(i)
	}
	usePal := t.mode == "P"
	if t.palette != nil {
		switch {
		case t.mode == "1" || t.mode == "RGB" || t.mode == "RGBA":
			return nil, tgaError(Corrupt, "invalid TGA: a colour map on a %s image", t.mode)
		case t.palDepth == 32:
			return nil, tgaError(Corrupt, "invalid TGA: 32-bit colour map entries cannot be loaded")
		}
		bits := map[int]int{16: 16, 24: 24}[t.palDepth]
		n := len(t.palette) * 8 / bits
		if n > 256 {
			return nil, tgaError(Corrupt, "invalid TGA: a colour map of %d entries", n)
		}
		for i := range n {
			if bits == 16 {
				pal[3*i], pal[3*i+1], pal[3*i+2] = bgr15(t.palette[2*i:])
			} else {
				pal[3*i], pal[3*i+1], pal[3*i+2] = t.palette[3*i+2], t.palette[3*i+1], t.palette[3*i]
			}
		}
		usePal = true
	}

	rowBytes := (t.depth*t.w + 7) / 8
	src := data[t.offset:]
	rle := t.imageType&8 != 0
	// Refuse from the sizes, before allocating, what cannot be complete: raw
	// data is read as is; an RLE packet of 1+k bytes gives at most 128*k.
	need := int64(rowBytes) * int64(t.h)
	if !rle && int64(len(src)) < need || rle && (t.depth < 8 || int64(len(src))*128 < need) {
		return nil, tgaError(Truncated, "truncated TGA: the file ends before the last pixel")
	}
	rows := make([]byte, need) // rows in image order, top first
	if rle {
		if err := tgaRLE(src, rows, rowBytes, t.h, t.depth/8, t.topDown); err != nil {
			return nil, err
		}
	} else {
		for y := range t.h {
			r := y // the raw decoder's ystep: -1 (bottom-up) fills the last row first
			if !t.topDown {
				r = t.h - 1 - y
			}
			copy(rows[r*rowBytes:(r+1)*rowBytes], src[y*rowBytes:])
		}
	}

	img := &rgb.Image{W: t.w, H: t.h, Pix: make([]byte, 3*t.w*t.h)}
	for y := range t.h {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		row := rows[y*rowBytes : (y+1)*rowBytes]
		out := img.Pix[3*t.w*y : 3*t.w*(y+1)]
		for x := range t.w {
			xo := x
			if t.flip { // load_end: transpose(FLIP_LEFT_RIGHT)
				xo = t.w - 1 - x
			}
			o := out[3*xo : 3*xo+3]
			var v byte
			switch t.depth {
			case 1: // unpack1, then "1" → RGB: 0 or 255
				if row[x/8]&(0x80>>(x%8)) != 0 {
					v = 255
				}
			case 8:
				v = row[x]
			case 16:
				if t.mode == "LA" { // unpackLA: the grey byte first
					v = row[2*x]
				} else { // ImagingUnpackBGR15 ("BGR;5")
					o[0], o[1], o[2] = bgr15(row[2*x:])
					continue
				}
			case 24, 32: // BGR, BGRA (alpha dropped by convert)
				k := t.depth / 8
				o[0], o[1], o[2] = row[k*x+2], row[k*x+1], row[k*x]
				continue
			}
			if usePal {
				copy(o, pal[3*int(v):3*int(v)+3])
			} else {
				o[0], o[1], o[2] = v, v, v
			}
		}
	}
	return img, nil
}

// bgr15 is ImagingUnpackBGR15: a little-endian 16-bit 1-5-5-5 pixel, blue
// in the low bits, each 5-bit value scaled by 255/31 (truncating).
func bgr15(b []byte) (r, g, bl byte) {
	p := int(b[0]) | int(b[1])<<8
	return byte((p >> 10 & 31) * 255 / 31), byte((p >> 5 & 31) * 255 / 31), byte((p & 31) * 255 / 31)
}

// tgaRLE is ImagingTgaRleDecode (Pillow 9.4, with the 9.1 fix for literal
// packets that cross rows) filling rows (in image order): depth is the pixel
// size in bytes (depth/8, as decode.c sets state->count). A run packet that
// crosses the end of a row is a buffer overrun; data that ends before the
// last row, or inside a packet, leaves the image truncated.
func tgaRLE(src, rows []byte, rowBytes, h, depth int, topDown bool) error {
	y, ystep := h-1, -1
	if topDown {
		y, ystep = 0, 1
	}
	line := make([]byte, rowBytes) // state->buffer
	x, p := 0, 0
	for p < len(src) {
		c := int(src[p])
		n := depth * ((c & 0x7f) + 1)
		extra := 0
		if c&0x80 != 0 {
			if len(src)-p < 1+depth {
				break
			}
			if x+n > rowBytes {
				return tgaError(Corrupt, "invalid TGA: an RLE run crosses the end of a row (buffer overrun)")
			}
			for i := 0; i < n; i += depth {
				copy(line[x+i:x+i+depth], src[p+1:p+1+depth])
			}
			p += 1 + depth
		} else {
			if len(src)-p < 1+n {
				break
			}
			if x+n > rowBytes { // the rest goes on to the following rows
				extra = n - (rowBytes - x)
				n = rowBytes - x
			}
			copy(line[x:x+n], src[p+1:p+1+n])
			p += 1 + n
		}
		for {
			x += n
			if x >= rowBytes {
				copy(rows[y*rowBytes:], line)
				x = 0
				if y += ystep; y < 0 || y >= h {
					return nil
				}
			}
			if extra == 0 || x > 0 {
				break
			}
			n = min(extra, rowBytes)
			copy(line[:n], src[p:p+n])
			p += n
			extra -= n
		}
	}
	return tgaError(Truncated, "truncated TGA: the file ends before the last pixel")
}

// decodeLastResort is what Image.open does with a file that no plugin of
// ours claims by signature, or whose reader declines it (declined):
// it tries the remaining plugins in order, TGA last of those that can match
// a TGA header. notImage is returned when none does.
func decodeLastResort(data []byte, lim budget, notImage error) (*rgb.Image, error) {
	if f := lastResortClaim(data); f != "" {
		return nil, &FormatError{Format: f, Kind: Unsupported, Msg: "unsupported format: " + f +
			" (or a TGA file that Pillow reads as " + f + ")"}
	}
	t, ok := tgaOpen(data)
	if !ok {
		return nil, notImage
	}
	return decodeTGA(t, data, lim)
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

// pyRead is fp.read(n) at *pos over data.
func pyRead(data []byte, pos *int, n int) []byte {
	s := data[min(*pos, len(data)):min(*pos+n, len(data))]
	*pos += len(s)
	return s
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

// imTags are ImImagePlugin.TAGS; the values of the last three are parsed
// as numbers (int(), else float(), ValueError past that).
var imTags = []string{"Comment", "Date", "Digitalization equipment", "Lut", "Name", "Image type",
	"File size (no of images)", "Scale (x,y)", "Image size (x*y)"}

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

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

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
