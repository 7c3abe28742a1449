package decode

import (
	"math"
	"regexp"
	"strconv"

	"github.com/torchgo/predict/rgb"
)

// X11 bitmaps exactly as Pillow 9.4 reads them (XbmImagePlugin, XbmDecode.c
// with the "1;R" unpacker, then convert("RGB")):
//
//   - _open matches its header pattern against the first 512 bytes only:
//     "#define NAME_width W" and "#define NAME_height H" lines, an optional
//     hotspot pair, then anything up to the last "_bits[]" within those
//     512 bytes, where the pixel data starts. No match declines the file
//     (SyntaxError), as Image.open moves on.
//   - XbmDecode.c skips to each 'x' and takes the two bytes after it as hex
//     digits, any other byte counting 0 ("0x5," reads 0x50); (W+7)/8 such
//     bytes make a row, least significant bit first, a set bit white.
//   - Data that ends before the last row: "image file is truncated".

// xbmHeader is XbmImagePlugin's xbm_head. Python's bytes \s is spelled out
// (Go's lacks \v), and (?s:.) stands for [\000-\377]: Go's regexp reads
// UTF-8, and a byte that is not valid UTF-8 is still one character to (?s:.).
var xbmHeader = regexp.MustCompile(`\A[ \t\n\r\f\v]*#define[ \t]+.*_width[ \t]+([0-9]+)[\r\n]+` +
	`#define[ \t]+.*_height[ \t]+([0-9]+)[\r\n]+` +
	`(?:#define[ \t]+[^_]*_x_hot[ \t]+[0-9]+[\r\n]+#define[ \t]+[^_]*_y_hot[ \t]+[0-9]+[\r\n]+)?` +
	`(?s:.)*_bits\[\]`)

// xbmFile is an opened bitmap: its size and where its data starts.
type xbmFile struct {
	data  []byte
	w, h  int
	start int
}

func openXBM(data []byte, _ rules) (opened, error) {
	m := xbmHeader.FindSubmatchIndex(data[:min(512, len(data))])
	if m == nil {
		return nil, unidentified("XBM", "no XBM header in the first 512 bytes")
	}
	return &xbmFile{data: data, w: pyIntSize(data[m[2]:m[3]]), h: pyIntSize(data[m[4]:m[5]]), start: m[1]}, nil
}

// pyIntSize is int() of a run of digits, as an image size: Python's ints
// do not overflow, so a value past int32 stands as the largest, which
// every size check refuses as Pillow's refuses the real one.
func pyIntSize(digits []byte) int {
	v, err := strconv.ParseInt(string(digits), 10, 32)
	if err != nil {
		return math.MaxInt32
	}
	return int(v)
}

func (f *xbmFile) header() Header {
	return Header{Format: "XBM", Mode: "1", Width: f.w, Height: f.h}
}

func (f *xbmFile) pixels(lim budget) (*rgb.Image, error) {
	src := f.data[f.start:]
	stride := (f.w + 7) / 8
	// Each byte of a row costs at least "x" and two more bytes.
	if int64(len(src)) < 3*int64(stride)*int64(f.h) {
		return nil, errorf("XBM", Truncated, "truncated XBM: image file is truncated")
	}
	img := rgb.New(f.w, f.h)
	row := make([]byte, stride)
	p := 0
	for y := range f.h {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		for x := range row {
			for p < len(src) && src[p] != 'x' {
				p++
			}
			if len(src)-p < 3 {
				return nil, errorf("XBM", Truncated, "truncated XBM: image file is truncated")
			}
			row[x] = hexDigit(src[p+1])<<4 | hexDigit(src[p+2])
			p += 3
		}
		out := img.Pix[3*f.w*y : 3*f.w*(y+1)]
		for x := range f.w {
			if row[x/8]>>(x%8)&1 != 0 {
				out[3*x], out[3*x+1], out[3*x+2] = 255, 255, 255
			}
		}
	}
	return img, nil
}

// hexDigit is XbmDecode.c's HEX: a hex digit's value, 0 for anything else.
func hexDigit(c byte) byte {
	v, _ := hexValue(c)
	return v
}
