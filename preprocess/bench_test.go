package preprocess

import (
	"context"
	"os"
	"testing"

	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/testenv"
)

// rocket is an ImageNet-sized photo: 640×427, 4:4:4 JPEG.
func rocket(b *testing.B) []byte {
	data, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkResize(b *testing.B) {
	img, err := decode.Bytes(rocket(b), decode.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range []Transform{Resize224(), Resize256Crop224()} {
		b.Run(t.Name, func(b *testing.B) {
			w, h := t.OutputSize()
			dst := make([]byte, w*h*3)
			var s Scratch
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := t.ApplyContext(context.Background(), img, dst, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPreprocessDir times the whole host side per image over the
// JPEGs in $PREDICT_BENCH_IMAGES (scripts/bench.sh makes them; default:
// the one ImageNet-sized test photo): decode, resize (+crop), and the
// normalisation table applied into a reused float32 buffer — the same work
// as Pillow + ToTensor + Normalize, which scripts/bench/pillow_preprocess.py
// times on the same files.
func BenchmarkPreprocessDir(b *testing.B) {
	files := [][]byte{rocket(b)}
	if dir := os.Getenv("PREDICT_BENCH_IMAGES"); dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		files = files[:0]
		for _, e := range entries {
			data, err := os.ReadFile(dir + "/" + e.Name())
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, data)
		}
	}
	for _, t := range []Transform{Resize224(), Resize256Crop224()} {
		b.Run(t.Name, func(b *testing.B) {
			w, h := t.OutputSize()
			dst := make([]byte, w*h*3)
			tensor := make([]float32, w*h*3)
			table := t.Norm.Table()
			var s Scratch
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				img, err := decode.Bytes(files[i%len(files)], decode.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if err := t.ApplyContext(context.Background(), img, dst, &s); err != nil {
					b.Fatal(err)
				}
				plane := w * h
				for p := 0; p < plane; p++ {
					tensor[p] = table[0][dst[3*p]]
					tensor[plane+p] = table[1][dst[3*p+1]]
					tensor[2*plane+p] = table[2][dst[3*p+2]]
				}
			}
		})
	}
}
