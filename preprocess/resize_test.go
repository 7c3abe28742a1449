package preprocess

import (
	"context"
	"encoding/base64"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/rgb"
)

// grey builds a 1-row image whose three channels all carry vals.
func grey(vals ...uint8) *rgb.Image {
	m := rgb.New(len(vals), 1)
	for i, v := range vals {
		m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2] = v, v, v
	}
	return m
}

func channel0(m *rgb.Image) []uint8 {
	out := make([]uint8, 0, m.W*m.H)
	for i := 0; i < len(m.Pix); i += 3 {
		out = append(out, m.Pix[i])
	}
	return out
}

// newKernel is the whole axis's kernel: precompute_coeffs + normalize_coeffs_8bpc for the box
// [in0, in1) of an axis of inSize pixels resampled to outSize pixels.
// in0/in1 are float32 as Pillow passes the box to C.
func newKernel(inSize int, in0, in1 float32, outSize int) kernel {
	var k kernel
	var w []float64
	k.init(inSize, in0, in1, outSize, 0, outSize, &w, Bilinear.filter())
	return k
}

// The worked vectors of docs/parity-spec.md §2.3, verified there against PIL.
func TestResizeWorkedVectors(t *testing.T) {
	k := newKernel(4, 0, 4, 2)
	assert.Equal(t, 0, k.lo[0])
	assert.Equal(t, []int32{1797559, 1797559, 599186}, k.k[:k.n[0]])
	assert.Equal(t, []uint8{39, 131}, channel0(resized(grey(10, 50, 90, 200), 2, 1)))

	up := newKernel(2, 0, 2, 5)
	wantTaps := [][]int32{{4194304}, {3774874, 419430}, {2097152, 2097152}, {419430, 3774874}, {4194304}}
	wantLo := []int{0, 0, 0, 0, 1}
	for i := range wantTaps {
		assert.Equal(t, wantLo[i], up.lo[i], "lo[%d]", i)
		assert.Equal(t, wantTaps[i], up.k[i*up.stride:i*up.stride+up.n[i]], "taps[%d]", i)
	}
	assert.Equal(t, []uint8{0, 25, 128, 230, 255}, channel0(resized(grey(0, 255), 5, 1)))
}

func TestResizeSameSizeIsCopy(t *testing.T) {
	src := grey(1, 2, 3)
	dst := resized(src, 3, 1)
	assert.Equal(t, src.Pix, dst.Pix)
	dst.Pix[0] = 99
	assert.Equal(t, uint8(1), src.Pix[0], "Resize must not alias its source")
}

// resizeReq is pil_oracle.py's resize request.
type resizeReq struct {
	Op     string `json:"op"`
	W      int    `json:"w"`
	H      int    `json:"h"`
	OutW   int    `json:"out_w"`
	OutH   int    `json:"out_h"`
	Pixels string `json:"pixels_b64"`
	Filter string `json:"filter,omitempty"` // Interpolation.String(); "" is bilinear
}

// pilResize is Image.resize((w, h), BILINEAR) computed by Pillow.
func pilResize(t *testing.T, src *rgb.Image, w, h int) *rgb.Image {
	t.Helper()
	var reply struct {
		Pixels string `json:"pixels_b64"`
		Error  string `json:"error"`
	}
	testenv.Oracle(t, resizeReq{"resize", src.W, src.H, w, h, base64.StdEncoding.EncodeToString(src.Pix), ""}, &reply)
	require.Empty(t, reply.Error)
	pix, err := base64.StdEncoding.DecodeString(reply.Pixels)
	require.NoError(t, err)
	return &rgb.Image{W: w, H: h, Pix: pix}
}

