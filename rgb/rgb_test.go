package rgb

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromImageDropsAlphaWithoutCompositing(t *testing.T) {
	n := image.NewNRGBA(image.Rect(2, 3, 4, 4)) // non-zero origin
	n.SetNRGBA(2, 3, color.NRGBA{10, 20, 30, 0})
	n.SetNRGBA(3, 3, color.NRGBA{40, 50, 60, 128})
	assert.Equal(t, []uint8{10, 20, 30, 40, 50, 60}, FromImage(n).Pix)

	// *image.RGBA is premultiplied: the stored colour is un-premultiplied.
	r := image.NewRGBA(image.Rect(0, 0, 1, 1))
	r.SetRGBA(0, 0, color.RGBA{50, 25, 0, 128})
	got := FromImage(r)
	assert.Equal(t, color.NRGBAModel.Convert(color.RGBA{50, 25, 0, 128}).(color.NRGBA).R, got.Pix[0])

	g := image.NewGray(image.Rect(0, 0, 2, 1))
	g.Pix[1] = 77
	assert.Equal(t, []uint8{0, 0, 0, 77, 77, 77}, FromImage(g).Pix)

	src := New(1, 1)
	src.Pix[0] = 5
	cp := FromImage(src)
	cp.Pix[0] = 6
	assert.Equal(t, uint8(5), src.Pix[0], "FromImage copies")
	assert.NoError(t, cp.Validate())
	assert.Error(t, (&Image{W: 2, H: 2, Pix: make([]uint8, 3)}).Validate())
}
