package decode

import (
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// BMP exactly as Pillow 9.4's BmpImagePlugin reads it (BmpImageFile._open /
// _bitmap, then the raw decoder or BmpRleDecoder, then convert("RGB")):
//
//   - headers: OS/2 v1 (12 bytes; 3-byte palette entries), BITMAPINFOHEADER
//     and its V2/V3/V4/V5 extensions (40/64/108/124 bytes); a height whose
//     top byte is 0xFF is top-down (2**32 - height);
//   - 1/4/8-bit palette images, mode "1" or "L" when the palette is exactly
//     black/white or the grey ramp (then the raw data is read as such), else
//     P through the palette (entries past a short palette read grey);
//   - 16-bit (BGR;15, or BGR;16/BGR;15 bitfields), 24-bit, 32-bit (BGRX, and
//     the bitfield layouts Pillow lists: BGRX, XBGR, ABGR, RGBA, BGRA);
//     alpha is dropped by convert("RGB");
//   - RLE8/RLE4 through BmpRleDecoder, quirks included (the delta escape
//     reads two bytes it ignores, then two more; an odd absolute RLE4 run
//     loses its last pixel; alignment follows the file position);
//   - the data must reach the last pixel of the last row (mmap and
//     ImageFile.load's raw decoder agree on that; row padding after the
//     last row is not needed).
//
// A grey-ramp palette on 1- or 4-bit data makes the image mode "L" with raw
// mode "L": Pillow then reads 8 bits per pixel, each row WIDTH bytes from
// offset + y*stride with the stride of the real depth (see pixels). The
// same header parsing reads the DIB frames of ICO files (ico.go).
// Palettes of more than 256 colours that are not grey are refused (Pillow
// fails on those anyway).

// bmpInfo is an opened bitmap: what BmpImageFile._bitmap read from its
// headers, and the file it describes.
type bmpInfo struct {
	format     string // "BMP", "DIB" or "CUR": the reader that opened it
	data       []byte
	mapped     bool // opened by path, so that ImageFile.load may memory-map it
	w, h       int
	bits       int
	compr      uint32
	topDown    bool
	mode       string // "1", "L", "P", "RGB", "RGBA"
	raw        string // Pillow raw mode
	palette    []byte // raw palette bytes as read
	padding    int    // 3 (OS/2) or 4 bytes per palette entry
	offset     int
	stride     int
	rle4, rle8 bool
}

// openBMP is BmpImageFile._open: the 14-byte file header, then the info
// header that follows it. Image.open(path) lets ImageFile.load memory-map
// the file.
func openBMP(data []byte, _ rules) (opened, error) {
	if len(data) < 18 {
		return nil, errorf("BMP", Corrupt, "invalid BMP: the file ends inside the header")
	}
	b, err := bmpParseInfo(data, 14, int(binary.LittleEndian.Uint32(data[10:])))
	if u, ok := err.(declined); ok {
		return nil, u.FormatError // no other reader accepts "BM"
	}
	if err != nil {
		return nil, err
	}
	b.format, b.mapped = "BMP", true
	return b, nil
}

// bmpParseInfo is BmpImageFile._bitmap: the info header at start (its size
// field first), the bitfield masks and the palette. offset is the pixel
// data offset of the file header; 0 (a DIB: DibImageFile._open) means the
// data follows the palette. The header failures Pillow raises as
// SyntaxError or struct.error rather than OSError are declined: for a "BM"
// file none of the other readers accepts the bytes, but for a DIB, a CUR
// or a DIB inside an ICO one may.
func bmpParseInfo(data []byte, start, offset int) (*bmpInfo, error) {
	if start < 0 || start > len(data)-4 {
		// i32(read(4)) on a short read: struct.error.
		return nil, declined{errorf("BMP", Truncated, "truncated BMP: the file ends inside the header")}
	}
	hsize := int(binary.LittleEndian.Uint32(data[start:]))
	pos := start + 4
	// ImageFile._safe_read(fp, header_size - 4): OSError when short.
	n := max(hsize-4, 0)
	if n > len(data)-pos {
		return nil, errorf("BMP", Truncated, "truncated BMP: the file ends inside the header")
	}
	hd := data[pos : pos+n]
	pos += n
	le16 := func(o int) int { return int(binary.LittleEndian.Uint16(hd[o:])) }
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(hd[o:]) }
	b := &bmpInfo{format: "BMP", data: data}
	var colors uint64
	var masks [4]uint32
	switch hsize {
	case 12:
		b.w, b.h = le16(0), le16(2)
		b.bits = le16(6)
		b.padding = 3
	case 40, 64, 108, 124:
		b.topDown = hd[7] == 0xFF
		b.w = int(le32(0))
		if b.topDown {
			b.h = int(1<<32 - uint64(le32(4)))
		} else {
			b.h = int(le32(4))
		}
		b.bits = le16(10)
		b.compr = le32(12)
		colors = uint64(le32(28))
		b.padding = 4
		if b.compr == 3 {
			if len(hd) >= 52 {
				for i := range masks {
					masks[i] = le32(36 + 4*i)
				}
			} else {
				for i := 0; i < 3; i++ {
					if pos+4 > len(data) {
						// i32(read(4)) on a short read: struct.error.
						return nil, declined{errorf("BMP", Truncated, "truncated BMP: the file ends inside the bitfield masks")}
					}
					masks[i] = binary.LittleEndian.Uint32(data[pos:])
					pos += 4
				}
			}
		}
	default:
		return nil, errorf("BMP", Unsupported, "unsupported BMP header type (%d)", hsize)
	}
	if colors == 0 {
		if b.bits >= 64 {
			colors = 0 // 1 << bits overflows; only checked for palette depths
		} else {
			colors = 1 << b.bits
		}
	}
	if offset == 14+hsize && b.bits <= 8 {
		offset += int(4 * colors)
	}
	switch b.bits {
	case 1:
		b.mode, b.raw = "P", "P;1"
	case 4:
		b.mode, b.raw = "P", "P;4"
	case 8:
		b.mode, b.raw = "P", "P"
	case 16:
		b.mode, b.raw = "RGB", "BGR;15"
	case 24:
		b.mode, b.raw = "RGB", "BGR"
	case 32:
		b.mode, b.raw = "RGB", "BGRX"
	default:
		return nil, errorf("BMP", Unsupported, "unsupported BMP pixel depth (%d)", b.bits)
	}
	switch b.compr {
	case 0: // RAW
	case 1, 2: // RLE8, RLE4
		b.rle8, b.rle4 = b.compr == 1, b.compr == 2
	case 3: // BITFIELDS
		rgbMask := [3]uint32{masks[0], masks[1], masks[2]}
		switch {
		case b.bits == 32:
			switch masks {
			case [4]uint32{0xFF0000, 0xFF00, 0xFF, 0}:
				b.raw = "BGRX"
			case [4]uint32{0xFF000000, 0xFF0000, 0xFF00, 0}:
				b.raw = "XBGR"
			case [4]uint32{0xFF000000, 0xFF0000, 0xFF00, 0xFF}:
				b.raw, b.mode = "ABGR", "RGBA"
			case [4]uint32{0xFF, 0xFF00, 0xFF0000, 0xFF000000}:
				b.raw, b.mode = "RGBA", "RGBA"
			case [4]uint32{0xFF0000, 0xFF00, 0xFF, 0xFF000000}, [4]uint32{}:
				b.raw, b.mode = "BGRA", "RGBA"
			default:
				return nil, errorf("BMP", Unsupported, "unsupported BMP bitfields layout")
			}
		case b.bits == 24 && rgbMask == [3]uint32{0xFF0000, 0xFF00, 0xFF}:
			b.raw = "BGR"
		case b.bits == 16 && rgbMask == [3]uint32{0xF800, 0x7E0, 0x1F}:
			b.raw = "BGR;16"
		case b.bits == 16 && rgbMask == [3]uint32{0x7C00, 0x3E0, 0x1F}:
			b.raw = "BGR;15"
		default:
			return nil, errorf("BMP", Unsupported, "unsupported BMP bitfields layout")
		}
	default:
		return nil, errorf("BMP", Unsupported, "unsupported BMP compression (%d)", b.compr)
	}
	if b.mode == "P" {
		if colors == 0 || colors > 65536 {
			return nil, errorf("BMP", Unsupported, "unsupported BMP palette size (%d)", colors)
		}
		b.palette = data[min(pos, len(data)):min(pos+b.padding*int(colors), len(data))]
		pos += len(b.palette)
		grey := true
		for i := 0; i < int(colors); i++ {
			val := i
			if colors == 2 && i == 1 {
				val = 255
			}
			e := b.palette[min(i*b.padding, len(b.palette)):min(i*b.padding+3, len(b.palette))]
			v := byte(val)
			if len(e) != 3 || e[0] != v || e[1] != v || e[2] != v {
				grey = false
				break
			}
		}
		if grey {
			if colors == 2 {
				b.mode, b.raw = "1", "1"
			} else {
				b.mode, b.raw = "L", "L"
			}
		} else if len(b.palette)/b.padding > 256 {
			// putpalette: "invalid palette size" when the image loads. What
			// counts is what the read got: a file too short for the colour
			// count it declares gives a shorter palette.
			return nil, errorf("BMP", Corrupt, "invalid BMP: palette of %d colours", len(b.palette)/b.padding)
		}
	}
	if b.w <= 0 || b.h <= 0 {
		// ImageFile.__init__: SyntaxError "not identified by this driver".
		return nil, declined{errorf("BMP", Corrupt, "invalid BMP: size %dx%d", b.w, b.h)}
	}
	b.stride = int(((int64(b.w)*int64(b.bits) + 31) >> 3) &^ 3)
	if offset == 0 {
		offset = pos
	}
	b.offset = offset
	return b, nil
}

