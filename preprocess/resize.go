package preprocess

import (
	"context"
	"math"

	"github.com/torchgo/predict/rgb"
)

// This file is Pillow's convolution Image.resize (libImaging/Resample.c,
// identical in 9.4 and 12.x for 8-bit images) as specified in
// docs/parity-spec.md §2.2–§2.3 for the bilinear filter: separable,
// antialiased (the filter stretched by the scale when shrinking), float64
// coefficients quantised to 22-bit fixed point, horizontal pass into an
// 8-bit intermediate, then vertical pass. BOX, HAMMING, BICUBIC and
// LANCZOS are the same code with their filters (filter.go); NEAREST is not
// (nearest.go).

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

// init computes the taps of outputs first..first+count-1 of the axis (into
// entries 0..count-1), in kn's own slices (reused when large enough);
// weights is float64 scratch. Each output's taps depend only on its own
// index, so a window of outputs gets exactly the taps of the full kernel.
func (kn *kernel) init(inSize int, in0, in1 float32, outSize, first, count int, weights *[]float64, filt filter) {
	// The box width is subtracted in float32 and only then widened.
	scale := float64(in1-in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := filt.support * filterscale
	stride := int(math.Ceil(support))*2 + 1

	kn.stride = stride
	kn.lo = grow(&kn.lo, count)
	kn.n = grow(&kn.n, count)
	kn.k = grow(&kn.k, count*stride)
	w := grow(weights, stride)
	for o := 0; o < count; o++ {
		i := first + o
		// Explicit float64 conversions keep the compiler from fusing the
		// multiply-add on FMA architectures (docs/parity-spec.md §2.3).
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
			w[j] = filt.f(float64(float64(j+lo)-center+0.5) * ss)
			sum += w[j]
		}
		taps := kn.k[o*stride : o*stride+n]
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
		kn.lo[o], kn.n[o] = lo, n
	}
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

// Scratch holds the buffers one goroutine reuses across resizes. It is not
// safe for concurrent use: give each goroutine its own.
type Scratch struct {
	tmp, resized []byte
	tall         []byte
	acc          []int32
	kh, kv       kernel
	weights      []float64
	cols         []int // nearest: the source column of each output column
}

// grow returns (*buf)[:n], reallocating only when the capacity is short.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// Resize is Pillow's img.resize((dst.W, dst.H), Image.BILINEAR) on an RGB
// image with the default box (0, 0, W, H), into dst.
func Resize(dst, src *rgb.Image) {
	resizeWith(context.Background(), src, dst.W, dst.H, 0, 0, dst, new(Scratch), Bilinear)
}

// ResizeWith is Resize with another of Pillow's filters.
func ResizeWith(dst, src *rgb.Image, in Interpolation) {
	resizeWith(context.Background(), src, dst.W, dst.H, 0, 0, dst, new(Scratch), in)
}

// resizeWith is Image.resize of src to fw×fh with filter in, computing only the window of
// that result whose top-left corner is (x0, y0) and whose size is dst's,
// into dst, with s's buffers. Pillow resamples each output pixel from its
// own taps alone, so the window is bit-identical to the same pixels of the
// full result: a crop after the resize costs only what it keeps. It gives
// up with ctx's error soon after ctx is done: both passes check it row by
// row.
func resizeWith(ctx context.Context, src *rgb.Image, fw, fh, x0, y0 int, dst *rgb.Image, s *Scratch, mode Interpolation) error {
	w, h := dst.W, dst.H
	needH, needV := fw != src.W, fh != src.H
	if !needH && !needV {
		// Pillow returns a copy for an unchanged size.
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*w*3:(y+1)*w*3], src.Pix[((y0+y)*src.W+x0)*3:])
		}
		return nil
	}
	if mode == Nearest {
		return nearest(ctx, src, fw, fh, x0, y0, dst, s)
	}
	filt := mode.filter()
	// Source rows the window needs: those under its vertical taps.
	first, last := y0, y0+h
	if needV {
		s.kv.init(src.H, 0, float32(src.H), fh, y0, h, &s.weights, filt)
		first, last = s.kv.lo[0], s.kv.lo[h-1]+s.kv.n[h-1]
	}
	in, rowOffset, colOffset := src, 0, x0
	if needH {
		// Only those rows are resampled horizontally (ImagingResampleInner),
		// and only the window's columns.
		s.kh.init(src.W, 0, float32(src.W), fw, x0, w, &s.weights, filt)
		tmp := dst
		if needV {
			tmp = &rgb.Image{W: w, H: last - first, Pix: grow(&s.tmp, w*(last-first)*3)}
		}
		if err := horizontal(ctx, tmp, src, first, &s.kh); err != nil {
			return err
		}
		in, rowOffset, colOffset = tmp, first, 0
	}
	if needV {
		return vertical(ctx, dst, in, rowOffset, colOffset, &s.kv, grow(&s.acc, w*3))
	}
	return nil
}

