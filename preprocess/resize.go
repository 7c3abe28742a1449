package preprocess

import (
	"math"

	"github.com/torchgo/predict/rgb"
)

// This file is Pillow's bilinear Image.resize (libImaging/Resample.c,
// identical in 9.4 and 12.x for 8-bit images) as specified in
// parity-spec §2.2–§2.3: separable antialiased triangle filter, float64
// coefficients quantised to 22-bit fixed point, horizontal pass into an
// 8-bit intermediate, then vertical pass.

// precisionBits is Resample.c's PRECISION_BITS = 32 - 8 - 2.
const precisionBits = 32 - 8 - 2

// kernel holds the fixed-point taps of one axis: for output index i the
// taps are k[i*stride : i*stride+n[i]] applied from input index lo[i].
type kernel struct {
	stride int
	lo, n  []int
	k      []int32
}

// bilinear is Resample.c's bilinear_filter, support 1.
func bilinear(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// newKernel is precompute_coeffs + normalize_coeffs_8bpc for the box
// [in0, in1) of an axis of inSize pixels resampled to outSize pixels.
// in0/in1 are float32 as Pillow passes the box to C.
func newKernel(inSize int, in0, in1 float32, outSize int) kernel {
	// The box width is subtracted in float32 and only then widened.
	scale := float64(in1-in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := 1.0 * filterscale
	stride := int(math.Ceil(support))*2 + 1

	kn := kernel{stride: stride, lo: make([]int, outSize), n: make([]int, outSize), k: make([]int32, outSize*stride)}
	w := make([]float64, stride)
	for i := 0; i < outSize; i++ {
		// Explicit float64 conversions keep the compiler from fusing the
		// multiply-add on FMA architectures (parity-spec §2.3).
		center := float64(in0) + float64(float64(i)+0.5)*scale
		ss := 1.0 / filterscale
		// C's (int) cast truncates toward zero, as Go's conversion does.
		lo := int(center - support + 0.5)
		if lo < 0 {
			lo = 0
		}
		hi := int(center + support + 0.5)
		if hi > inSize {
			hi = inSize
		}
		n := hi - lo
		sum := 0.0
		for j := 0; j < n; j++ {
			w[j] = bilinear(float64(float64(j+lo)-center+0.5) * ss)
			sum += w[j]
		}
		taps := kn.k[i*stride : i*stride+n]
		for j := 0; j < n; j++ {
			v := w[j]
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				taps[j] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				taps[j] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		kn.lo[i], kn.n[i] = lo, n
	}
	return kn
}

// clip8 is Resample.c's clip8: arithmetic shift (floor), then clamp.
func clip8(acc int32) uint8 {
	v := acc >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Resize is Pillow's img.resize((w, h), Image.BILINEAR) on an RGB image
// with the default box (0, 0, W, H). dst, if non-nil and of the right
// size, receives the result.
func Resize(src *rgb.Image, w, h int, dst *rgb.Image) *rgb.Image {
	if dst == nil || dst.W != w || dst.H != h || len(dst.Pix) != w*h*3 {
		dst = rgb.New(w, h)
	}
	needH, needV := w != src.W, h != src.H
	if !needH && !needV {
		copy(dst.Pix, src.Pix) // Pillow returns a copy for an unchanged size
		return dst
	}
	kv := newKernel(src.H, 0, float32(src.H), h)

	in := src
	rowOffset := 0
	if needH {
		// Only the source rows the vertical pass reads are resampled
		// horizontally (ImagingResampleInner); the vertical taps are then
		// relative to the first of them.
		first := kv.lo[0]
		last := kv.lo[h-1] + kv.n[h-1]
		kh := newKernel(src.W, 0, float32(src.W), w)
		var tmp *rgb.Image
		if needV {
			tmp = rgb.New(w, last-first)
		} else {
			tmp = dst
		}
		horizontal(tmp, src, first, &kh)
		in, rowOffset = tmp, first
	}
	if needV {
		vertical(dst, in, rowOffset, &kv)
	}
	return dst
}

// horizontal resamples rows [first, first+dst.H) of src into dst.
func horizontal(dst, src *rgb.Image, first int, kn *kernel) {
	const half = int32(1) << (precisionBits - 1)
	for y := 0; y < dst.H; y++ {
		row := src.Pix[(y+first)*src.W*3 : (y+first+1)*src.W*3]
		out := dst.Pix[y*dst.W*3 : (y+1)*dst.W*3]
		for x := 0; x < dst.W; x++ {
			taps := kn.k[x*kn.stride : x*kn.stride+kn.n[x]]
			px := row[kn.lo[x]*3 : (kn.lo[x]+len(taps))*3]
			r, g, b := half, half, half
			for j, k := range taps {
				r += int32(px[j*3]) * k
				g += int32(px[j*3+1]) * k
				b += int32(px[j*3+2]) * k
			}
			out[x*3], out[x*3+1], out[x*3+2] = clip8(r), clip8(g), clip8(b)
		}
	}
}

// vertical resamples src into dst; the kernel's input rows are shifted by
// -rowOffset because src starts at that source row.
func vertical(dst, src *rgb.Image, rowOffset int, kn *kernel) {
	const half = int32(1) << (precisionBits - 1)
	stride := src.W * 3
	acc := make([]int32, stride)
	for y := 0; y < dst.H; y++ {
		for i := range acc {
			acc[i] = half
		}
		taps := kn.k[y*kn.stride : y*kn.stride+kn.n[y]]
		lo := kn.lo[y] - rowOffset
		// Integer sums are exact, so accumulating row by row gives the
		// same result as Pillow's per-pixel tap loop.
		for j, k := range taps {
			row := src.Pix[(lo+j)*stride : (lo+j+1)*stride]
			for i, p := range row {
				acc[i] += int32(p) * k
			}
		}
		out := dst.Pix[y*stride : (y+1)*stride]
		for i, a := range acc {
			out[i] = clip8(a)
		}
	}
}
