// Package rgb holds the one image type the pipeline passes between
// decoding and preprocessing: 8-bit RGB, packed, no alpha — what Pillow
// calls mode "RGB" and what torchvision's ToTensor reads.
package rgb

import (
	"fmt"
	"image"
	"image/color"
)

// Image is W×H pixels, row-major, three bytes (R, G, B) per pixel with no
// padding: Pix[(y*W+x)*3+c]. Like image.RGBA, it may be read from many
// goroutines but not written while read.
type Image struct {
	W, H int
	Pix  []uint8
}

// New allocates a zeroed (black) w×h image.
func New(w, h int) *Image {
	return &Image{W: w, H: h, Pix: make([]uint8, w*h*3)}
}

// Validate checks that the buffer matches the dimensions.
func (m *Image) Validate() error {
	if m.W < 1 || m.H < 1 {
		return fmt.Errorf("rgb: empty image %dx%d", m.W, m.H)
	}
	if len(m.Pix) != m.W*m.H*3 {
		return fmt.Errorf("rgb: %dx%d image has %d bytes, want %d", m.W, m.H, len(m.Pix), m.W*m.H*3)
	}
	return nil
}

// The methods below make *Image an image.Image, for viewing and encoding.

func (m *Image) ColorModel() color.Model { return color.RGBAModel }
func (m *Image) Bounds() image.Rectangle { return image.Rect(0, 0, m.W, m.H) }
func (m *Image) At(x, y int) color.Color {
	if x < 0 || y < 0 || x >= m.W || y >= m.H {
		return color.RGBA{}
	}
	p := m.Pix[(y*m.W+x)*3:]
	return color.RGBA{p[0], p[1], p[2], 0xff}
}
