package decode

import "math/bits"

// The pixel layout of a TIFF: which of TiffImagePlugin's OPEN_INFO keys
// (byte order, photometric, sample format, fill order, bits per sample,
// extra samples) it has, and so which Pillow mode and raw mode its samples
// are unpacked with before convert("RGB").

// tiffKind says how one pixel's samples become RGB (tiff_unpack.go).
type tiffKind int

const (
	tiffBilevel tiffKind = iota + 1 // "1", "1;I"
	tiffGrey                        // "L", "L;I", "L;2", "L;4", ... and LA (first sample)
	tiffGrey16                      // "I;16", "I;16B": convert clips to 255
	tiffPalette                     // "P;n", "P", "PA"
	tiffRGB                         // RGB with or without extra samples; 8 or 16 bits
	tiffCMYK                        // CMYK with or without extra samples; 8 or 16 bits
)

type tiffLayout struct {
	w, h        int
	bits, spp   int
	photo       int
	compression int
	planar      int
	predictor   int
	orientation int
	bigEndian   bool
	kind        tiffKind
	palette     []byte // 256*3 RGB for palette images
	invert      bool   // MinIsWhite grey
	premul      bool   // associated alpha ("RGBa"): unpremultiplied by Pillow's unpacker
	ycbcr       bool   // YCbCr JPEG: libjpeg converts to RGB (subsampling: tiffJPEG)
	lsbFirst    bool   // FillOrder 2: each byte's bits in reverse order
	rgbx        bool   // 8-bit RGB with a 4th sample that is not alpha
}

// tiffFillOrder checks a FillOrder=2 layout against the keys OPEN_INFO
// lists with fill order 2: bilevel and 2-, 4- and 8-bit grey ("1;R",
// "L;4IR", ...) and 8-bit RGB without extra samples ("RGB;R"); Pillow
// raises "unknown pixel mode" for the others. Uncompressed, those
// unpackers read each byte's bits reversed; compressed, libtiff reverses
// the raw bytes before decoding (not for JPEG, which it flags
// TIFF_NOBITREV) and Pillow unpacks them with the fill-order-1 mode:
// both come to reversing the stored bytes, which pixels does. Planar
// data (whose per-band raw modes drop the ";R") and 16-bit grey are not
// reproduced.
func tiffFillOrder(L *tiffLayout, extra []uint64) error {
	if !L.lsbFirst {
		return nil
	}
	switch {
	case L.kind == tiffBilevel, L.kind == tiffGrey && L.spp == 1 && L.bits <= 8,
		L.kind == tiffRGB && L.photo == 2 && L.spp == 3 && L.bits == 8 && len(extra) == 0:
	case L.kind == tiffGrey16:
		return errorf("TIFF", Unsupported, "unsupported TIFF variant: 16-bit grey in fill order 2")
	default:
		return errorf("TIFF", NotImage, "not an image: Pillow has no pixel mode for this TIFF layout in fill order 2")
	}
	if L.planar == 2 {
		return errorf("TIFF", Unsupported, "unsupported TIFF variant: planar data in fill order 2")
	}
	if L.compression == 7 {
		L.lsbFirst = false // libtiff's JPEG codec reads the bytes as stored
	}
	return nil
}

// reverseBits is src with each byte's bits reversed, in buf's memory
// when it is large enough.
func reverseBits(buf, src []byte) []byte {
	if cap(buf) < len(src) {
		buf = make([]byte, len(src))
	}
	buf = buf[:len(src)]
	for i, b := range src {
		buf[i] = bits.Reverse8(b)
	}
	return buf
}

