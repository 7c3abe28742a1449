package decode

import (
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// TGA exactly as Pillow 9.4 reads it (TgaImagePlugin.TgaImageFile._open,
// the raw decoder or TgaRleDecode.c, load_end's horizontal flip, then
// convert("RGB")).
//
// TGA has no signature: Image.open reaches TgaImageFile._open only after
// every other plugin declined the file (a SyntaxError, IndexError, TypeError
// or struct.error from its _accept or _open). openLastResort
// (lastresort.go) is therefore what Bytes does with a file no signature of
// ours claims, or whose reader declines it: it first asks
// whether one of Pillow's other plugins that can see a TGA-like header would
// claim it (or fail on it with another exception, which makes Image.open
// fail), and refuses the file if so; then it runs TgaImageFile._open's
// header checks, and a file that fails them stays "not an image".
//
// What Pillow 9.4 reads, and so what is decoded here:
//
//   - image types 1/9 (colour-mapped, mode P), 2/10 (true colour: 16-bit
//     BGR;5, 24-bit BGR, 32-bit BGRA as RGBA), 3/11 (grey: 1-bit "1", 8-bit
//     L, 16-bit LA); 9/10/11 through the RLE decoder, whose literal packets
//     may cross rows and whose run packets may not (buffer overrun);
//   - pixel depths 1, 8, 16, 24, 32 only (15 fails the header check);
//   - a colour map (colour-map type 1) of 16-bit (BGR;15) or 24-bit (BGR)
//     entries, preceded by first-entry-index black entries; entries past it
//     stay Pillow's default grey ramp; other entry sizes are not read at all
//     (so the pixel data starts where the map would), 32-bit ones make the
//     load fail, and so do more than 256 entries or a map on a "1", RGB or
//     RGBA image; on an L or LA image the map applies (the core image
//     becomes P/PA);
//   - bottom-up (default) or top-down rows, right-to-left when bit 4 of the
//     descriptor is set; the ID field is skipped; trailing data is ignored;
//   - a file that ends before the last pixel is refused (truncated).
//
// Pillow's other accept-less plugins before TGA (IM, IMT, IPTC, MPEG, PCD,
// SPIDER) and the accept functions that a valid TGA header can pass (CUR,
// FLI, ICO, PCX) are checked by lastResortClaim, or by those formats' own
// decoders, which decline a file as Pillow does (declined).

type tgaHeader struct {
	w, h      int
	imageType int // 1..3, 9..11
	depth     int // 1, 8, 16, 24, 32
	mode      string
	topDown   bool
	flip      bool   // right-to-left pixel order
	palette   []byte // raw colour-map bytes (zeros for the skipped entries first); nil if none
	palDepth  int    // 16 or 24 or 32 when palette != nil
	offset    int    // of the pixel data
	data      []byte
}

func (t *tgaHeader) header() Header {
	return Header{Format: "TGA", Mode: t.mode, Width: t.w, Height: t.h}
}

// tgaOpen is TgaImageFile._open: ok is false where it raises SyntaxError
// (or IndexError on a short header), so that Pillow goes on to the next
// plugin and, TGA being the last that could match, cannot identify the file.
func tgaOpen(data []byte, r rules) (*tgaHeader, bool) {
	if len(data) < 18 {
		return nil, false
	}
	le16 := func(o int) int { return int(binary.LittleEndian.Uint16(data[o:])) }
	t := &tgaHeader{w: le16(12), h: le16(14), imageType: int(data[2]), depth: int(data[16]), data: data}
	idLen, cmapType, flags := int(data[0]), data[1], data[17]
	if cmapType > 1 || t.w <= 0 || t.h <= 0 {
		return nil, false
	}
	switch t.depth {
	case 1, 8, 16, 24, 32:
	default:
		return nil, false
	}
	switch t.imageType {
	case 3, 11:
		t.mode = "L"
		if t.depth == 1 {
			t.mode = "1"
		} else if t.depth == 16 {
			t.mode = "LA"
		}
	case 1, 9:
		t.mode = "P"
		if r.tgaNeedsMap && cmapType == 0 {
			t.mode = "L" // which the P raw mode cannot load
		}
	case 2, 10:
		t.mode = "RGB"
		if t.depth == 32 {
			t.mode = "RGBA"
		}
	default:
		return nil, false // "unknown TGA mode"
	}
	// Every orientation value is accepted: 0x20 top-down, 0x10 flipped.
	t.topDown = flags&0x20 != 0
	t.flip = flags&0x10 != 0
	pos := min(18+idLen, len(data)) // fp.read(id_len) may come up short
	if cmapType == 1 {
		start, size, mapDepth := le16(3), le16(5), int(data[7])
		if n := map[int]int{16: 2, 24: 3, 32: 4}[mapDepth]; n > 0 {
			read := data[pos:min(pos+n*size, len(data))]
			t.palette = append(make([]byte, n*start, n*start+len(read)), read...)
			t.palDepth = mapDepth
			pos += len(read)
		} else if r.tgaNeedsMap {
			return nil, false // "unknown TGA map depth"
		}
	}
	t.offset = pos
	return t, true
}

// tgaRawDepth reports whether MODES of TgaImagePlugin has a raw mode for
// (imagetype & 7, depth); without one, _open sets no tile and load() fails.
func tgaRawDepth(imageType, depth int) bool {
	switch imageType & 7 {
	case 1:
		return depth == 8
	case 2:
		return depth == 16 || depth == 24 || depth == 32
	case 3:
		return depth == 1 || depth == 8 || depth == 16
	}
	return false
}

// pixels decodes a file whose header tgaOpen accepted.
func (t *tgaHeader) pixels(lim budget) (*rgb.Image, error) {
	data := t.data
	if !tgaRawDepth(t.imageType, t.depth) {
		return nil, errorf("TGA", Corrupt, "invalid TGA: image type %d with %d-bit pixels cannot be loaded", t.imageType, t.depth)
	}
	// The colour map is put on the image at the end of load(): the core
	// putpalette wants an L/LA/P image, a raw mode it can unpack into RGB
	// (BGR;15 or BGR, not BGRA) and at most 256 entries.
	if t.imageType&7 == 1 && t.mode == "L" {
		return nil, errorf("TGA", Corrupt, "invalid TGA: a colour-mapped image without a colour map (Pillow ≥ 10.3 opens it as L and cannot load it)")
	}
	var pal [256 * 3]byte
	for i, c := range lim.rules.paletteBase() { // ImagingPaletteNew
		copy(pal[3*i:], c[:])
	}
	usePal := t.mode == "P"
	if t.palette != nil {
		switch {
		case t.mode == "1" || t.mode == "RGB" || t.mode == "RGBA":
			return nil, errorf("TGA", Corrupt, "invalid TGA: a colour map on a %s image", t.mode)
		case t.palDepth == 32:
			return nil, errorf("TGA", Corrupt, "invalid TGA: 32-bit colour map entries cannot be loaded")
		}
		bits := map[int]int{16: 16, 24: 24}[t.palDepth]
		n := len(t.palette) * 8 / bits
		if n > 256 {
			return nil, errorf("TGA", Corrupt, "invalid TGA: a colour map of %d entries", n)
		}
		for i := range n {
			if bits == 16 {
				pal[3*i], pal[3*i+1], pal[3*i+2] = bgr15(t.palette[2*i:])
			} else {
				pal[3*i], pal[3*i+1], pal[3*i+2] = t.palette[3*i+2], t.palette[3*i+1], t.palette[3*i]
			}
		}
		usePal = true
	}

	rowBytes := (t.depth*t.w + 7) / 8
	src := data[t.offset:]
	rle := t.imageType&8 != 0
	// Refuse from the sizes, before allocating, what cannot be complete: raw
	// data is read as is; an RLE packet of 1+k bytes gives at most 128*k.
	need := int64(rowBytes) * int64(t.h)
	if !rle && int64(len(src)) < need || rle && (t.depth < 8 || int64(len(src))*128 < need) {
		return nil, errorf("TGA", Truncated, "truncated TGA: the file ends before the last pixel")
	}
	rows := make([]byte, need) // rows in image order, top first
	if rle {
		if err := tgaRLE(src, rows, rowBytes, t.h, t.depth/8, t.topDown); err != nil {
			return nil, err
		}
	} else {
		for y := range t.h {
			r := y // the raw decoder's ystep: -1 (bottom-up) fills the last row first
			if !t.topDown {
				r = t.h - 1 - y
			}
			copy(rows[r*rowBytes:(r+1)*rowBytes], src[y*rowBytes:])
		}
	}

	img := &rgb.Image{W: t.w, H: t.h, Pix: make([]byte, 3*t.w*t.h)}
	for y := range t.h {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		row := rows[y*rowBytes : (y+1)*rowBytes]
		out := img.Pix[3*t.w*y : 3*t.w*(y+1)]
		for x := range t.w {
			xo := x
			if t.flip { // load_end: transpose(FLIP_LEFT_RIGHT)
				xo = t.w - 1 - x
			}
			o := out[3*xo : 3*xo+3]
			var v byte
			switch t.depth {
			case 1: // unpack1, then "1" → RGB: 0 or 255
				if row[x/8]&(0x80>>(x%8)) != 0 {
					v = 255
				}
			case 8:
				v = row[x]
			case 16:
				if t.mode == "LA" { // unpackLA: the grey byte first
					v = row[2*x]
				} else { // ImagingUnpackBGR15 ("BGR;5")
					o[0], o[1], o[2] = bgr15(row[2*x:])
					continue
				}
			case 24, 32: // BGR, BGRA (alpha dropped by convert)
				k := t.depth / 8
				o[0], o[1], o[2] = row[k*x+2], row[k*x+1], row[k*x]
				continue
			}
			if usePal {
				copy(o, pal[3*int(v):3*int(v)+3])
			} else {
				o[0], o[1], o[2] = v, v, v
			}
		}
	}
	return img, nil
}

// bgr15 is ImagingUnpackBGR15: a little-endian 16-bit 1-5-5-5 pixel, blue
// in the low bits, each 5-bit value scaled by 255/31 (truncating).
func bgr15(b []byte) (r, g, bl byte) {
	p := int(b[0]) | int(b[1])<<8
	return byte((p >> 10 & 31) * 255 / 31), byte((p >> 5 & 31) * 255 / 31), byte((p & 31) * 255 / 31)
}

// tgaRLE is ImagingTgaRleDecode (Pillow 9.4, with the 9.1 fix for literal
// packets that cross rows) filling rows (in image order): depth is the pixel
// size in bytes (depth/8, as decode.c sets state->count). A run packet that
// crosses the end of a row is a buffer overrun; data that ends before the
// last row, or inside a packet, leaves the image truncated.
func tgaRLE(src, rows []byte, rowBytes, h, depth int, topDown bool) error {
	y, ystep := h-1, -1
	if topDown {
		y, ystep = 0, 1
	}
	line := make([]byte, rowBytes) // state->buffer
	x, p := 0, 0
	for p < len(src) {
		c := int(src[p])
		n := depth * ((c & 0x7f) + 1)
		extra := 0
		if c&0x80 != 0 {
			if len(src)-p < 1+depth {
				break
			}
			if x+n > rowBytes {
				return errorf("TGA", Corrupt, "invalid TGA: an RLE run crosses the end of a row (buffer overrun)")
			}
			for i := 0; i < n; i += depth {
				copy(line[x+i:x+i+depth], src[p+1:p+1+depth])
			}
			p += 1 + depth
		} else {
			if len(src)-p < 1+n {
				break
			}
			if x+n > rowBytes { // the rest goes on to the following rows
				extra = n - (rowBytes - x)
				n = rowBytes - x
			}
			copy(line[x:x+n], src[p+1:p+1+n])
			p += 1 + n
		}
		for {
			x += n
			if x >= rowBytes {
				copy(rows[y*rowBytes:], line)
				x = 0
				if y += ystep; y < 0 || y >= h {
					return nil
				}
			}
			if extra == 0 || x > 0 {
				break
			}
			n = min(extra, rowBytes)
			copy(line[:n], src[p:p+n])
			p += n
			extra -= n
		}
	}
	return errorf("TGA", Truncated, "truncated TGA: the file ends before the last pixel")
}

// imTags are ImImagePlugin.TAGS; the values of the last three are parsed
// as numbers (int(), else float(), ValueError past that).
var imTags = []string{"Comment", "Date", "Digitalization equipment", "Lut", "Name", "Image type",
	"File size (no of images)", "Scale (x,y)", "Image size (x*y)"}
