package decode

// One row of a strip or tile (samples as stored: file byte order for 16-bit
// samples, whichever path Pillow takes, since its raw modes ";16L"/";16B"
// and libtiff's native-order ";16N" name the same values) to RGB, as
// Pillow's unpacker for the raw mode followed by convert("RGB"):
//
//   - 2/4-bit grey: Unpack.c unpackL2/unpackL4 scale by 85/17 ("L;2I",
//     "L;4I" invert first);
//   - 16-bit grey "I;16"/"I;16B" to RGB: Convert.c clips to 255;
//   - 16-bit RGB, RGBA, CMYK ("RGB;16L" ...): the high byte of each sample;
//   - associated alpha "RGBa" (and "RGBa;16L"): unpackRGBa's
//     CLIP8(c * 255 / a), 0 where a is 0, then RGBA to RGB drops alpha;
//   - CMYK to RGB: Convert.c cmyk2rgb (cmykToRGB).
func tiffUnpackRow(L *tiffLayout, src, dst []byte, n int) {
	hi := 0 // offset of a 16-bit sample's high byte
	if !L.bigEndian {
		hi = 1
	}
	sample := func(x, i int) int { // the 8-bit value Pillow keeps of sample i of pixel x
		if L.bits == 16 {
			return int(src[2*(x*L.spp+i)+hi])
		}
		return int(src[x*L.spp+i])
	}
	switch L.kind {
	case tiffPalette:
		for x := 0; x < n; x++ {
			var v int
			if L.bits == 8 {
				v = int(src[x*L.spp])
			} else {
				per := 8 / L.bits
				b := src[x/per]
				v = int(b>>(8-L.bits*(x%per+1))) & (1<<L.bits - 1)
			}
			copy(dst[3*x:3*x+3], L.palette[3*v:3*v+3])
		}
	case tiffRGB:
		for x := 0; x < n; x++ {
			r, g, b := sample(x, 0), sample(x, 1), sample(x, 2)
			if L.premul {
				switch a := sample(x, 3); a {
				case 0:
					r, g, b = 0, 0, 0
				case 255:
				default:
					r, g, b = min(r*255/a, 255), min(g*255/a, 255), min(b*255/a, 255)
				}
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = byte(r), byte(g), byte(b)
		}
	case tiffCMYK:
		for x := 0; x < n; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = cmykToRGB(byte(sample(x, 0)), byte(sample(x, 1)), byte(sample(x, 2)), byte(sample(x, 3)))
		}
	case tiffGrey16:
		for x := 0; x < n; x++ {
			var v int
			if L.bigEndian {
				v = int(src[2*x])<<8 | int(src[2*x+1])
			} else {
				v = int(src[2*x+1])<<8 | int(src[2*x])
			}
			g := byte(min(v, 255))
			dst[3*x], dst[3*x+1], dst[3*x+2] = g, g, g
		}
	case tiffBilevel:
		for x := 0; x < n; x++ {
			v := byte(0)
			if (src[x/8]>>(7-x%8))&1 == 1 != L.invert {
				v = 255
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
		}
	case tiffGrey:
		for x := 0; x < n; x++ {
			var v byte
			switch L.bits {
			case 8:
				v = src[x*L.spp]
			case 4:
				v = (src[x/2] >> (4 - 4*(x%2)) & 15) * 17
			case 2:
				v = (src[x/4] >> (6 - 2*(x%4)) & 3) * 85
			}
			if L.invert {
				v = 255 - v
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
		}
	}
}

// tiffUnpredict undoes the horizontal predictor (libtiff's horAcc8 and
// horAcc16, the latter on values after byte swapping) on each row, spp
// samples per pixel (1 for a plane of planar configuration 2).
func tiffUnpredict(L *tiffLayout, buf []byte, rowBytes, spp int) {
	for r := 0; r+rowBytes <= len(buf); r += rowBytes {
		row := buf[r : r+rowBytes]
		if L.bits == 8 {
			for j := spp; j < len(row); j++ {
				row[j] += row[j-spp]
			}
			continue
		}
		get := func(i int) uint16 {
			if L.bigEndian {
				return uint16(row[2*i])<<8 | uint16(row[2*i+1])
			}
			return uint16(row[2*i+1])<<8 | uint16(row[2*i])
		}
		for j := spp; j < len(row)/2; j++ {
			v := get(j) + get(j-spp)
			if L.bigEndian {
				row[2*j], row[2*j+1] = byte(v>>8), byte(v)
			} else {
				row[2*j], row[2*j+1] = byte(v), byte(v>>8)
			}
		}
	}
}
