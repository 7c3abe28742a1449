package decode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"io"
	"regexp"
	"unicode/utf8"
)

// pngOrientation is the orientation PngImageFile.getexif reports to
// ImageOps.exif_transpose (Pillow 9.4). getexif loads the image first, so
// every chunk up to IEND counts and the last one of a kind wins:
//
//   - info["exif"]: an eXIf chunk, or a tEXt chunk whose keyword is "exif"
//     (chunk_tEXt keeps that one as bytes);
//   - without it, the "Raw profile type exif" text ImageMagick writes: hex
//     after the third line;
//   - when neither holds tag 0x0112, the XMP packet of an
//     "XML:com.adobe.xmp" text, matched by Image.getexif's regular
//     expression.
func pngOrientation(d []byte) int {
	var exif, rawProfile, xmp []byte
	haveExif := false
	pos := 8
	for pos+12 <= len(d) {
		n := int(binary.BigEndian.Uint32(d[pos:]))
		typ := string(d[pos+4 : pos+8])
		if n < 0 || pos+12+n > len(d) || typ == "IEND" {
			break
		}
		body := d[pos+8 : pos+8+n]
		pos += 12 + n
		if typ == "eXIf" {
			exif, haveExif = append([]byte("Exif\x00\x00"), body...), true
			continue
		}
		key, text, ok := pngText(typ, body)
		switch {
		case !ok:
		case key == "exif" && typ == "tEXt":
			exif, haveExif = text, true
		case key == "Raw profile type exif":
			rawProfile = text
		case key == "XML:com.adobe.xmp":
			xmp = text
		}
	}
	o := 0
	switch {
	case haveExif:
		o = exifOrientation(exif)
	case rawProfile != nil:
		lines := bytes.Split(rawProfile, []byte("\n"))
		if len(lines) > 3 {
			h := bytes.Join(lines[3:], nil)
			h = bytes.Map(func(r rune) rune { // bytes.fromhex skips ASCII whitespace
				if r == ' ' || r == '\t' || r == '\r' || r == '\v' || r == '\f' {
					return -1
				}
				return r
			}, h)
			if b, err := hex.DecodeString(string(h)); err == nil {
				o = exifOrientation(b)
			}
		}
	}
	if o == 0 && xmp != nil {
		if m := xmpOrientation.FindSubmatch(xmp); m != nil {
			o = int(m[2][0] - '0')
		}
	}
	return o
}

var xmpOrientation = regexp.MustCompile(`tiff:Orientation(="|>)([0-9])`)

// pngText is the keyword and text of a tEXt, zTXt or iTXt chunk as
// chunk_tEXt/zTXt/iTXt store them in info (latin-1 text kept as bytes; an
// iTXt that is not valid UTF-8, or compressed with an unknown method, is
// skipped as Pillow skips it).
func pngText(typ string, body []byte) (string, []byte, bool) {
	k, v, found := bytes.Cut(body, []byte{0})
	switch typ {
	case "tEXt":
		return string(k), v, len(k) > 0
	case "zTXt":
		if len(k) == 0 || len(v) > 0 && v[0] != 0 {
			return "", nil, false
		}
		if len(v) > 0 {
			v = v[1:]
		}
		return string(k), pngInflateText(v), true
	case "iTXt":
		if !found || len(v) < 2 {
			return "", nil, false
		}
		compressed, method := v[0], v[1]
		parts := bytes.SplitN(v[2:], []byte{0}, 3)
		if len(parts) < 3 {
			return "", nil, false
		}
		text := parts[2]
		if compressed != 0 {
			if method != 0 {
				return "", nil, false
			}
			text = pngInflateText(text)
		}
		if !utf8.Valid(parts[0]) || !utf8.Valid(parts[1]) || !utf8.Valid(text) {
			return "", nil, false
		}
		return string(k), text, true
	}
	return "", nil, false
}

// pngInflateText is _safe_zlib_decompress as the text chunks use it: what
// inflates before the stream ends early, nothing if it is corrupt.
func pngInflateText(z []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return []byte{}
	}
	out, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil && err != io.ErrUnexpectedEOF {
		return []byte{}
	}
	return out
}
