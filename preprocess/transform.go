// Package preprocess reproduces torchvision's PIL-image transforms
// (Resize with each InterpolationMode, CenterCrop, ToTensor, Normalize)
// bit for bit, as specified in docs/parity-spec.md §2–§4.
package preprocess

import (
	"context"
	"fmt"

	"github.com/torchgo/predict/rgb"
)

// Transform is a torchvision Compose of Resize, optional CenterCrop,
// ToTensor and Normalize. It is a plain value; its methods do not change
// it, so one Transform may serve many goroutines (each with its own
// Scratch). The uint8 part (resize, crop) runs on the host;
// normalisation is a table (Normalization.Table) applied wherever the
// tensor lives.
type Transform struct {
	Name string

	// Resize: exactly ResizeW×ResizeH when both are set (Resize((h, w))),
	// else the shorter side to ResizeShort keeping the aspect ratio
	// (Resize(s)).
	ResizeW, ResizeH int
	ResizeShort      int
	// MaxSize is Resize(s)'s max_size: when the longer side would exceed
	// it, that side becomes MaxSize and the shorter one shrinks to keep
	// the ratio. Zero for none.
	MaxSize int
	// Interpolation is Resize's InterpolationMode (zero: Bilinear).
	Interpolation Interpolation

	// CenterCrop((CropH, CropW)) after resizing; zero for none.
	CropW, CropH int

	// TallVerticalFirst follows Pillow >= 12.2 (commit 4ef0ac611): an image
	// more than 100 times taller than wide whose height shrinks is resized
	// vertically first, then horizontally (docs/parity-spec.md §2.4). Off by
	// default: the reference is Pillow 9.4, which always goes horizontal
	// first. Only Resize((224,224))-style exact sizes meet the condition in
	// practice; ±1 on some pixels of such images.
	TallVerticalFirst bool

	Norm Normalization
}

// Resize224 is the default preset, "resize224": Resize((224, 224)) with
// ImageNet normalisation, the user's Python pipeline.
func Resize224() Transform {
	return Transform{Name: "resize224", ResizeW: 224, ResizeH: 224, Norm: ImageNetNormalization}
}

// Resize256Crop224 is the preset "resize256-crop224", torchvision's
// ImageNet evaluation pipeline: Resize(256), CenterCrop(224), ImageNet
// normalisation.
func Resize256Crop224() Transform {
	return Transform{Name: "resize256-crop224", ResizeShort: 256, CropW: 224, CropH: 224, Norm: ImageNetNormalization}
}

// ImageNet is Resize256Crop224.
//
// Deprecated: use Resize256Crop224; both presets use ImageNet normalisation.
func ImageNet() Transform { return Resize256Crop224() }

// Presets are the names Preset knows: "resize224" and "resize256-crop224"
// ("imagenet" is another name for the second).
func Presets() []string { return []string{"resize224", "resize256-crop224"} }

// Preset returns a named preset (Presets).
func Preset(name string) (Transform, error) {
	switch name {
	case "resize224":
		return Resize224(), nil
	case "resize256-crop224", "imagenet":
		return Resize256Crop224(), nil
	}
	return Transform{}, fmt.Errorf("preprocess: unknown preset %q (want resize224 or resize256-crop224)", name)
}

// Validate reports a transform that cannot give every image the same
// size, which batching needs.
func (t Transform) Validate() error {
	exact := t.ResizeW > 0 && t.ResizeH > 0
	switch {
	case t.ResizeW < 0 || t.ResizeH < 0 || t.ResizeShort < 0 || t.CropW < 0 || t.CropH < 0:
		return fmt.Errorf("transform %q: negative size", t.Name)
	case exact == (t.ResizeShort > 0):
		return fmt.Errorf("transform %q: set either ResizeW and ResizeH, or ResizeShort", t.Name)
	case (t.CropW > 0) != (t.CropH > 0):
		return fmt.Errorf("transform %q: set both CropW and CropH, or neither", t.Name)
	case !exact && t.CropW == 0:
		return fmt.Errorf("transform %q: Resize(short side) without a crop gives images of different sizes", t.Name)
	case t.MaxSize != 0 && (exact || t.MaxSize <= t.ResizeShort):
		// torchvision: max_size only with a single size, and above it.
		return fmt.Errorf("transform %q: MaxSize %d needs Resize(short side) below it", t.Name, t.MaxSize)
	case t.Interpolation < Bilinear || t.Interpolation > Lanczos:
		return fmt.Errorf("transform %q: unknown interpolation %d", t.Name, int(t.Interpolation))
	}
	for c := 0; c < 3; c++ {
		if t.Norm.Std[c] == 0 {
			return fmt.Errorf("transform %q: std[%d] is zero", t.Name, c)
		}
	}
	return nil
}

// OutputSize is the width and height of every image the transform yields.
func (t Transform) OutputSize() (w, h int) {
	if t.CropW > 0 {
		return t.CropW, t.CropH
	}
	return t.ResizeW, t.ResizeH
}