// TestResizeMatchesPIL compares against Image.resize(..., BILINEAR) on
// random content for random and edge-case size pairs: down- and
// up-scaling, one axis only, 1×1, extreme aspect ratios, identity.
func TestResizeMatchesPIL(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pairs := []resizePair{
		{1, 1, 1, 1}, {1, 1, 224, 224}, {224, 224, 1, 1}, {4, 1, 2, 1},
		{640, 480, 341, 256}, {500, 333, 384, 256}, {150, 103, 224, 224},
		{20, 300, 224, 224}, {300, 20, 224, 224}, {223, 225, 224, 224},
		{224, 224, 224, 224}, {224, 100, 224, 224}, {100, 224, 224, 224},
		{97, 3, 5, 200}, {3, 97, 200, 5},
	}
	for len(pairs) < 60 {
		pairs = append(pairs, resizePair{1 + rng.Intn(400), 1 + rng.Intn(400), 1 + rng.Intn(300), 1 + rng.Intn(300)})
	}
	srcs, outs := randomSources(rng, pairs)
	want := pilResizeAll(t, srcs, outs, "")
	for i, p := range pairs {
		got := resized(srcs[i], p.ow, p.oh)
		assert.Equal(t, want[i], got.Pix, "%dx%d -> %dx%d", p.w, p.h, p.ow, p.oh)
	}
}

// resizePair is a source size and the size it is resized to.
type resizePair struct{ w, h, ow, oh int }

// randomSources are random images of the pairs' source sizes, and the
// sizes they are resized to.
func randomSources(rng *rand.Rand, pairs []resizePair) ([]*rgb.Image, [][2]int) {
	srcs := make([]*rgb.Image, len(pairs))
	outs := make([][2]int, len(pairs))
	for i, p := range pairs {
		srcs[i] = rgb.New(p.w, p.h)
		rng.Read(srcs[i].Pix)
		outs[i] = [2]int{p.ow, p.oh}
	}
	return srcs, outs
}

// pilResizeAll is Image.resize of each source to its size with filter
// (an Interpolation's name; "" is bilinear), in one oracle call.
func pilResizeAll(t *testing.T, srcs []*rgb.Image, sizes [][2]int, filter string) [][]byte {
	t.Helper()
	var batch struct {
		Op       string      `json:"op"`
		Requests []resizeReq `json:"requests"`
	}
	batch.Op = "batch"
	for i, src := range srcs {
		batch.Requests = append(batch.Requests, resizeReq{"resize", src.W, src.H, sizes[i][0], sizes[i][1],
			base64.StdEncoding.EncodeToString(src.Pix), filter})
	}
	var reply struct {
		Results []struct {
			Pixels string `json:"pixels_b64"`
			Error  string `json:"error"`
		} `json:"results"`
	}
	testenv.Oracle(t, batch, &reply)
	require.Len(t, reply.Results, len(srcs))
	out := make([][]byte, len(srcs))
	for i, r := range reply.Results {
		require.Empty(t, r.Error)
		pix, err := base64.StdEncoding.DecodeString(r.Pixels)
		require.NoError(t, err)
		out[i] = pix
	}
	return out
}

// With TallVerticalFirst, very tall images follow Pillow >= 12.2, which
// Pillow 9.4 emulates as two resizes: vertical to (W, outH), then
// horizontal (docs/parity-spec.md §2.4). Without it, the 9.4 order holds.
func TestTallVerticalFirstMatchesPillow122(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	src := rgb.New(20, 3000)
	rng.Read(src.Pix)
	mid := pilResize(t, src, 20, 224)
	want := pilResize(t, mid, 224, 224).Pix

	tall := Resize224()
	tall.TallVerticalFirst = true
	got := make([]byte, 224*224*3)
	require.NoError(t, tall.Apply(src, got))
	assert.Equal(t, want, got)

	plain := make([]byte, 224*224*3)
	require.NoError(t, Resize224().Apply(src, plain))
	assert.NotEqual(t, want, plain, "the two orders differ on this image (docs/parity-spec.md §2.4: ±1 on ~19% of pixels)")
	assert.Equal(t, resized(src, 224, 224).Pix, plain)
}

// ApplyContext gives up with the context's error when it ends mid-resize.
func TestApplyContextStops(t *testing.T) {
	src := rgb.New(4000, 4000)
	dst := make([]byte, 224*224*3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, Resize224().ApplyContext(ctx, src, dst, nil), context.Canceled)
	assert.NoError(t, Resize224().ApplyContext(context.Background(), src, dst, nil))
}

// resized is src through Resize at w×h.
func resized(src *rgb.Image, w, h int) *rgb.Image {
	dst := rgb.New(w, h)
	Resize(dst, src)
	return dst
}