// horizontal resamples rows [first, first+dst.H) of src into dst, whose
// columns are the kernel's outputs.
func horizontal(ctx context.Context, dst, src *rgb.Image, first int, kn *kernel) error {
	const half = int32(1) << (precisionBits - 1)
	sw, dw := src.W*3, dst.W*3
	for y := 0; y < dst.H; y++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		row := src.Pix[(y+first)*sw : (y+first+1)*sw]
		out := dst.Pix[y*dw : (y+1)*dw]
		for x := 0; x < dst.W; x++ {
			taps := kn.k[x*kn.stride : x*kn.stride+kn.n[x]]
			px := row[kn.lo[x]*3:]
			px = px[:len(taps)*3] // one bounds check for the whole window
			r, g, b := half, half, half
			for j, k := range taps {
				p := px[j*3 : j*3+3 : j*3+3]
				r += int32(p[0]) * k
				g += int32(p[1]) * k
				b += int32(p[2]) * k
			}
			o := out[x*3 : x*3+3 : x*3+3]
			o[0], o[1], o[2] = clip8(r), clip8(g), clip8(b)
		}
	}
	return nil
}

// vertical resamples src into dst, whose rows are the kernel's outputs;
// the kernel's input rows are shifted by -rowOffset because src starts at
// that source row, and dst's columns start at src column colOffset. acc
// holds one row of int32 sums (dst.W*3).
func vertical(ctx context.Context, dst, src *rgb.Image, rowOffset, colOffset int, kn *kernel, acc []int32) error {
	const half = int32(1) << (precisionBits - 1)
	stride := src.W * 3
	acc = acc[:dst.W*3]
	for y := 0; y < dst.H; y++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		taps := kn.k[y*kn.stride : y*kn.stride+kn.n[y]]
		base := (kn.lo[y]-rowOffset)*stride + colOffset*3
		// Integer sums are exact, so accumulating row by row (two taps per
		// pass) gives the same result as Pillow's per-pixel tap loop.
		j := 0
		if len(taps) >= 2 {
			k0, k1 := taps[0], taps[1]
			r0 := src.Pix[base:][:len(acc)]
			r1 := src.Pix[base+stride:][:len(acc)]
			for i := range acc {
				acc[i] = half + int32(r0[i])*k0 + int32(r1[i])*k1
			}
			j = 2
		} else {
			for i := range acc {
				acc[i] = half
			}
		}
		for ; j+1 < len(taps); j += 2 {
			k0, k1 := taps[j], taps[j+1]
			r0 := src.Pix[base+j*stride:][:len(acc)]
			r1 := src.Pix[base+(j+1)*stride:][:len(acc)]
			for i := range acc {
				acc[i] += int32(r0[i])*k0 + int32(r1[i])*k1
			}
		}
		if j < len(taps) {
			k := taps[j]
			r := src.Pix[base+j*stride:][:len(acc)]
			for i := range acc {
				acc[i] += int32(r[i]) * k
			}
		}
		out := dst.Pix[y*dst.W*3 : (y+1)*dst.W*3][:len(acc)]
		for i, a := range acc {
			out[i] = clip8(a)
		}
	}
	return nil
}