func (b *bmpInfo) header() Header {
	return Header{Format: b.format, Mode: b.mode, Width: b.w, Height: b.h}
}

// bmpPageSize is the smallest memory page of the platforms Pillow runs on
// (x86-64 and most arm64 Linux): the part of a file's last page past its
// end reads as zeros through mmap, anything after that is not mapped.
const bmpPageSize = 4096

// pixels decodes the pixel data that b describes (b.h rows), memory-mapped
// as Pillow would where b.mapped says it may be (a DIB inside an ICO is
// read from a stream and never is).
func (b *bmpInfo) pixels(lim budget) (*rgb.Image, error) {
	data, mapped, stop := b.data, b.mapped, lim.stop
	if b.rle4 || b.rle8 {
		return bmpRLE(data, b, stop, lim.rules)
	}
	rawBits := map[string]int{"1": 1, "L": 8, "P": 8, "P;1": 1, "P;4": 4, "BGR;15": 16, "BGR;16": 16,
		"BGR": 24, "BGRX": 32, "XBGR": 32, "ABGR": 32, "RGBA": 32, "BGRA": 32}[b.raw]
	need := int((int64(b.w)*int64(rawBits) + 7) / 8) // bytes read per row
	n, off, stride := int64(len(data)), int64(b.offset), int64(b.stride)
	// ImageFile.load maps the file when the tile is raw, its raw mode is the
	// image mode and that mode is in Image._MAPMODES ("L", "P", "RGBA" here),
	// and offset + height*stride fits in the file; map.c's
	// PyImaging_MapBuffer then points row y at offset + y*stride and reads
	// WIDTH pixels of the mode there, whatever the stride. That only
	// matters for mode "L" on 1- or 4-bit data (a grey-ramp palette): rows
	// of WIDTH bytes overlap, and the last one may run past the end of the
	// file, where the mapping reads zeros up to the end of the page.
	mapRows := mapped && b.raw == b.mode && (b.mode == "L" || b.mode == "P" || b.mode == "RGBA") &&
		off <= n && int64(b.h) <= (n-off)/stride
	if mapRows {
		if end := off + int64(b.h-1)*stride + int64(need); end > (n+bmpPageSize-1)/bmpPageSize*bmpPageSize {
			// Pillow reads whatever memory follows the mapping, or crashes.
			return nil, errorf("BMP", Unsupported, "unsupported BMP: Pillow reads this %d-bit data with a grey palette "+
				"as 8-bit rows that run past the end of the file's memory map", b.bits)
		}
	} else {
		if b.stride < need {
			// RawDecode: a stride shorter than a row is a config error.
			return nil, errorf("BMP", Corrupt, "invalid BMP: rows of %d bytes hold %d", b.stride, need)
		}
		// ImageFile.load's raw decoder: the data must reach the last pixel
		// of the last row (its padding is not needed).
		if off > n || int64(b.h-1) > (n-off)/stride {
			return nil, errorf("BMP", Truncated, "truncated BMP: the pixel data ends before the last row")
		}
		if off+int64(b.h-1)*stride+int64(need) > n {
			return nil, errorf("BMP", Truncated, "truncated BMP: the pixel data ends before the last row")
		}
	}
	lut := bmpPaletteLUT(b, lim.rules)
	out := rgb.New(b.w, b.h)
	var tail []byte // a row that runs past the end of the data, zero-extended
	for fy := 0; fy < b.h; fy++ {
		if err := stop.err(); err != nil {
			return nil, err
		}
		start := b.offset + fy*b.stride
		row := data[start:min(start+need, len(data))]
		if len(row) < need {
			if tail == nil {
				tail = make([]byte, need)
			}
			clear(tail)
			copy(tail, row)
			row = tail
		}
		y := b.h - 1 - fy
		if b.topDown {
			y = fy
		}
		dst := out.Pix[3*y*b.w : 3*(y+1)*b.w]
		bmpUnpackRow(b.raw, row, dst, b.w, lut)
	}
	return out, nil
}

