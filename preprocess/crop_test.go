package preprocess

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/torchgo/predict/rgb"
)

func TestResizedSize(t *testing.T) {
	in := ImageNet()
	for _, c := range []struct{ W, H, w, h int }{
		{500, 333, 384, 256}, // parity-spec §2.1
		{640, 480, 341, 256},
		{333, 500, 256, 384},
		{256, 256, 256, 256},
		{300, 300, 256, 256}, // a tie: width is the short side
		{150, 103, 372, 256}, // upscaling: int(256*150/103) = 372
		{20, 3000, 256, 38400},
	} {
		w, h := in.ResizedSize(c.W, c.H)
		assert.Equal(t, [2]int{c.w, c.h}, [2]int{w, h}, "%dx%d", c.W, c.H)
	}
	w, h := Resize224().ResizedSize(640, 480)
	assert.Equal(t, [2]int{224, 224}, [2]int{w, h})
}

// Python's round() is half-to-even: 640×480 → Resize(256) → 341×256 crops
// from left 58 (not 59). parity-spec §3.
func TestCenterCropOffsetRoundsHalfToEven(t *testing.T) {
	for _, c := range []struct{ W, H, w, h, left, top int }{
		{341, 256, 224, 224, 58, 16}, // 117/2 = 58.5 → 58
		{383, 256, 224, 224, 80, 16}, // 159/2 = 79.5 → 80
		{257, 259, 224, 224, 16, 18}, // 16.5 → 16, 17.5 → 18
		{224, 224, 224, 224, 0, 0},
		{256, 384, 224, 224, 16, 80},
		// crop larger than the image: torchvision pads (c-s)//2 before
		{100, 300, 224, 224, -62, 38},
		{101, 224, 224, 224, -61, 0},
	} {
		left, top := CenterCropOffset(c.W, c.H, c.w, c.h)
		assert.Equal(t, [2]int{c.left, c.top}, [2]int{left, top}, "%dx%d -> %dx%d", c.W, c.H, c.w, c.h)
	}
}

func TestCropPadsWithBlack(t *testing.T) {
	src := rgb.New(2, 1)
	copy(src.Pix, []uint8{1, 2, 3, 4, 5, 6})
	got := Crop(src, -1, -1, 4, 3, nil)
	want := make([]uint8, 4*3*3)
	copy(want[(1*4+1)*3:], []uint8{1, 2, 3, 4, 5, 6})
	assert.Equal(t, want, got.Pix)
}
