package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/torchgo/predict/rgb"
)

// pngHeader is what the pixel conversion needs from the chunks that
// image/png does not expose.
type pngHeader struct {
	width, height int
	bitDepth      byte
	colorType     byte
	paletteLen    int // entries in PLTE
}

// readPNGHeader walks the chunks up to the first IDAT for IHDR and PLTE.
func readPNGHeader(data []byte) (pngHeader, error) {
	var h pngHeader
	rest := data[8:] // after the signature
	seenIHDR := false
	for len(rest) >= 8 {
		n := binary.BigEndian.Uint32(rest[:4])
		typ := string(rest[4:8])
		if uint64(n)+12 > uint64(len(rest)) {
			break // let image/png report the truncation precisely
		}
		body := rest[8 : 8+n]
		switch typ {
		case "IHDR":
			if n < 13 {
				return h, &FormatError{Format: "PNG", Kind: Corrupt, Msg: "invalid PNG: short IHDR chunk"}
			}
			h.width = int(binary.BigEndian.Uint32(body[0:4]))
			h.height = int(binary.BigEndian.Uint32(body[4:8]))
			h.bitDepth, h.colorType = body[8], body[9]
			seenIHDR = true
		case "PLTE":
			h.paletteLen = int(n / 3)
		case "IDAT":
			return h, nil
		}
		rest = rest[12+n:]
	}
	if !seenIHDR {
		return h, &FormatError{Format: "PNG", Kind: Truncated, Msg: "truncated PNG: no IHDR chunk"}
	}
	return h, nil
}

// decodePNG applies Pillow's PNG modes and convert("RGB") rules
// (parity-spec §1.2) to image/png's lossless output, reading raw storage by
// concrete type — never At().RGBA(), which premultiplies alpha and scales
// 16-bit grey.
func decodePNG(data []byte, lim Limits) (*rgb.Image, error) {
	hdr, err := readPNGHeader(data)
	if err != nil {
		return nil, err
	}
	if err := lim.check("PNG", hdr.width, hdr.height); err != nil {
		return nil, err
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, pngError(err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := rgb.New(w, h)
	px := out.Pix
	switch m := src.(type) {
	case *image.Gray: // 1/2/4/8-bit grey, already scaled as Pillow's L;n unpackers do
		for i, v := range m.Pix[:w*h] {
			px[3*i], px[3*i+1], px[3*i+2] = v, v, v
		}
	case *image.Gray16: // Pillow mode I / I;16: convert clips, it does not scale
		for i := 0; i < w*h; i++ {
			v := clip16(m.Pix[2*i], m.Pix[2*i+1])
			px[3*i], px[3*i+1], px[3*i+2] = v, v, v
		}
	case *image.RGBA: // opaque RGB 8
		copyDroppingAlpha(px, m.Pix, 4, 1)
	case *image.NRGBA: // RGBA 8, LA 8, grey/RGB 8 with tRNS: alpha dropped, not composited
		copyDroppingAlpha(px, m.Pix, 4, 1)
	case *image.RGBA64: // opaque 16-bit RGB: high bytes
		copyDroppingAlpha(px, m.Pix, 8, 2)
	case *image.NRGBA64: // 16-bit RGBA / LA, 16-bit RGB or grey with tRNS
		if hdr.colorType == 0 {
			// 16-bit grey with tRNS arrives as NRGBA64; Pillow keeps it as
			// mode I and clips (parity-spec §1.2, the trap).
			for i := 0; i < w*h; i++ {
				v := clip16(m.Pix[8*i], m.Pix[8*i+1])
				px[3*i], px[3*i+1], px[3*i+2] = v, v, v
			}
		} else {
			copyDroppingAlpha(px, m.Pix, 8, 2)
		}
	case *image.Paletted:
		// Pillow ≤ 10.0 (the reference, 9.4) initialises the palette as a
		// grey ramp, so indices past PLTE read (i, i, i); image/png pads
		// with black instead (parity-spec §1.2).
		var lut [256][3]uint8
		for i := range lut {
			lut[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
		}
		for i, c := range m.Palette {
			if i >= hdr.paletteLen {
				break
			}
			lut[i] = paletteRGB(c)
		}
		for i, idx := range m.Pix[:w*h] {
			p := lut[idx]
			px[3*i], px[3*i+1], px[3*i+2] = p[0], p[1], p[2]
		}
	default:
		return nil, &FormatError{Format: "PNG", Kind: Unsupported, Msg: "unsupported PNG pixel layout"}
	}
	return out, nil
}

// clip16 is Pillow's I → RGB rule for a big-endian 16-bit sample.
func clip16(hi, lo byte) uint8 {
	if hi != 0 {
		return 255
	}
	return lo
}

// copyDroppingAlpha copies the first byte of each of the first three
// samples of every pixel (stride bytes per pixel, sample bytes per sample):
// RGB of 8-bit RGBA, the high bytes of 16-bit RGBA.
func copyDroppingAlpha(dst, src []byte, stride, sample int) {
	for i, j := 0, 0; i+2 < len(dst); i, j = i+3, j+stride {
		dst[i], dst[i+1], dst[i+2] = src[j], src[j+sample], src[j+2*sample]
	}
}

func pngError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &FormatError{Format: "PNG", Kind: Truncated, Msg: "truncated PNG: " + err.Error()}
	}
	var ue png.UnsupportedError
	if errors.As(err, &ue) {
		return &FormatError{Format: "PNG", Kind: Unsupported, Msg: err.Error()}
	}
	return &FormatError{Format: "PNG", Kind: Corrupt, Msg: "invalid PNG: " + err.Error()}
}

// paletteRGB reads a palette entry's stored colour: image/png makes
// color.RGBA entries, or color.NRGBA ones when tRNS gives them alpha.
// A transparent entry keeps its RGB, as in Pillow.
func paletteRGB(c color.Color) [3]uint8 {
	switch c := c.(type) {
	case color.RGBA:
		return [3]uint8{c.R, c.G, c.B}
	case color.NRGBA:
		return [3]uint8{c.R, c.G, c.B}
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return [3]uint8{n.R, n.G, n.B}
}
