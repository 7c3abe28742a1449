package decode

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/torchgo/predict/internal/testenv"
)

// Fuzz targets, one per decoder entry point plus Bytes (sniffing). A crash,
// a hang or an untyped error is a bug whatever the input. Seeds: the shipped
// test images and bad files, plus tiny hand-made files. CI runs each for a
// fixed time, e.g.
//
//	go test ./decode -run '^$' -fuzz '^FuzzBytes$' -fuzztime 10s
//
// (and likewise FuzzJPEG, FuzzPNG, FuzzGIF, FuzzWebP, FuzzTranspose).

// fuzzLimits keeps fuzz-generated headers from asking for huge buffers.
var fuzzLimits = Limits{MaxPixels: 1 << 18}

func addSeeds(f *testing.F, format string) {
	for _, sub := range []string{"images", "bad"} {
		paths, _ := filepath.Glob(testenv.Path("testdata", sub, "*"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil || len(data) > 64<<10 {
				continue
			}
			if format == "" || Sniff(data) == format {
				f.Add(data)
			}
		}
	}
	switch format {
	case "", "GIF":
		f.Add([]byte("GIF89a\x02\x00\x02\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x01\x00,\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02D\x01\x00;"))
	}
	switch format {
	case "", "PNG":
		f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"))
	}
	switch format {
	case "", "BMP":
		// 2×2 24-bit, and 3×2 RLE8 (a run, an odd absolute run, end of line,
		// a delta, end of bitmap).
		f.Add([]byte("BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x18\x00\x00\x00\x00\x00\x10\x00\x00\x00\x13\x0b\x00\x00\x13\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x00\x00\x07\x08\x09\x0a\x0b\x0c\x00\x00"))
		f.Add([]byte("\x42\x4d\x50\x00\x00\x00\x00\x00\x00\x00\x3e\x00\x00\x00\x28\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x01\x00\x08\x00\x01\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x10\x20\x30\x00\xa0\xb0\xc0\x00\x01\x01\x00\x03\x01\x00\x01\x00\x00\x00\x00\x02\x09\x09\x00\x00\x00\x01"))
	}
	switch format {
	case "", "PPM":
		f.Add([]byte("P6\n2 1\n255\n\x01\x02\x03\x04\x05\x06"))
		f.Add([]byte("P5 2 1 1000\n\x00\x01\x03\xe8"))
		f.Add([]byte("P4\n9 1\n\xa5\x80"))
		f.Add([]byte("P3\n# c\n2 1 15\n1 2 3 4 5 6\n"))
		f.Add([]byte("P2 2 2 255\n1 2 3"))
		f.Add([]byte("P1 3 1\n010"))
	}
	switch format {
	case "", "WebP":
		f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	}
}

func checkResult(t *testing.T, data []byte, img interface{ Validate() error }, err error) {
	if err != nil {
		if KindOf(err) == 0 {
			t.Fatalf("untyped error %v", err)
		}
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	if verr := img.Validate(); verr != nil {
		t.Fatalf("decoded an invalid image: %v", verr)
	}
}

func FuzzBytes(f *testing.F) {
	addSeeds(f, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Bytes(data, fuzzLimits)
		if err == nil {
			checkResult(t, data, img, nil)
		} else {
			checkResult(t, data, nil, err)
		}
	})
}

func fuzzDecoder(f *testing.F, format string, dec func([]byte, Limits) (interface{ Validate() error }, error)) {
	addSeeds(f, format)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		img, err := dec(data, fuzzLimits)
		checkResult(t, data, img, err)
	})
}

func FuzzJPEG(f *testing.F) {
	fuzzDecoder(f, "JPEG", func(d []byte, l Limits) (interface{ Validate() error }, error) {
		m, err := decodeJPEG(d, l)
		return m, err
	})
}

func FuzzPNG(f *testing.F) {
	fuzzDecoder(f, "PNG", func(d []byte, l Limits) (interface{ Validate() error }, error) {
		if len(d) < 8 {
			return nil, &FormatError{Kind: NotImage, Msg: "short"}
		}
		m, err := decodePNG(d, l)
		return m, err
	})
}

func FuzzGIF(f *testing.F) {
	fuzzDecoder(f, "GIF", func(d []byte, l Limits) (interface{ Validate() error }, error) {
		m, err := decodeGIF(d, l)
		return m, err
	})
}

func FuzzWebP(f *testing.F) {
	fuzzDecoder(f, "WebP", func(d []byte, l Limits) (interface{ Validate() error }, error) {
		m, err := decodeWebP(d, l)
		return m, err
	})
}

// FuzzTranspose: EXIF parsing and transposition never fail or misbehave.
func FuzzTranspose(f *testing.F) {
	addSeeds(f, "JPEG")
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Orientation(data)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		m := Transpose(rgbTestImage(3, 2), o)
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// Headers asking for billions of pixels are refused from the header in
// milliseconds, before any pixel buffer exists, for every decoder.
func TestBombHeadersRefusedFast(t *testing.T) {
	gif := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\xff\xff\xff\xff\x00\x08\x02\x00\x00;")
	png := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", []byte{0, 0, 0x9c, 0x40, 0, 0, 0x9c, 0x40, 8, 2, 0, 0, 0})...)
	png = append(png, pngChunk("IDAT", []byte{0x78, 0x9c})...)
	for name, data := range map[string][]byte{"GIF": gif, "PNG": png} {
		start := time.Now()
		_, err := Bytes(data, DefaultLimits)
		if KindOf(err) != TooLarge {
			t.Errorf("%s: %v, want TooLarge", name, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%s: refused after %v", name, d)
		}
	}
}
