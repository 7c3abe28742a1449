package decode

// cmykToRGB is Pillow's Convert.c cmyk2rgb: each channel is
// nk - MULDIV255(c, nk) with nk = 255 - k, clipped, where ImagingUtils.h's
// MULDIV255(a, b) is t = a*b + 128; ((t >> 8) + t) >> 8.
func cmykToRGB(c, m, y, k byte) (r, g, b byte) {
	nk := 255 - int(k)
	ch := func(v byte) byte {
		t := int(v)*nk + 128
		return byte(max(nk-(((t>>8)+t)>>8), 0))
	}
	return ch(c), ch(m), ch(y)
}
