package preprocess

import (
	"math"

	"github.com/torchgo/predict/rgb"
)

// Crop is PIL's img.crop((left, top, left+w, top+h)) into dst, whose size
// is w×h: a pixel copy in which areas outside the source are black.
func Crop(dst, src *rgb.Image, left, top int) {
	w, h := dst.W, dst.H
	// Columns of the destination that fall inside the source.
	x0, x1 := max(0, -left), min(w, src.W-left)
	for y := 0; y < h; y++ {
		out := dst.Pix[y*w*3 : (y+1)*w*3]
		sy := y + top
		if sy < 0 || sy >= src.H || x0 >= x1 {
			clear(out)
			continue
		}
		clear(out[:x0*3])
		copy(out[x0*3:x1*3], src.Pix[(sy*src.W+left+x0)*3:(sy*src.W+left+x1)*3])
		clear(out[x1*3:])
	}
}

// CenterCropOffset is where torchvision's center_crop (0.14 and current)
// cuts a w×h window from a W×H image, in source coordinates; negative when
// the window exceeds the image and torchvision pads with black first
// (docs/parity-spec.md §3). Python's round() rounds half to even: 640×480 resized
// to 341×256 crops from left 58, not 59.
func CenterCropOffset(W, H, w, h int) (left, top int) {
	return cropAnchor(W, w), cropAnchor(H, h)
}

// cropAnchor does one axis of center_crop: pad by (c-s)//2 before (if the
// crop is larger), then round((S-c)/2) half to even in padded coordinates.
func cropAnchor(size, crop int) int {
	pad := 0
	if crop > size {
		pad = (crop - size) / 2 // floor division: crop-size > 0
		size += (crop-size+1)/2 + pad
	}
	return int(math.RoundToEven(float64(size-crop)/2.0)) - pad
}

// CenterCrop is torchvision's CenterCrop((dst.H, dst.W)) on a PIL image,
// into dst.
func CenterCrop(dst, src *rgb.Image) {
	left, top := CenterCropOffset(src.W, src.H, dst.W, dst.H)
	Crop(dst, src, left, top)
}
