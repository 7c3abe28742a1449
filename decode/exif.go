package decode

import (
	"bytes"
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// Orientation returns the EXIF orientation ImageOps.exif_transpose would
// apply to the file (1 when none, or when Pillow's reading of the EXIF
// data fails: BytesWith then fails too). The data is Pillow's getexif()'s:
// a JPEG's first APP1 segment starting "Exif\0"; a PNG's eXIf chunk or
// text profiles as far as Image.open and load read them (see
// pngOrientation; this decodes the PNG); a WebP's EXIF chunk; a TIFF's own
// first IFD, which Pillow 9.4 has already applied when it decoded the
// file, so exif_transpose turns a TIFF a second time, and so does
// BytesWith.
func Orientation(data []byte) int {
	var o opened
	if Sniff(data) == "PNG" {
		var err error
		if _, o, err = decodeFile(data, budget{}); err != nil {
			return 1
		}
	}
	orient, err := orientation(data, o)
	if err != nil {
		return 1
	}
	return orient
}

// exifFailed is the error of a file whose EXIF data makes Pillow's
// ImageOps.exif_transpose raise.
func exifFailed(format string, f exifFailure) error {
	why := map[exifFailure]string{
		exifSyntaxError: "its header is not a TIFF header",
		exifStructError: "it is too short, or BigTIFF",
		exifTypeError:   "it is text, not bytes",
		exifValueError:  "its raw profile is not hexadecimal",
	}[f]
	return errorf(format, Corrupt, "invalid %s: unreadable EXIF data (%s), on which ImageOps.exif_transpose fails", format, why)
}

// orientation is Orientation with the error exif_transpose raises, for a
// file decoded as o, which holds what the decode learnt (a PNG's text
// chunks).
func orientation(data []byte, o opened) (int, error) {
	var exif []byte
	format := Sniff(data)
	switch format {
	case "JPEG":
		a := jpegApps(data, rules{}) // ImageOps.exif_transpose as Pillow 9.4 reads EXIF
		if a.exif == nil {
			return 1, nil
		}
		ifd, f := exifLoad(a.exif)
		switch {
		case f != exifOK && a.dpiBeforeExif:
			// Image.open never read it; exif_transpose's getexif raises.
			return 1, exifFailed(format, f)
		case f != exifOK:
			// Read (and failed) during Image.open: cached as no tags.
			return 1, nil
		}
		return transposeOf(ifd.get(0x0112)), nil
	case "PNG":
		p, ok := o.(*pngInfo)
		if !ok {
			return 1, nil
		}
		return pngOrientation(p)
	case "WebP":
		exif = webpExif(data)
	case "TIFF":
		// getexif re-reads the first IFD with the file's byte order.
		order, next, f := exifHeader(data[:min(8, len(data))])
		if f != exifOK {
			return 1, nil
		}
		return transposeOf(loadIFD(data, order, int64(next)).get(0x0112)), nil
	default:
		return 1, nil
	}
	if len(exif) == 0 {
		return 1, nil
	}
	ifd, f := exifLoad(exif)
	if f != exifOK {
		return 1, exifFailed(format, f)
	}
	return transposeOf(ifd.get(0x0112)), nil
}

// jpegAppInfo is what JpegImageFile._open's APP handler learns from the
// segments before SOS.
type jpegAppInfo struct {
	exif          []byte // the first APP1 starting "Exif\0", nil when none
	dpiBeforeExif bool   // a JFIF APP0 gave the dpi first: Image.open never read the EXIF
	fails         string // why an APP segment makes Image.open raise, "" when none does
}

// jpegApps walks the markers as JpegImageFile._open does (0xFF junk
// skipped, escaped FF00 and FFFF padding, markers without a length) up to
// SOS, through the APP segments. It stops quietly where _open would fail
// for another reason, which the decoder reports in its own words.
func jpegApps(d []byte, r rules) jpegAppInfo {
	var a jpegAppInfo
	pos := 3
	read := func(k int) []byte {
		e := min(pos+k, len(d))
		b := d[min(pos, e):e]
		pos = e
		return b
	}
	dpi := false
	s := []byte{0xff}
	for len(s) > 0 {
		if s[0] != 0xff {
			s = read(1) // skip non-0xFF junk
			continue
		}
		s = append([]byte{0xff}, read(1)...)
		if len(s) < 2 {
			return a
		}
		m := int(binary.BigEndian.Uint16(s))
		switch {
		case m == 0xffc8 || m >= 0xffd0 && m <= 0xffd9 || m >= 0xfff0 && m <= 0xfffd:
			s = read(1) // no handler
		case m >= 0xffc0 && m <= 0xfffe:
			l := read(2)
			if len(l) < 2 {
				return a
			}
			n := int(binary.BigEndian.Uint16(l)) - 2
			seg := read(max(n, 0))
			if len(seg) < n {
				return a
			}
			if m >= 0xffe0 && m <= 0xffef {
				if why := a.app(m, seg, &dpi, r); why != "" {
					a.fails = why
					return a
				}
			}
			if m == 0xffda {
				return a
			}
			s = read(1)
		case m == 0xffff:
			s = []byte{0xff}
		case m == 0xff00:
			s = read(1)
		default:
			return a
		}
	}
	return a
}

// app is JpegImagePlugin.APP for segment s of marker m: the reason it
// raises out of Image.open, or "".
func (a *jpegAppInfo) app(m int, s []byte, dpi *bool, r rules) string {
	switch {
	case m == 0xffe0 && bytes.HasPrefix(s, []byte("JFIF")):
		if len(s) < 7 { // i16(s, 5): struct.error
			return "a JFIF segment too short for its version"
		}
		if len(s) >= 12 && s[7] == 1 { // unit 1: dots per inch
			*dpi = true
		}
	case m == 0xffe1 && bytes.HasPrefix(s, []byte("Exif\x00")):
		if a.exif == nil {
			a.exif = s
			a.dpiBeforeExif = *dpi
		}
	case m == 0xffee && bytes.HasPrefix(s, []byte("Adobe")):
		if len(s) < 7 { // i16(s, 5): struct.error
			return "an Adobe segment too short for its version"
		}
	}
	// "If DPI isn't in JPEG header, fetch from EXIF".
	if !*dpi && a.exif != nil {
		if ifd, f := exifLoad(a.exif); dpiFromExifFails(ifd, f, r) {
			return "its EXIF data cannot be read for a resolution"
		}
		*dpi = true
	}
	return ""
}

// webpExif is the EXIF chunk WebPImagePlugin reads through libwebp's
// demuxer: the first one, in an extended (VP8X) file that flags EXIF.
func webpExif(d []byte) []byte {
	if len(d) < 30 || string(d[12:16]) != "VP8X" || d[20]&0x08 == 0 {
		return nil
	}
	pos := 12
	for pos+8 <= len(d) {
		n := int(binary.LittleEndian.Uint32(d[pos+4:]))
		if n < 0 || pos+8+n > len(d) {
			return nil
		}
		if string(d[pos:pos+4]) == "EXIF" {
			return d[pos+8 : pos+8+n]
		}
		pos += 8 + n + n&1
	}
	return nil
}

// Transpose applies what ImageOps.exif_transpose does for an orientation:
// 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE,
// 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90 (Pillow's counter-clockwise
// rotations); other values return m unchanged.
func Transpose(m *rgb.Image, orientation int) *rgb.Image {
	if orientation < 2 || orientation > 8 {
		return m
	}
	w, h := m.W, m.H
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := rgb.New(ow, oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var sx, sy int
			switch orientation {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // rotate 90° clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // rotate 90° counter-clockwise
				sx, sy = w-1-y, x
			}
			copy(out.Pix[3*(y*ow+x):3*(y*ow+x)+3], m.Pix[3*(sy*w+sx):])
		}
	}
	return out
}
