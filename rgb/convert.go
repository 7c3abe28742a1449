package rgb

import (
	"image"
	"image/color"
)

// FromImage copies any image.Image into an Image, dropping alpha without
// compositing (as Pillow's convert("RGB") does): each pixel's
// non-premultiplied colour, 8 bits per channel.
//
// Parity with Python holds for files and bytes decoded by package decode;
// an image.Image decoded elsewhere (e.g. by image/jpeg) already differs
// from what Pillow would decode, and is taken as given.
func FromImage(src image.Image) *Image {
	if m, ok := src.(*Image); ok {
		out := New(m.W, m.H)
		copy(out.Pix, m.Pix)
		return out
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := New(w, h)
	i := 0
	switch m := src.(type) {
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < w; x++ {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = row[4*x], row[4*x+1], row[4*x+2]
				i += 3
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := 0; x < w; x++ {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = row[x], row[x], row[x]
				i += 3
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
				i += 3
			}
		}
	}
	return out
}
