package preprocess

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/rgb"
)

// Every interpolation against Pillow's Image.resize with that filter, on
// random content, for edge sizes and random down- and up-scalings, both
// axes and one.
func TestResizeFiltersMatchPillow(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	pairs := []resizePair{
		{1, 1, 1, 1}, {1, 1, 7, 5}, {7, 5, 1, 1}, {640, 480, 224, 224}, {500, 333, 341, 224},
		{3, 97, 200, 5}, {224, 224, 224, 100}, {33, 17, 66, 34}, {256, 256, 85, 85},
	}
	for len(pairs) < 30 {
		pairs = append(pairs, resizePair{1 + rng.Intn(300), 1 + rng.Intn(300), 1 + rng.Intn(260), 1 + rng.Intn(260)})
	}
	for _, in := range []Interpolation{Nearest, Bilinear, Bicubic, Box, Hamming, Lanczos} {
		t.Run(in.String(), func(t *testing.T) {
			srcs, outs := randomSources(rng, pairs)
			want := pilResizeAll(t, srcs, outs, in.String())
			for i, p := range pairs {
				got := rgb.New(p.ow, p.oh)
				require.NoError(t, resizeWith(t.Context(), srcs[i], p.ow, p.oh, 0, 0, got, new(Scratch), in))
				assert.Equal(t, want[i], got.Pix, "%s %dx%d -> %dx%d", in, p.w, p.h, p.ow, p.oh)
			}
		})
	}
}

// A window of the resized image is the same pixels of the whole, for
// every interpolation: what CenterCrop after Resize relies on.
func TestResizeWindowsAreExact(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	src := rgb.New(123, 77)
	rng.Read(src.Pix)
	for _, in := range []Interpolation{Nearest, Bilinear, Bicubic, Box, Hamming, Lanczos} {
		full := rgb.New(200, 150)
		require.NoError(t, resizeWith(t.Context(), src, 200, 150, 0, 0, full, new(Scratch), in))
		win := rgb.New(60, 40)
		require.NoError(t, resizeWith(t.Context(), src, 200, 150, 70, 55, win, new(Scratch), in))
		want := rgb.New(60, 40)
		Crop(want, full, 70, 55)
		assert.Equal(t, want.Pix, win.Pix, in.String())
	}
}

func TestParseInterpolation(t *testing.T) {
	for _, in := range []Interpolation{Nearest, Bilinear, Bicubic, Box, Hamming, Lanczos} {
		got, err := ParseInterpolation(in.String())
		require.NoError(t, err)
		assert.Equal(t, in, got)
	}
	got, err := ParseInterpolation("BICUBIC")
	require.NoError(t, err)
	assert.Equal(t, Bicubic, got)
	got, err = ParseInterpolation("nearest-exact")
	require.NoError(t, err)
	assert.Equal(t, Nearest, got, "NEAREST_EXACT is Pillow's NEAREST on PIL images")
	_, err = ParseInterpolation("area")
	assert.ErrorContains(t, err, "area")
	assert.Equal(t, Bilinear, Interpolation(0), "the zero value is torchvision's default")
}

// max_size can shrink the short side to nothing, which Pillow refuses.
func TestMaxSizeToNothingFails(t *testing.T) {
	tr := Transform{Name: "t", ResizeShort: 224, MaxSize: 225, CropW: 224, CropH: 224, Norm: ImageNetNormalization}
	require.NoError(t, tr.Validate())
	assert.ErrorContains(t, tr.Apply(rgb.New(1, 300), make([]byte, 224*224*3)), "resizes to 0x225")
}
