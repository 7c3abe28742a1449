package decode

import (
	"bytes"
	"testing"
)

// A progressive JPEG cut inside the DHT segment that follows its first
// scan: Pillow's suspending source stops at the end of the data and raises
// "image file is truncated"; libjpeg's memory source instead feeds a fake
// EOI into the half-read table ("Bogus Huffman table definition"). The
// decoder stops at the first end of data, as Pillow does, which also spares
// decoding the rest of a huge image after it.
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

func FuzzJPEG(f *testing.F) { fuzzFormat(f, "JPEG") }
