package preprocess

import (
	"context"

	"github.com/torchgo/predict/rgb"
)

// nearest is Image.resize(size, NEAREST) of src to fw×fh, computing the
// window at (x0, y0) of dst's size. _imaging.c's _resize sends NEAREST to
// ImagingTransform with the box's scaling matrix (a[0] = W/fw, a[4] =
// H/fh), which Geometry.c's ImagingScaleAffine evaluates: the source
// column of output x is COORD of a[0]/2 + a[0] + a[0] + ... (x times, in
// double, summed as it does), its row likewise; a position outside the
// source is black (fill).
func nearest(ctx context.Context, src *rgb.Image, fw, fh, x0, y0 int, dst *rgb.Image, s *Scratch) error {
	ax := float64(src.W) / float64(fw)
	ay := float64(src.H) / float64(fh)
	cols := grow(&s.cols, dst.W)
	xo := ax * 0.5
	for x := 0; x < x0+dst.W; x++ {
		if x >= x0 {
			cols[x-x0] = coord(xo, src.W)
		}
		xo += ax
	}
	yo := ay * 0.5
	for range y0 {
		yo += ay
	}
	for y := 0; y < dst.H; y++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		out := dst.Pix[y*dst.W*3 : (y+1)*dst.W*3]
		yi := coord(yo, src.H)
		yo += ay
		if yi < 0 {
			clear(out)
			continue
		}
		row := src.Pix[yi*src.W*3 : (yi+1)*src.W*3]
		for x, xi := range cols {
			if xi < 0 {
				out[3*x], out[3*x+1], out[3*x+2] = 0, 0, 0
				continue
			}
			copy(out[3*x:3*x+3], row[3*xi:3*xi+3])
		}
	}
	return nil
}

// coord is Geometry.c's COORD (-1 below 0, else truncation), -1 also at
// or past n: a position outside the source.
func coord(v float64, n int) int {
	if v < 0 {
		return -1
	}
	if i := int(v); i < n {
		return i
	}
	return -1
}
