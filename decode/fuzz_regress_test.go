package decode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Regressions for the fuzz-found slow GIFs (seeds under
// testdata/fuzz/FuzzGIF/): a file of a few dozen bytes that declares a large
// logical screen or frame used to cost a pass over the whole canvas (index
// plane filled with the transparency index, then converted pixel by pixel)
// even when the LZW data failed after one pixel. The decoder now spends
// time on what the data actually decodes, and builds the canvas (memmove of
// a background row) only once frame 0 is complete.

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

// A PNG of 85 bytes declaring 13000×13000 RGBA16 (1.35 GB of rows) whose
// zlib data stops after a few rows: the row store now grows with the rows
// zlib actually produces instead of being allocated (and, when the heap
// reuses memory, cleared) in full before the first byte is inflated.
func TestPNGSmallFileLargeImageIsFast(t *testing.T) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 200000))
	zw.Close()
	for _, interlace := range []byte{0, 1} {
		ihdr := []byte{0, 0, 0x32, 0xc8, 0, 0, 0x32, 0xc8, 16, 6, 0, 0, interlace}
		data := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
		data = append(data, pngChunk("IDAT", z.Bytes()[:40])...)
		assertRefusedCheaply(t, fmt.Sprintf("interlace %d", interlace), data, Truncated)
	}
}

// readSeed reads a "go test fuzz v1" file holding one []byte.
func readSeed(t *testing.T, path string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(raw))
	i := strings.Index(s, "[]byte(")
	if i < 0 || !strings.HasSuffix(s, ")") {
		t.Fatalf("%s: not a []byte seed", path)
	}
	v, err := strconv.Unquote(s[i+len("[]byte(") : len(s)-1])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(v)
}

// A progressive JPEG cut inside the DHT segment that follows its first
// scan: Pillow's suspending source stops at the end of the data and raises
// "image file is truncated"; libjpeg's memory source instead feeds a fake
// EOI into the half-read table ("Bogus Huffman table definition"). The
// decoder now stops at the first end-of-data, as Pillow does, which also
// spares decoding the rest of a huge image after it.
func TestJPEGCutInsideMarkerIsTruncated(t *testing.T) {
	data := readSeed(t, "testdata/fuzz/FuzzJPEG/trunc-prog-cut-in-dht-512")
	// The seed declares 512×512; the same cut at 16×16 (as generated).
	data[bytes.Index(data, []byte("\xff\xc2"))+5] = 0
	data[bytes.Index(data, []byte("\xff\xc2"))+6] = 16
	data[bytes.Index(data, []byte("\xff\xc2"))+7] = 0
	data[bytes.Index(data, []byte("\xff\xc2"))+8] = 16
	for _, lim := range []Limits{{}, fuzzLimits} {
		if _, err := Bytes(data, lim); KindOf(err) != Truncated {
			t.Errorf("%v, want truncated (Pillow: image file is truncated)", err)
		}
	}
}