// ResizedSize is torchvision's _compute_resized_output_size for a W×H
// image (docs/parity-spec.md §2.1). For Resize(s) the long side is
// int(s*long/short) with true division, which equals integer floor
// division for every realistic size (s*long < 2^53).
func (t Transform) ResizedSize(W, H int) (w, h int) {
	if t.ResizeShort == 0 {
		return t.ResizeW, t.ResizeH
	}
	short, long := W, H
	if W > H { // a tie treats the width as the short side
		short, long = H, W
	}
	newShort, newLong := t.ResizeShort, t.ResizeShort*long/short
	if t.MaxSize > 0 && newLong > t.MaxSize {
		// int(max_size * new_short / new_long), true division.
		newShort, newLong = int(float64(t.MaxSize)*float64(newShort)/float64(newLong)), t.MaxSize
	}
	if W <= H {
		return newShort, newLong
	}
	return newLong, newShort
}

// Apply resizes and crops src, writing the OutputSize image into dst
// (which must hold exactly w*h*3 bytes): the uint8 HWC tensor that
// ToTensor would read.
func (t Transform) Apply(src *rgb.Image, dst []uint8) error {
	return t.ApplyContext(context.Background(), src, dst, nil)
}

// ApplyContext is Apply reusing s's buffers (nil allocates), so that a
// goroutine preprocessing many images allocates nothing in steady state,
// and giving up with ctx's error soon after ctx is done.
func (t Transform) ApplyContext(ctx context.Context, src *rgb.Image, dst []uint8, s *Scratch) error {
	if err := src.Validate(); err != nil {
		return err
	}
	ow, oh := t.OutputSize()
	if len(dst) != ow*oh*3 {
		return fmt.Errorf("transform %q: destination holds %d bytes, want %d", t.Name, len(dst), ow*oh*3)
	}
	if s == nil {
		s = new(Scratch)
	}
	out := &rgb.Image{W: ow, H: oh, Pix: dst}
	rw, rh := t.ResizedSize(src.W, src.H)
	if rw < 1 || rh < 1 {
		// Pillow's resize: "height and width must be > 0".
		return fmt.Errorf("transform %q: a %dx%d image resizes to %dx%d", t.Name, src.W, src.H, rw, rh)
	}
	if t.CropW == 0 {
		return t.resize(ctx, src, rw, rh, 0, 0, out, s)
	}
	// CenterCrop after Resize: only the part of the resized image the crop
	// keeps is computed (bit-identical: see resize), the rest of the crop,
	// if any, is torchvision's black padding.
	left, top := CenterCropOffset(rw, rh, t.CropW, t.CropH)
	x0, y0 := max(0, left), max(0, top)
	x1, y1 := min(rw, left+t.CropW), min(rh, top+t.CropH)
	if x0 == left && y0 == top && x1-x0 == t.CropW && y1-y0 == t.CropH {
		return t.resize(ctx, src, rw, rh, x0, y0, out, s)
	}
	win := &rgb.Image{W: x1 - x0, H: y1 - y0, Pix: grow(&s.resized, (x1-x0)*(y1-y0)*3)}
	if err := t.resize(ctx, src, rw, rh, x0, y0, win, s); err != nil {
		return err
	}
	Crop(out, win, left-x0, top-y0)
	return nil
}

// resize is Pillow's Image.resize of src to fw×fh with the transform's
// filter, as the reference version does it, or as Pillow >= 12.2 does with
// TallVerticalFirst (convolution filters only), computing the
// window of the result at (x0, y0) of dst's size.
func (t Transform) resize(ctx context.Context, src *rgb.Image, fw, fh, x0, y0 int, dst *rgb.Image, s *Scratch) error {
	if t.TallVerticalFirst && t.Interpolation != Nearest && src.H > 100*src.W && fh < src.H {
		// Pillow 12.2 Image.resize: to (W, outH) with box (0, y0, W, y1),
		// then to (outW, outH) — two single-axis resizes for the default
		// box; the window's rows of the first, then its columns.
		mid := &rgb.Image{W: src.W, H: dst.H, Pix: grow(&s.tall, src.W*dst.H*3)}
		if err := resizeWith(ctx, src, src.W, fh, 0, y0, mid, s, t.Interpolation); err != nil {
			return err
		}
		return resizeWith(ctx, mid, fw, dst.H, x0, 0, dst, s, t.Interpolation)
	}
	return resizeWith(ctx, src, fw, fh, x0, y0, dst, s, t.Interpolation)
}

// ScratchBytes bounds the memory ApplyContext holds beyond src and dst
// for a W×H source: the horizontal pass's rows (at most every source row,
// at the width of the window kept) and the resized window.
func (t Transform) ScratchBytes(W, H int) int64 {
	ow, oh := t.OutputSize()
	b := 3 * int64(ow) * (int64(H) + int64(oh))
	if t.TallVerticalFirst {
		b += 3 * int64(W) * int64(oh)
	}
	return b
}

// ToTensor applies the normalisation table to a uint8 HWC image, giving
// the float32 CHW tensor torchvision would (for inspection and tests; the
// predictor does this on the model's device).
func ToTensor(src *rgb.Image, table *Table) []float32 {
	plane := src.W * src.H
	out := make([]float32, 3*plane)
	for i := 0; i < plane; i++ {
		for c := 0; c < 3; c++ {
			out[c*plane+i] = table[c][src.Pix[i*3+c]]
		}
	}
	return out
}