// bmpPaletteLUT is P → RGB: the palette entries read (BGRX or BGR), the
// release's initial palette past them (rules.paletteBase); L → grey.
func bmpPaletteLUT(b *bmpInfo, r rules) *[256][3]byte {
	lut := rules{}.paletteBase()
	if b.mode == "P" {
		lut = r.paletteBase()
		for i := 0; i < 256 && (i+1)*b.padding <= len(b.palette); i++ {
			e := b.palette[i*b.padding:]
			lut[i] = [3]byte{e[2], e[1], e[0]}
		}
	}
	return &lut
}

// bmpScale5 and bmpScale6 widen 5- and 6-bit channels as Unpack.c does.
var (
	bmpScale5 = func() (t [32]byte) {
		for v := range t {
			t[v] = byte(v * 255 / 31)
		}
		return t
	}()
	bmpScale6 = func() (t [64]byte) {
		for v := range t {
			t[v] = byte(v * 255 / 63)
		}
		return t
	}()
)

// bmpUnpackRow is Pillow's unpacker for raw, then convert("RGB").
func bmpUnpackRow(raw string, row, dst []byte, w int, lut *[256][3]byte) {
	put := func(x int, r, g, b byte) { dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, b }
	switch raw {
	case "1":
		for x := 0; x < w; x++ {
			v := byte(0)
			if row[x>>3]&(0x80>>(x&7)) != 0 {
				v = 255
			}
			put(x, v, v, v)
		}
	case "L":
		for x := 0; x < w; x++ {
			put(x, row[x], row[x], row[x])
		}
	case "P", "P;1", "P;4":
		for x := 0; x < w; x++ {
			var i byte
			switch raw {
			case "P":
				i = row[x]
			case "P;1":
				i = row[x>>3] >> (7 - x&7) & 1
			default:
				i = row[x>>1] >> (4 * (1 - x&1)) & 15
			}
			c := lut[i]
			put(x, c[0], c[1], c[2])
		}
	case "BGR;15", "BGR;16":
		for x := 0; x < w; x++ {
			p := int(row[2*x]) | int(row[2*x+1])<<8
			if raw == "BGR;15" {
				put(x, bmpScale5[p>>10&31], bmpScale5[p>>5&31], bmpScale5[p&31])
			} else {
				put(x, bmpScale5[p>>11&31], bmpScale6[p>>5&63], bmpScale5[p&31])
			}
		}
	case "BGR":
		for x := 0; x < w; x++ {
			put(x, row[3*x+2], row[3*x+1], row[3*x])
		}
	default: // 4 bytes per pixel: where R, G, B sit
		var r, g, b int
		switch raw {
		case "BGRX", "BGRA":
			r, g, b = 2, 1, 0
		case "XBGR", "ABGR":
			r, g, b = 3, 2, 1
		case "RGBA":
			r, g, b = 0, 1, 2
		}
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4]
			put(x, p[r], p[g], p[b])
		}
	}
}

