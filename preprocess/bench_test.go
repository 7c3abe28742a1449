package preprocess

import (
	"os"
	"testing"

	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/testenv"
)

// BenchmarkPreprocess is the host work per image on one core: decode an
// ImageNet-sized JPEG (640×427, 4:4:4), resize (and crop), ready for the
// device. scripts/bench.sh times Pillow + torchvision on the same file.
func BenchmarkPreprocess(b *testing.B) {
	data, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range []Transform{Resize224(), ImageNet()} {
		b.Run(t.Name, func(b *testing.B) {
			w, h := t.OutputSize()
			dst := make([]byte, w*h*3)
			var s Scratch
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				img, err := decode.Bytes(data, decode.DefaultLimits)
				if err != nil {
					b.Fatal(err)
				}
				if err := t.ApplyWith(img, dst, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkResize(b *testing.B) {
	data, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	img, err := decode.Bytes(data, decode.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range []Transform{Resize224(), ImageNet()} {
		b.Run(t.Name, func(b *testing.B) {
			w, h := t.OutputSize()
			dst := make([]byte, w*h*3)
			var s Scratch
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := t.ApplyWith(img, dst, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
