package decode

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"testing"
)

// A PNG of 85 bytes declaring 13000×13000 RGBA16 (1.35 GB of rows) whose
// zlib data stops after a few rows: the row store grows with the rows zlib
// produces rather than being allocated (and, when the heap reuses memory,
// cleared) in full before the first byte is inflated.
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

func FuzzPNG(f *testing.F) { fuzzFormat(f, "PNG") }