// bmpRLE is BmpRleDecoder.decode + set_as_raw(data, (rawmode, 0,
// direction)). The decoded bytes are kept up to the image size; len counts
// all of them (x and the end-of-line padding depend on it).
func bmpRLE(data []byte, b *bmpInfo, stop *stopFlag, r rules) (*rgb.Image, error) {
	if b.mode != "P" && b.mode != "L" {
		// _getdecoder(mode, "raw", "P"): no such unpacker.
		return nil, errorf("BMP", Corrupt, "invalid BMP: run-length data for a %s image", b.mode)
	}
	total := int64(b.w) * int64(b.h)
	xs := int64(b.w)
	var out []byte
	var n int64 // len(data) in Pillow
	emit := func(v byte, k int64) {
		if room := total - int64(len(out)); room > 0 {
			for i := int64(0); i < min(k, room); i++ {
				out = append(out, v)
			}
		}
		n += k
	}
	pos := b.offset
	read := func(k int) []byte { // fd.read(k); a seek may have gone past EOF
		if pos >= len(data) {
			return nil
		}
		e := min(pos+k, len(data))
		s := data[pos:e]
		pos = e
		return s
	}
	var x int64
loop:
	for n < total {
		if err := stop.err(); err != nil {
			return nil, err
		}
		pixels, byt := read(1), read(1)
		if len(pixels) == 0 || len(byt) == 0 {
			break
		}
		if num := int64(pixels[0]); num != 0 { // encoded mode
			if x+num > xs {
				num = max(0, xs-x)
			}
			if b.rle4 {
				first, second := byt[0]>>4, byt[0]&15
				for i := int64(0); i < num; i++ {
					if i%2 == 0 {
						emit(first, 1)
					} else {
						emit(second, 1)
					}
				}
			} else {
				emit(byt[0], num)
			}
			x += num
			continue
		}
		switch byt[0] {
		case 0: // end of line
			if r := n % xs; r != 0 {
				emit(0, xs-r)
			}
			x = 0
		case 1: // end of bitmap
			break loop
		case 2: // delta: two bytes read and ignored, then right, up
			if len(read(2)) < 2 {
				break loop
			}
			ru := read(2)
			if len(ru) < 2 {
				// right, up = fd.read(2): ValueError.
				return nil, errorf("BMP", Truncated, "truncated BMP: the run-length data ends inside a delta")
			}
			emit(0, int64(ru[0])+int64(ru[1])*xs)
			x = n % xs
		default: // absolute mode
			var count int
			var got []byte
			if b.rle4 {
				count = int(byt[0]) / 2
				got = read(count)
				for _, v := range got {
					emit(v>>4, 1)
					emit(v&15, 1)
				}
			} else {
				count = int(byt[0])
				got = read(count)
				for _, v := range got {
					emit(v, 1)
				}
			}
			if len(got) < count {
				break loop
			}
			x += int64(byt[0])
			if pos%2 != 0 {
				pos++ // fd.seek(1, SEEK_CUR), even past the end
			}
		}
	}
	if int64(len(out)) < total {
		return nil, errorf("BMP", Truncated, "truncated BMP: not enough image data")
	}
	lut := bmpPaletteLUT(b, r)
	img := rgb.New(b.w, b.h)
	for fy := 0; fy < b.h; fy++ {
		if err := stop.err(); err != nil {
			return nil, err
		}
		y := b.h - 1 - fy
		if b.topDown {
			y = fy
		}
		bmpUnpackRow(b.mode, out[fy*b.w:], img.Pix[3*y*b.w:3*(y+1)*b.w], b.w, lut)
	}
	return img, nil
}
