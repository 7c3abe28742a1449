package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"

	"github.com/torchgo/predict/rgb"
)

// ICO exactly as Pillow 9.4's IcoImagePlugin reads it, then convert("RGB"):
//
//   - IcoFile.__init__ reads the directory (a width or height byte of 0
//     means 256; color_depth is bpp, else ceil(log2(colours)), else 256)
//     and sorts it by color_depth, then by width*height, and reverses it;
//     IcoImageFile loads entry 0: the largest by the directory's sizes,
//     then the deepest, then the last in the file. What the frame itself
//     says about its size does not matter for the choice: a frame of
//     another size only updates the image's size (with a warning);
//   - a frame starting with the PNG signature is read by PngImagePlugin
//     from there on (png.go on the rest of the file);
//   - any other frame is a DIB (BmpImagePlugin.DibImageFile: the header
//     parsing of bmp.go, never memory-mapped) whose height counts the XOR
//     image and the AND mask: only the first height/2 rows are decoded.
//     The transparency (the AND mask, or for a directory bpp of 32 every
//     4th byte of the pixel data) becomes alpha, which convert("RGB")
//     drops: masked pixels keep their colours. The mask is still read, so
//     a mask that is not all there fails the image.
//
// Where the ICO reader raises SyntaxError, IndexError or struct.error (a
// short directory, no entries, a frame offset past the end, a DIB of width
// or height 0 ...), Image.open goes on to the readers that have no
// signature, and TGA's accepts any file whose bytes 12-17 (the first
// entry's bpp and size) look like a TGA size and depth: Pillow then reads
// the file as TGA (lastresort.go), as it is read here.

// icoEntry is one icon directory entry as IcoFile reads it.
type icoEntry struct {
	w, h           int
	depth          int // IcoFile's color_depth
	bpp            int
	size, offset   int64
	index, ncolors int
}