// tiffMode picks the layout from the OPEN_INFO key, refusing keys Pillow
// does not list (it raises "unknown pixel mode") and those we do not
// reproduce. bits is the one bits-per-sample value shared by all samples.
func tiffMode(L *tiffLayout, extra []uint64, tags map[uint16]tiffEntry, r rules) error {
	ex := func(want ...uint64) bool {
		if len(extra) != len(want) {
			return false
		}
		for i := range want {
			if extra[i] != want[i] {
				return false
			}
		}
		return true
	}
	refuse := func() error {
		return errorf("TIFF", Unsupported, "unsupported TIFF pixel layout (photometric %d, %d×%d bits, extra samples %v)",
			L.photo, L.spp, L.bits, extra)
	}
	switch L.photo {
	case 0, 1:
		switch {
		case L.spp == 1 && (L.bits == 1):
			L.kind, L.invert = tiffBilevel, L.photo == 0
		case L.spp == 1 && (L.bits == 2 || L.bits == 4 || L.bits == 8):
			L.kind, L.invert = tiffGrey, L.photo == 0
		case L.spp == 1 && L.bits == 16 && (L.photo == 1 || !L.bigEndian):
			// (II, 0, 16 bits) is "I;16" too: Pillow does not invert it.
			L.kind = tiffGrey16
		case L.photo == 1 && L.spp == 2 && L.bits == 8 && ex(2): // LA
			L.kind = tiffGrey
		default:
			return refuse()
		}
	case 2:
		switch {
		case L.bits == 8 && (L.spp == 3 && ex() ||
			L.spp == 4 && (ex() || ex(0) || ex(1) || ex(2) || ex(999)) ||
			L.spp == 5 && (ex(0, 0) || ex(1, 0) || ex(2, 0)) ||
			L.spp == 6 && (ex(0, 0, 0) || ex(1, 0, 0) || ex(2, 0, 0))):
		case L.bits == 16 && (L.spp == 3 && ex() || L.spp == 4 && (ex() || ex(0) || ex(1) || ex(2))):
		default:
			return refuse()
		}
		L.rgbx = L.bits == 8 && L.spp == 4 && (ex() || ex(0))
		L.kind, L.premul = tiffRGB, len(extra) > 0 && extra[0] == 1
	case 3:
		if !(L.spp == 1 && (L.bits == 1 || L.bits == 2 || L.bits == 4 || L.bits == 8) ||
			L.spp == 2 && L.bits == 8 && ex(2)) {
			return refuse()
		}
		cm, ok := tags[tagColorMap]
		n := 1 << L.bits
		if !ok || len(cm.values) != 3*n {
			return errorf("TIFF", Unsupported, "unsupported TIFF variant: palette without a %d-entry ColorMap", n)
		}
		L.kind = tiffPalette
		L.palette = make([]byte, 256*3)
		for i := 0; i < 256; i++ { // Pillow's default palette: a grey ramp
			L.palette[3*i], L.palette[3*i+1], L.palette[3*i+2] = byte(i), byte(i), byte(i)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < 3; c++ {
				L.palette[3*i+c] = byte((cm.values[c*n+i] & 0xffff) / 256)
			}
		}
	case 5:
		if !(L.bits == 8 && (L.spp == 4 && ex() || L.spp == 5 && ex(0) || L.spp == 6 && ex(0, 0)) ||
			L.bits == 16 && L.spp == 4 && ex() && (!L.bigEndian || r.tiffCMYK16B)) {
			return refuse()
		}
		L.kind = tiffCMYK
	case 6:
		// OPEN_INFO maps YCbCr to ("RGB", "RGBX"). In JPEG, _setup makes
		// the raw mode "RGB" and libtiff has libjpeg convert; uncompressed,
		// the raw decoder would read 4-byte "RGBX" pixels out of 3-sample
		// data, and other compressions go through TIFFRGBAImage: neither
		// is reproduced.
		if !(L.bits == 8 && L.spp == 3 && ex()) {
			return refuse()
		}
		if L.compression != 7 {
			return errorf("TIFF", Unsupported, "unsupported TIFF variant: YCbCr data outside JPEG compression")
		}
		L.kind, L.ycbcr = tiffRGB, true
	default:
		return refuse()
	}
	return nil
}
