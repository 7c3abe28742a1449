package decode_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/torchgo/predict/decode"
)

// Bytes gives the pixels Image.open(f).convert("RGB") gives, or a typed
// error saying why Pillow would refuse the file too.
func ExampleBytes() {
	data, err := os.ReadFile("../testdata/images/video-001.png")
	if err != nil {
		log.Fatal(err)
	}
	img, err := decode.Bytes(data, decode.Limits{}) // Pillow's default bomb limit
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(decode.Sniff(data), img.W, img.H, img.Pix[:3])

	_, err = decode.Bytes(data[:len(data)/2], decode.Limits{})
	fmt.Println(errors.Is(err, decode.ErrTruncated), decode.KindOf(err))
	// Output:
	// PNG 150 103 [125 14 2]
	// true truncated
}