// icoDirectory is IcoFile.__init__: the entries, and the one
// IcoImageFile.load reads (entry 0 after the sorts).
func icoDirectory(data []byte, r rules) ([]icoEntry, icoEntry, error) {
	if len(data) < 6 {
		// i16(s, 4) on a short read: struct.error.
		return nil, icoEntry{}, unidentified("ICO", "the file ends inside the header")
	}
	n := int(binary.LittleEndian.Uint16(data[4:]))
	entries := make([]icoEntry, 0, min(n, (len(data)-6)/16))
	for i := 0; i < n; i++ {
		p := 6 + 16*i
		if p+16 > len(data) {
			// s[0] / i16(s, ...) / i32(s, ...) on a short read.
			return nil, icoEntry{}, unidentified("ICO", "the file ends inside the icon directory")
		}
		s := data[p : p+16]
		e := icoEntry{
			w: int(s[0]), h: int(s[1]), ncolors: int(s[2]),
			bpp:    int(binary.LittleEndian.Uint16(s[6:])),
			size:   int64(binary.LittleEndian.Uint32(s[8:])),
			offset: int64(binary.LittleEndian.Uint32(s[12:])),
			index:  i,
		}
		if e.w == 0 {
			e.w = 256
		}
		if e.h == 0 {
			e.h = 256
		}
		// bpp or (nb_color != 0 and ceil(log(nb_color, 2))) or 256; for
		// 1..255 colours ceil(log(n, 2)) is exactly bits.Len(n-1) (checked
		// against Python for every n), 0 for one colour.
		switch {
		case e.bpp != 0:
			e.depth = e.bpp
		case e.ncolors > 1:
			e.depth = bits.Len(uint(e.ncolors - 1))
		default:
			e.depth = 256
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		// self.ico.entry[0]: IndexError.
		return nil, icoEntry{}, unidentified("ICO", "the icon directory is empty")
	}
	// sorted by color_depth, then (stable) by square, then reversed: the
	// largest square first, then the deepest, ties in reverse file order.
	// From Pillow 11.0 the second sort is reverse=True, which keeps the
	// first: the largest square, then the shallowest, then the first.
	best := entries[0]
	for _, e := range entries[1:] {
		sq, bsq := e.w*e.h, best.w*best.h
		if r.icoFirstLowest && (sq > bsq || sq == bsq && e.depth < best.depth) ||
			!r.icoFirstLowest && (sq > bsq || sq == bsq && e.depth >= best.depth) {
			best = e
		}
	}
	return entries, best, nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// openICO is IcoImageFile._open: the directory, the entry it loads and
// that frame's header.
func openICO(data []byte, r rules) (opened, error) {
	_, e, err := icoDirectory(data, r)
	if err != nil {
		return nil, err
	}
	if e.offset <= int64(len(data)) && bytes.HasPrefix(data[e.offset:], pngSignature) {
		h, err := pngOpen(data[e.offset:])
		if err != nil {
			return nil, icoFrameError(data, e, "PNG", err)
		}
		return &icoPNG{frame: h, entry: e, data: data}, nil
	}
	if e.offset > int64(len(data))-4 {
		// DibImageFile: i32(read(4)) on a short read, struct.error.
		return nil, unidentified("ICO", "image %d starts at offset %d, past the end of the file", e.index, e.offset)
	}
	b, err := bmpParseInfo(data, int(e.offset), 0)
	if err != nil {
		return nil, icoFrameError(data, e, "bitmap", err)
	}
	return &icoBitmap{b: b, entry: e, data: data}, nil
}

// icoPNG is an ICO whose chosen frame is a PNG; its failures are the ICO's.
type icoPNG struct {
	frame *pngInfo
	entry icoEntry
	data  []byte
}

func (f *icoPNG) header() Header {
	h := f.frame.header()
	h.Format = "ICO"
	return h
}

func (f *icoPNG) checkSize(l Limits) error {
	return icoFrameError(f.data, f.entry, "PNG", l.check("PNG", f.frame.width, f.frame.height))
}

func (f *icoPNG) pixels(lim budget) (*rgb.Image, error) {
	img, err := f.frame.pixels(lim)
	if err != nil {
		return nil, icoFrameError(f.data, f.entry, "PNG", err)
	}
	return img, nil
}

// icoBitmap is an ICO whose chosen frame is a DIB: the XOR image, then the
// AND mask, in a height that counts both.
type icoBitmap struct {
	b     *bmpInfo
	entry icoEntry
	data  []byte
}

// header: IcoFile.frame converts a bitmap frame to RGBA, half the DIB's
// height.
func (f *icoBitmap) header() Header {
	return Header{Format: "ICO", Mode: "RGBA", Width: f.b.w, Height: f.b.h / 2}
}

// checkSize is Image._decompression_bomb_check on the DIB's own size: both
// halves.
func (f *icoBitmap) checkSize(l Limits) error { return l.check("ICO", f.b.w, f.b.h) }

// icoFrameError relabels a frame's PNG or BMP error as the ICO's. A PNG
// frame fails inside IcoImageFile._open, where some of PngImagePlugin's
// failures are SyntaxError ("broken PNG file") or struct.error and let
// Image.open go on to TGA: when TGA's header check passes, the file may be
// Pillow's TGA, so it is not an image here.
func icoFrameError(data []byte, e icoEntry, kind string, err error) error {
	var fe *FormatError
	if !errors.As(err, &fe) {
		return err
	}
	var u declined
	if errors.As(err, &u) || kind == "PNG" && fe.Kind != TooLarge && icoTGAOpens(data) {
		return unidentified("ICO", "%s, in its %s image %d at offset %d", fe.Msg, kind, e.index, e.offset)
	}
	return errorf("ICO", fe.Kind, "%s (the ICO's %s image %d, at offset %d)", fe.Msg, kind, e.index, e.offset)
}

// icoTGAOpens is TgaImageFile._open's header check on an ICO: bytes 1 and
// 2 (colour map type 0, image type 1: "P") always pass, the size is bytes
// 12-15 and the depth byte 16.
func icoTGAOpens(data []byte) bool {
	if len(data) < 18 {
		return false
	}
	w, h, depth := binary.LittleEndian.Uint16(data[12:]), binary.LittleEndian.Uint16(data[14:]), data[16]
	return w > 0 && h > 0 && (depth == 1 || depth == 8 || depth == 16 || depth == 24 || depth == 32)
}

// pixels is IcoFile.frame for a bitmap frame: the transparency read (and
// dropped by convert("RGB")), then the XOR image.
func (f *icoBitmap) pixels(lim budget) (*rgb.Image, error) {
	data, e := f.data, f.entry
	bb := *f.b // its height becomes the XOR image's below
	b := &bb
	w, h := int64(b.w), int64(b.h/2) // im._size = (w, int(h / 2))
	n := int64(len(data))
	if e.bpp == 32 {
		// The alpha bytes, every 4th of read(w*h*4) from the pixel data:
		// Image.frombuffer("L", ...) needs w*h of them ("buffer is not large
		// enough").
		if int64(b.offset) > n || h > 0 && w > (n-int64(b.offset))/4/h {
			return nil, errorf("ICO", Truncated, "truncated ICO: image %d's alpha data ends early", e.index)
		}
	} else {
		// The AND mask: rows of w bits padded to 32, the last total bytes of
		// the entry's size as the directory gives it.
		wp := (w + 31) &^ 31
		if h > 0 && wp > (1<<62)/h { // only without a pixel limit
			return nil, errorf("ICO", Truncated, "truncated ICO: image %d's transparency mask ends early", e.index)
		}
		total := wp * h / 8
		at := e.offset + e.size - total
		if at < 0 {
			return nil, errorf("ICO", Corrupt, "invalid ICO: image %d's transparency mask would start before the file", e.index)
		}
		// Image.frombuffer("1", ..., ("1;I", wp/8, -1)) decodes the rows
		// from what read(total) got: up to the last byte of the last row.
		got := min(max(n-at, 0), total)
		if h > 0 && got < (h-1)*wp/8+(w+7)/8 {
			return nil, errorf("ICO", Truncated, "truncated ICO: image %d's transparency mask ends early", e.index)
		}
	}
	if h == 0 {
		// decoder.setimage with an empty tile: "tile cannot extend outside image".
		return nil, errorf("ICO", Corrupt, "invalid ICO: image %d is a bitmap of height %d, no row of pixels", e.index, b.h)
	}
	// IcoFile.frame converts a bitmap frame to RGBA.
	b.h = int(h)
	b.mapped = false // IcoFile reads the frame from a stream
	img, err := b.pixels(lim)
	if err != nil {
		return nil, icoFrameError(data, e, "bitmap", err)
	}
	return img, nil
}
