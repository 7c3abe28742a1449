package decode

import (
	"bytes"
	"context"
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// Options configures BytesWith and BytesContext. The zero value decodes as
// Image.open(f).convert("RGB") with Pillow's default limits does.
type Options struct {
	// Limits is the decompression-bomb policy (zero: Pillow's).
	Limits Limits
	// EXIFTranspose applies the EXIF orientation (tag 0x0112, values 2–8)
	// the way ImageOps.exif_transpose does before convert("RGB"). Off by
	// default, as in Pillow's Image.open (parity-spec §1).
	EXIFTranspose bool
}

// BytesWith decodes an image file held in memory with options.
func BytesWith(data []byte, opts Options) (*rgb.Image, error) {
	return BytesContext(context.Background(), data, opts)
}

// BytesContext is BytesWith giving up soon after ctx is done, with ctx's
// error: the decoders check it row by row (JPEG, PNG, GIF, BMP, TIFF and
// the other row-based formats; WebP only before and after libwebp's
// frame decode), so a server need not finish a decompression bomb whose
// client has left.
func BytesContext(ctx context.Context, data []byte, opts Options) (*rgb.Image, error) {
	stop, done := watch(ctx)
	defer done()
	lim := budget{Limits: opts.Limits, stop: stop}
	if err := lim.stopped(); err != nil {
		return nil, err
	}
	img, err := decodeBytes(data, lim)
	if serr := lim.stopped(); serr != nil {
		return nil, serr // whatever the decoder made of being stopped
	}
	if err != nil || !opts.EXIFTranspose {
		return img, err
	}
	return Transpose(img, Orientation(data)), nil
}

// Orientation returns the EXIF orientation Pillow's getexif() would report
// for the file (1 when there is none or it is not 1–8): JPEG's first APP1
// "Exif" segment, PNG's eXIf chunk or text profiles (pngOrientation),
// WebP's EXIF chunk, and a TIFF's own first IFD — which Pillow 9.4 has
// already applied when it decoded the file, so exif_transpose turns a TIFF
// a second time, and so does BytesWith.
func Orientation(data []byte) int {
	var o int
	switch Sniff(data) {
	case "JPEG":
		o = exifOrientation(jpegExif(data))
	case "PNG":
		o = pngOrientation(data)
	case "WebP":
		o = exifOrientation(webpExif(data))
	case "TIFF":
		o = exifOrientation(data)
	}
	if o < 1 || o > 8 {
		return 1
	}
	return o
}

// jpegExif walks the markers before SOS: JpegImagePlugin.APP keeps the
// first APP1 starting with "Exif".
func jpegExif(d []byte) []byte {
	pos := 2
	for pos+4 <= len(d) {
		if d[pos] != 0xff {
			return nil
		}
		m := d[pos+1]
		if m == 0xff {
			pos++
			continue
		}
		if m == 0xda || m == 0xd9 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[pos+2:]))
		if n < 2 || pos+2+n > len(d) {
			return nil
		}
		seg := d[pos+4 : pos+2+n]
		if m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif")) {
			return seg
		}
		pos += 2 + n
	}
	return nil
}

func webpExif(d []byte) []byte {
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

// exifOrientation reads tag 0x0112 (one SHORT or LONG) from IFD0 of a TIFF
// structure, after an "Exif\0\0" prefix if there is one (Exif.load drops
// it); 0 when absent or unreadable.
func exifOrientation(t []byte) int {
	t = bytes.TrimPrefix(t, []byte("Exif\x00\x00"))
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := 0; i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 || bo.Uint32(t[e+4:]) != 1 {
			continue
		}
		switch bo.Uint16(t[e+2:]) {
		case 3: // SHORT
			return int(bo.Uint16(t[e+8:]))
		case 4: // LONG
			return int(bo.Uint32(t[e+8:]))
		}
		return 0
	}
	return 0
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
