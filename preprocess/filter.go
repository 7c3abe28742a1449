package preprocess

import (
	"fmt"
	"math"
	"strings"
)

// Interpolation is torchvision's InterpolationMode on PIL images: the
// Pillow resampling filter Image.resize applies. The zero value is
// Bilinear, torchvision's default.
type Interpolation int

const (
	Bilinear Interpolation = iota
	Nearest
	Bicubic
	Box
	Hamming
	Lanczos
)

var interpolationNames = [...]string{"bilinear", "nearest", "bicubic", "box", "hamming", "lanczos"}

func (i Interpolation) String() string {
	if i < 0 || int(i) >= len(interpolationNames) {
		return fmt.Sprintf("Interpolation(%d)", int(i))
	}
	return interpolationNames[i]
}

// ParseInterpolation reads an InterpolationMode's value ("bilinear",
// "bicubic", ...; case-insensitive). "nearest-exact" is Nearest: on PIL
// images torchvision resizes both with Pillow's NEAREST.
func ParseInterpolation(s string) (Interpolation, error) {
	if strings.EqualFold(s, "nearest-exact") {
		return Nearest, nil
	}
	for i, n := range interpolationNames {
		if strings.EqualFold(s, n) {
			return Interpolation(i), nil
		}
	}
	return 0, fmt.Errorf("preprocess: unknown interpolation %q (want one of %s)", s, strings.Join(interpolationNames[:], ", "))
}

// filter is one of Resample.c's convolution filters: its function and
// support at scale 1. NEAREST is not one: Image.resize sends it through
// an affine transform instead (nearest.go).
type filter struct {
	f       func(float64) float64
	support float64
}

func (i Interpolation) filter() filter {
	switch i {
	case Box:
		return filter{boxFilter, 0.5}
	case Hamming:
		return filter{hammingFilter, 1}
	case Bicubic:
		return filter{bicubicFilter, 2}
	case Lanczos:
		return filter{lanczosFilter, 3}
	}
	return filter{bilinear, 1}
}

func boxFilter(x float64) float64 {
	if x > -0.5 && x <= 0.5 {
		return 1
	}
	return 0
}

// hammingFilter keeps Resample.c's float constants: 0.54f and 0.46f are
// float32 values widened to double. Go's math.Sin and math.Cos may differ
// from the C library's in the last bit; the 22-bit coefficients absorb
// that (checked against Pillow on random sizes).
func hammingFilter(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x == 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	x = x * math.Pi
	return float64(math.Sin(x)/x) * (float64(float32(0.54)) + float64(float64(float32(0.46))*math.Cos(x)))
}

// bicubicFilter is Resample.c's with a = -0.5.
func bicubicFilter(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	// The conversions round each product as C does without contraction
	// (Pillow's x86-64 builds have no FMA to contract into).
	if x < 1 {
		return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
	}
	if x < 2 {
		return float64(float64(float64(float64((x-5)*x)+8)*x)-4) * a
	}
	return 0
}

func sincFilter(x float64) float64 {
	if x == 0 {
		return 1
	}
	x = x * math.Pi
	return math.Sin(x) / x
}

func lanczosFilter(x float64) float64 {
	if -3 <= x && x < 3 {
		return sincFilter(x) * sincFilter(x/3)
	}
	return 0
}
