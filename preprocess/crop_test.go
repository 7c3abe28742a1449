package preprocess

import (
	"context"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/rgb"
)

func TestResizedSize(t *testing.T) {
	in := Resize256Crop224()
	for _, c := range []struct{ W, H, w, h int }{
		{500, 333, 384, 256}, // docs/parity-spec.md §2.1
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
// from left 58 (not 59). docs/parity-spec.md §3.
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
	got := rgb.New(4, 3)
	Crop(got, src, -1, -1)
	want := make([]uint8, 4*3*3)
	copy(want[(1*4+1)*3:], []uint8{1, 2, 3, 4, 5, 6})
	assert.Equal(t, want, got.Pix)
}

// The imagenet preset computes only the window CenterCrop keeps: the
// result equals a full Resize(256) followed by CenterCrop(224), on random
// images of ordinary and extreme shapes (whose full resize is up to 256
// times their pixels).
func TestCropWindowEqualsFullResize(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	sizes := [][2]int{{1, 1}, {1, 120}, {120, 1}, {2, 300}, {300, 3}, {224, 224}, {256, 256}, {640, 480}, {481, 257}, {255, 1000}}
	for range 6 {
		sizes = append(sizes, [2]int{1 + rng.Intn(600), 1 + rng.Intn(600)})
	}
	for _, tall := range []bool{false, true} {
		tr := Resize256Crop224()
		tr.TallVerticalFirst = tall
		for _, sz := range sizes {
			if tall && sz[1] <= 100*sz[0] {
				continue // the order only changes for very tall images
			}
			src := rgb.New(sz[0], sz[1])
			rng.Read(src.Pix)
			rw, rh := tr.ResizedSize(src.W, src.H)
			full := rgb.New(rw, rh)
			require.NoError(t, tr.resize(context.Background(), src, rw, rh, 0, 0, full, new(Scratch)))
			want := rgb.New(224, 224)
			CenterCrop(want, full)
			got := make([]byte, 224*224*3)
			require.NoError(t, tr.Apply(src, got))
			assert.Equal(t, want.Pix, got, "%dx%d (vertical first: %v)", sz[0], sz[1], tall)
		}
	}
}

// A 1×65535 image under the imagenet preset would need a 256×16,776,960
// intermediate (13 GB) in full; the window takes a few KB.
func TestExtremeAspectRatioWindow(t *testing.T) {
	for _, sz := range [][2]int{{1, 65535}, {65535, 1}} {
		src := rgb.New(sz[0], sz[1])
		for i := range src.Pix {
			src.Pix[i] = byte(i / 3)
		}
		var s Scratch
		dst := make([]byte, 224*224*3)
		require.NoError(t, Resize256Crop224().ApplyContext(context.Background(), src, dst, &s))
		assert.Less(t, cap(s.tmp)+cap(s.resized), 1<<20, "%dx%d: scratch grew to %d bytes", sz[0], sz[1], cap(s.tmp)+cap(s.resized))
		assert.Less(t, Resize256Crop224().ScratchBytes(sz[0], sz[1]), int64(64<<20))
	}
}
