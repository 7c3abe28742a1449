package decode

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// format is one of Pillow 9.4's readers as this package knows it: the
// signature its _accept looks for, the file name extensions it registers
// (Image.register_extension), and how it opens a file (nil: a format
// recognised only to be refused, named, as unsupported).
type format struct {
	name       string
	extensions []string
	match      func([]byte) bool
	open       func([]byte, rules) (opened, error)
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

// formats are in the order Image.open tries its readers. TGA has no
// signature and is tried last of all (lastresort.go); it is listed for
// its extensions.
var formats = []format{
	{"JPEG", []string{".jpg", ".jpeg", ".jpe", ".jfif", ".mpo"}, prefix("\xff\xd8\xff"), openJPEG},
	{"PNG", []string{".png", ".apng"}, prefix("\x89PNG\r\n\x1a\n"), openPNG},
	{"GIF", []string{".gif"}, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}, openGIF},
	{"WebP", []string{".webp"}, func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }, openWebP},
	{"BMP", []string{".bmp"}, prefix("BM"), openBMP},
	{"DIB", []string{".dib"}, func(b []byte) bool {
		if len(b) < 4 {
			return false
		}
		switch binary.LittleEndian.Uint32(b) {
		case 12, 40, 64, 108, 124:
			return true
		}
		return false
	}, openDIB},
	{"CUR", []string{".cur"}, prefix("\x00\x00\x02\x00"), openCUR},
	// GbrImagePlugin comes before TIFF, ICO and PCX in Pillow's order, and
	// its test (two big-endian numbers) can match their files too: a
	// brush it declines goes on to them.
	{"GBR", []string{".gbr"}, func(b []byte) bool {
		return len(b) >= 8 && binary.BigEndian.Uint32(b) >= 20 && (binary.BigEndian.Uint32(b[4:]) == 1 || binary.BigEndian.Uint32(b[4:]) == 2)
	}, openGBR},
	{"TIFF", []string{".tif", ".tiff"}, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}, openTIFF},
	{"ICO", []string{".ico"}, prefix("\x00\x00\x01\x00"), openICO},
	{"JPEG 2000", nil, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")) || bytes.HasPrefix(b, []byte("\xff\x4f\xff\x51"))
	}, nil},
	{"PSD", nil, prefix("8BPS"), nil},
	{"QOI", nil, prefix("qoif"), nil},
	// Other formats Pillow 9.4 reads, recognised by their readers' _accept,
	// most of them only to be named in the error (ICNS, XBM and XPM are read). Their magic
	// numbers cannot start a TGA header (byte 1, the colour-map type, is 0
	// or 1 there).
	{"BLP", nil, func(b []byte) bool { return bytes.HasPrefix(b, []byte("BLP1")) || bytes.HasPrefix(b, []byte("BLP2")) }, nil},
	{"DDS", nil, prefix("DDS "), nil},
	{"EPS", nil, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("%!PS")) || bytes.HasPrefix(b, []byte("\xc5\xd0\xd3\xc6"))
	}, nil},
	{"FITS", nil, prefix("SIMPLE"), nil},
	{"FTEX", nil, prefix("FTEX"), nil},
	{"ICNS", []string{".icns"}, prefix("icns"), openICNS},
	{"MSP", nil, func(b []byte) bool { return bytes.HasPrefix(b, []byte("DanM")) || bytes.HasPrefix(b, []byte("LinS")) }, nil},
	{"SGI", nil, prefix("\x01\xda"), nil},
	{"SUN", nil, prefix("\x59\xa6\x6a\x95"), nil},
	{"XBM", []string{".xbm"}, func(b []byte) bool { // XbmImagePlugin: the 16-byte prefix, left-stripped
		return bytes.HasPrefix(bytes.TrimLeft(b[:min(16, len(b))], " \t\n\r\v\f"), []byte("#define"))
	}, openXBM},
	{"XPM", []string{".xpm"}, prefix("/* XPM */"), openXPM},
	{"XVThumb", nil, prefix("P7 332"), nil},
	// PpmImagePlugin._accept takes "P1".."P7" and "Pf" (Pillow 9.4 reads
	// "P0".."P6" and "Py", refuses the others); PcxImagePlugin's is 0x0A
	// then a version byte it knows.
	{"PPM", []string{".ppm", ".pgm", ".pbm", ".pnm"}, func(b []byte) bool {
		return len(b) >= 2 && b[0] == 'P' && (b[1] >= '0' && b[1] <= '7' || b[1] == 'f' || b[1] == 'y')
	}, openPPM},
	{"PCX", []string{".pcx"}, func(b []byte) bool { return len(b) >= 2 && pcxAccept(b) }, openPCX},
	{"DCX", []string{".dcx"}, prefix("\xb1\x68\xde\x3a"), openDCX},
	{"TGA", []string{".tga", ".icb", ".vda", ".vst"}, nil, nil},
}

// Extensions are the file name extensions Pillow registers for the formats
// this package decodes (".jpg", ".png", ... in lower case): what a
// directory of images is expected to hold.
func Extensions() []string {
	var out []string
	for _, f := range formats {
		if f.open != nil || f.name == "TGA" {
			out = append(out, f.extensions...)
		}
	}
	slices.Sort(out)
	return out
}

// Sniff names the format of data from its signature, or "".
func Sniff(data []byte) string {
	return sniff(data).name
}

func sniff(data []byte) format {
	for _, f := range formats {
		if f.match != nil && f.match(data) {
			return f
		}
	}
	return format{}
}

// openFile is Image.open: the readers whose signature matches, in order,
// until one opens the file; one that declines it (as Pillow's raise
// SyntaxError and the like) passes it on, and a file none takes goes to
// the readers tried last, with the first refusal as the error.
func openFile(data []byte, r rules) (opened, error) {
	if len(data) == 0 {
		return nil, errorf("", NotImage, "empty file")
	}
	var refused *FormatError
	for _, f := range formats {
		if f.match == nil || !f.match(data) {
			continue
		}
		if f.open == nil {
			return nil, errorf(f.name, Unsupported, "unsupported format: %s (JPEG, PNG, GIF, WebP, BMP, ICO, CUR, GBR, ICNS, XBM, XPM, PBM/PGM/PPM, PCX, TGA and TIFF decode exactly like Pillow)", f.name)
		}
		o, err := f.open(data, r)
		d, ok := err.(declined)
		if !ok {
			return o, err
		}
		if refused == nil {
			refused = d.FormatError
		}
	}
	if refused == nil {
		refused = errorf("", NotImage, "not an image (no known image signature)")
	}
	return openLastResort(data, refused, r)
}
