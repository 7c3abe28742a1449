package decode

import (
	"encoding/binary"
	"testing"
	"time"
)

// A GIF of a few dozen bytes that declares a large logical screen or frame
// (the fuzz-found seeds under testdata/fuzz/FuzzGIF/) costs what its LZW
// data decodes, not a pass over the whole canvas: only the frame's rows the
// decoder reaches are allocated, and the canvas (a background row, then
// memmove) is built once frame 0 is complete.

// tinyGIF builds a GIF89a with a w×h screen, transparency index 5 and one
// fw×fh frame at (x0, y0) whose LZW data (min code size 2) is clear, index 1,
// end: one pixel, then nothing.
func tinyGIF(w, h, x0, y0, fw, fh int) []byte {
	le := func(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
	b := []byte("GIF89a")
	b = append(b, le(w)...)
	b = append(b, le(h)...)
	b = append(b, 0, 0, 0)
	b = append(b, "!\xf9\x04\x01\x00\x00\x05\x00"...)
	b = append(b, ',')
	for _, v := range []int{x0, y0, fw, fh} {
		b = append(b, le(v)...)
	}
	b = append(b, 0, 2, 2, 0x4c, 0x01, 0, ';')
	return b
}

func TestGIFSmallFileLargeCanvasIsFast(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		lim  Limits
		kind Kind // 0: decodes
		w, h int
	}{
		// 13000×13000 frame (169 Mpixel, under Pillow's limit), one pixel of data.
		{"huge frame, truncated", tinyGIF(1, 1, 0, 0, 13000, 13000), Limits{}, Truncated, 0, 0},
		// A 2×2 frame at (12998, 12998) grows the 1×1 screen to 13000×13000.
		{"frame far off the screen, truncated", tinyGIF(1, 1, 12998, 12998, 2, 2), Limits{}, Truncated, 0, 0},
		// 512×512 screen, 1×1 frame in the corner: decodes; the canvas is
		// the transparency colour (index 5 → grey ramp) but pixel (511,511).
		{"fuzz-limit screen, 1x1 frame", tinyGIF(512, 512, 511, 511, 1, 1), fuzzLimits, 0, 512, 512},
	} {
		start := time.Now()
		img, err := Bytes(c.data, c.lim)
		elapsed := time.Since(start)
		if KindOf(err) != c.kind {
			t.Errorf("%s: err %v, want kind %v", c.name, err, c.kind)
			continue
		}
		if elapsed > 100*time.Millisecond {
			t.Errorf("%s: %d-byte file took %v", c.name, len(c.data), elapsed)
		}
		if c.kind == 0 {
			if img.W != c.w || img.H != c.h {
				t.Fatalf("%s: %dx%d", c.name, img.W, img.H)
			}
			for i := 0; i < img.W*img.H-1; i++ {
				if p := img.Pix[3*i : 3*i+3]; p[0] != 5 || p[1] != 5 || p[2] != 5 {
					t.Fatalf("%s: pixel %d = %v, want the transparency index's grey 5", c.name, i, p)
				}
			}
			if p := img.Pix[len(img.Pix)-3:]; p[0] != 1 || p[1] != 1 || p[2] != 1 {
				t.Fatalf("%s: last pixel %v, want index 1's grey", c.name, p)
			}
		}
	}
}

func FuzzGIF(f *testing.F) { fuzzFormat(f, "GIF") }
