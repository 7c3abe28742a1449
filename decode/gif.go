package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/torchgo/predict/rgb"
)

// GIF: frame 0 exactly as Pillow 9.4 reads it (docs/parity-spec.md §1.3):
// GifImagePlugin._open/_seek(0)/load_prepare parse the headers, the C
// decoder libImaging/GifDecode.c fills the frame rectangle, and
// ImageFile.load feeds it 64 KiB reads until it says it is done. Each step is
// mirrored here, including where Pillow fails, so that the set of GIFs we
// refuse is the set Pillow refuses:
//
//   - the image has the logical-screen size, grown to contain frame 0;
//   - pixels outside frame 0 are index 0, or the frame's transparency index;
//     transparent pixels keep their palette colour (the decoder writes every
//     pixel of frame 0);
//   - a palette that is the identity grey ramp means mode L (same RGB);
//     indices past the palette read (i, i, i): Pillow ≤ 10.0's palette starts
//     as a grey ramp (docs/parity-spec.md §1.2);
//   - the LZW decoder stops as soon as the last pixel is written; an end code
//     before that leaves it reading whatever follows, and running out of data
//     is "image file is truncated".

const (
	gifBits   = 12
	gifTable  = 1 << gifBits
	gifBuffer = 1 << gifBits
	// ImageFile.decodermaxblock: how much Pillow hands the decoder per read.
	pillowMaxBlock = 65536
)

// gifNotOpened is Image.open's verdict when GifImageFile._open raises.
func gifNotOpened(why string) error {
	return errorf("GIF", Corrupt, "invalid GIF: %s", why)
}

// gifFrame is an opened GIF: frame 0 as GifImageFile._seek(0) leaves it.
type gifFrame struct {
	data           []byte
	w, h           int // image size (screen grown to hold the frame)
	x0, y0, fw, fh int // frame rectangle
	palette        []byte
	hasPalette     bool
	transparency   int // -1: none
	interlace      bool
	bits           int // LZW minimum code size
	offset         int // first data sub-block
}

// openGIF is GifImageFile._open + _seek(0): everything before pixel data.
func openGIF(data []byte, _ rules) (opened, error) {
	if len(data) < 13 {
		return nil, gifNotOpened("file ends inside the header")
	}
	f := &gifFrame{data: data, transparency: -1}
	f.w, f.h = int(binary.LittleEndian.Uint16(data[6:])), int(binary.LittleEndian.Uint16(data[8:]))
	flags := data[10]
	pos := 13
	var global []byte
	if flags&128 != 0 {
		n := 3 << ((flags & 7) + 1)
		if pos+n > len(data) {
			// A short table leaves _open at EOF: EOFError/IndexError.
			return nil, gifNotOpened("file ends inside the colour table")
		}
		p := data[pos : pos+n]
		pos += n
		if gifPaletteNeeded(p) {
			global = p
		}
	}
	read1 := func() (byte, bool) {
		if pos >= len(data) {
			return 0, false
		}
		pos++
		return data[pos-1], true
	}
	// GifImageFile.data: a sub-block, nil at a zero length or EOF.
	block := func() []byte {
		n, ok := read1()
		if !ok || n == 0 {
			return nil
		}
		b := data[pos:min(pos+int(n), len(data))]
		pos += len(b)
		return b
	}
	s, ok := read1()
	if !ok || s == ';' {
		return nil, gifNotOpened("no image in the file")
	}
	var localPal []byte
	localSet, localNeeded, found := false, false, false
	for {
		if s == ';' {
			break
		}
		if s == '!' {
			label, ok := read1()
			if !ok {
				return nil, gifNotOpened("file ends inside an extension")
			}
			b := block()
			switch {
			case label == 249: // graphic control extension
				// block[0], block[3] (if flagged) and i16(block, 1) must exist.
				if len(b) < 3 || b[0]&1 != 0 && len(b) < 4 {
					return nil, gifNotOpened("short graphic control extension")
				}
				if b[0]&1 != 0 {
					f.transparency = int(b[3])
				}
			case label == 254: // comment: its blocks are consumed here
				for b != nil {
					b = block()
				}
				goto next
			case label == 255:
				if b == nil {
					return nil, gifNotOpened("empty application extension")
				}
				if len(b) >= 11 && string(b[:11]) == "NETSCAPE2.0" {
					if block() == nil { // len(None): TypeError
						return nil, gifNotOpened("empty NETSCAPE2.0 extension")
					}
				}
			}
			for block() != nil {
			}
		} else if s == ',' {
			if pos+9 > len(data) {
				return nil, gifNotOpened("file ends inside an image descriptor")
			}
			d := data[pos : pos+9]
			pos += 9
			f.x0, f.y0 = int(binary.LittleEndian.Uint16(d[0:])), int(binary.LittleEndian.Uint16(d[2:]))
			f.fw, f.fh = int(binary.LittleEndian.Uint16(d[4:])), int(binary.LittleEndian.Uint16(d[6:]))
			f.w, f.h = max(f.w, f.x0+f.fw), max(f.h, f.y0+f.fh)
			f.interlace = d[8]&64 != 0
			if d[8]&128 != 0 {
				n := 3 << ((d[8] & 7) + 1)
				if pos+n > len(data) {
					return nil, gifNotOpened("file ends inside the colour table")
				}
				p := data[pos : pos+n]
				pos += n
				localSet, localNeeded, localPal = true, gifPaletteNeeded(p), p
			}
			bits, ok := read1()
			if !ok {
				return nil, gifNotOpened("file ends before the image data")
			}
			f.bits, f.offset, found = int(bits), pos, true
			break
		}
	next:
		if s, ok = read1(); !ok {
			break
		}
	}
	if !found {
		return nil, gifNotOpened("no image in the file")
	}
	// _seek: _frame_palette = local palette if present (False when it is
	// an identity ramp), else the global one; no palette → mode L.
	switch {
	case localSet && localNeeded:
		f.palette, f.hasPalette = localPal, true
	case localSet:
		f.hasPalette = false
	case global != nil:
		f.palette, f.hasPalette = global, true
	}
	if f.w <= 0 || f.h <= 0 {
		// ImageFile.__init__: "not identified by this driver".
		return nil, gifNotOpened(fmt.Sprintf("size %dx%d", f.w, f.h))
	}
	return f, nil
}

// gifPaletteNeeded is GifImageFile._is_palette_needed: false when every
// entry i is (i, i, i).
func gifPaletteNeeded(p []byte) bool {
	for i := 0; i+2 < len(p); i += 3 {
		if !(i/3 == int(p[i]) && p[i] == p[i+1] && p[i+1] == p[i+2]) {
			return true
		}
	}
	return false
}

// header: Image.open gives frame 0 mode P with a palette, else L.
func (f *gifFrame) header() Header {
	mode := "L"
	if f.hasPalette {
		mode = "P"
	}
	return Header{Format: "GIF", Mode: mode, Width: f.w, Height: f.h}
}

func (f *gifFrame) pixels(lim budget) (*rgb.Image, error) {
	// decode.c _setimage: extents with x0 == x1 == 0 mean the whole image;
	// otherwise an empty tile is "tile cannot extend outside image".
	if f.x0 == 0 && f.fw == 0 {
		f.fw, f.fh, f.y0 = f.w, f.h, 0
	}
	if f.fw <= 0 || f.fh <= 0 {
		return nil, errorf("GIF", Corrupt, "invalid GIF: empty %dx%d frame", f.fw, f.fh)
	}
	// load_prepare: the index plane starts as the transparency index, else 0.
	// Only the frame rectangle is decoded, into rows allocated as the LZW
	// decoder reaches them, and the canvas is built once the frame is
	// complete: a small file that declares a large screen or frame and then
	// fails costs what it decoded, not the canvas (every frame pixel is
	// written when the decoder finishes, so nothing else is observable).
	rows, err := gifDecodeFrame(f.data, f, lim)
	if err != nil {
		return nil, err
	}
	// P → RGB through the palette (rules.paletteBase beyond it); L →
	// replicated.
	lut := rules{}.paletteBase()
	if f.hasPalette {
		lut = lim.rules.paletteBase()
		for i := 0; i < len(f.palette)/3 && i < 256; i++ {
			copy(lut[i][:], f.palette[3*i:])
		}
	}
	bg := byte(0)
	if f.transparency >= 0 {
		bg = byte(f.transparency)
	}
	out := rgb.New(f.w, f.h)
	rowBytes := 3 * f.w
	// Background: one row of lut[bg], then whole rows copied (memmove).
	fillPattern(out.Pix[:rowBytes], lut[bg][:])
	for y := 1; y < f.h; y++ {
		copy(out.Pix[y*rowBytes:(y+1)*rowBytes], out.Pix[:rowBytes])
	}
	for fy, row := range rows {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		dst := out.Pix[(f.y0+fy)*rowBytes+3*f.x0:]
		dst = dst[:3*len(row)]
		for i, v := range row {
			c := &lut[v]
			d := dst[3*i : 3*i+3 : 3*i+3]
			d[0], d[1], d[2] = c[0], c[1], c[2]
		}
	}
	return out, nil
}

// fillPattern fills dst with copies of pat by doubling copies.
func fillPattern(dst, pat []byte) {
	if len(dst) == 0 {
		return
	}
	n := copy(dst, pat)
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

// gifDecodeFrame is ImageFile.load's read loop around ImagingGifDecode.
// It returns the frame's rows (fh rows of fw indices), all written.
func gifDecodeFrame(data []byte, f *gifFrame, lim budget) ([][]byte, error) {
	d := &gifDecoder{bits: f.bits, xsize: f.fw, ysize: f.fh, rows: make([][]byte, f.fh), interlace: f.interlace, stop: lim.stop}
	pos := f.offset
	var b []byte
	for {
		s := data[min(pos, len(data)):min(pos+pillowMaxBlock, len(data))]
		pos += len(s)
		if len(s) == 0 {
			return nil, errorf("GIF", Truncated, "truncated GIF: the image data ends before the last pixel")
		}
		b = append(b, s...)
		n, errcode := d.decode(b)
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		if n < 0 {
			if errcode != 0 {
				return nil, errorf("GIF", Corrupt, "invalid GIF: broken LZW image data")
			}
			return d.rows, nil
		}
		b = b[n:]
	}
}

// gifDecoder mirrors libImaging/GifDecode.c state for state.
type gifDecoder struct {
	bits                int
	xsize, ysize, x, y  int
	rows                [][]byte // frame rows, allocated when first written
	cur                 []byte   // rows[y]
	interlace           bool
	ilace, step, repeat int
	state               int
	clear, end, next    int
	codesize, codemask  int
	bitbuffer           int32
	bitcount, blocksize int
	lastdata, lastcode  int
	buffer              [gifBuffer]byte
	bufferindex         int
	one                 [1]byte
	data                [gifTable]byte
	link                [gifTable]int
	stop                *stopFlag // polled at each new row
}

const (
	codecBroken  = -2
	codecOverrun = -1
	codecConfig  = -8
)

// newline is GifDecode.c's NEWLINE; false means "return -1" (image done,
// or the caller gave up: gifDecodeFrame tells which).
func (d *gifDecoder) newline() bool {
	if d.stop.err() != nil {
		return false
	}
	d.x = 0
	d.cur = nil
	d.y += d.step
	for d.y >= d.ysize {
		switch d.ilace {
		case 1:
			d.repeat, d.y = 4, 4
			d.ilace = 2
		case 2:
			d.step = 4
			d.repeat, d.y = 2, 2
			d.ilace = 3
		case 3:
			d.step = 2
			d.repeat, d.y = 1, 1
			d.ilace = 0
		default:
			return false
		}
	}
	return true
}

func (d *gifDecoder) put(v byte) {
	if d.cur == nil {
		if d.rows[d.y] == nil {
			d.rows[d.y] = make([]byte, d.xsize)
		}
		d.cur = d.rows[d.y]
	}
	d.cur[d.x] = v
}

// decode consumes buf; it returns the bytes used, or -1 with an error code
// (0 = the image is complete).
func (d *gifDecoder) decode(buf []byte) (int, int) {
	ptr, bytes := 0, len(buf)
	if d.state == 0 {
		if d.bits < 0 || d.bits > 12 {
			return -1, codecConfig
		}
		d.clear = 1 << d.bits
		d.end = d.clear + 1
		if d.interlace {
			d.ilace = 1
			d.step, d.repeat = 8, 8
		} else {
			d.step = 1
		}
		d.state = 1
	}
	for {
		if d.state == 1 {
			d.next = d.clear + 2
			d.codesize = d.bits + 1
			d.codemask = 1<<d.codesize - 1
			d.bufferindex = gifBuffer
			d.state = 2
		}
		var p []byte
		if d.bufferindex < gifBuffer {
			p = d.buffer[d.bufferindex:]
			d.bufferindex = gifBuffer
		} else {
			for d.bitcount < d.codesize {
				if d.blocksize > 0 {
					if bytes < 1 { // cannot happen: blocks start only when whole
						return ptr, 0
					}
					c := buf[ptr]
					ptr++
					bytes--
					d.blocksize--
					d.bitbuffer |= int32(c) << d.bitcount
					d.bitcount += 8
				} else {
					if bytes < 1 {
						return ptr, 0
					}
					c := int(buf[ptr])
					if bytes < c+1 {
						return ptr, 0
					}
					d.blocksize = c
					ptr++
					bytes--
				}
			}
			c := int(d.bitbuffer) & d.codemask
			d.bitbuffer >>= d.codesize
			d.bitcount -= d.codesize
			if c == d.clear {
				if d.state != 2 {
					d.state = 1
				}
				continue
			}
			if c == d.end {
				return ptr, 0 // "break": the caller reads on
			}
			if d.state == 2 {
				if c > d.clear {
					return -1, codecBroken
				}
				d.lastdata, d.lastcode = c, c
				d.state = 3
			} else {
				thiscode := c
				if c > d.next {
					return -1, codecBroken
				}
				if c == d.next {
					if d.bufferindex <= 0 {
						return -1, codecBroken
					}
					d.bufferindex--
					d.buffer[d.bufferindex] = byte(d.lastdata)
					c = d.lastcode
				}
				for c >= d.clear {
					if d.bufferindex <= 0 || c >= gifTable {
						return -1, codecBroken
					}
					d.bufferindex--
					d.buffer[d.bufferindex] = d.data[c]
					c = d.link[c]
				}
				d.lastdata = c
				if d.next < gifTable {
					d.data[d.next] = byte(c)
					d.link[d.next] = d.lastcode
					if d.next == d.codemask && d.codesize < gifBits {
						d.codesize++
						d.codemask = 1<<d.codesize - 1
					}
					d.next++
				}
				d.lastcode = thiscode
			}
			d.one[0] = byte(d.lastdata)
			p = d.one[:]
		}
		if d.y >= d.ysize {
			return -1, codecOverrun
		}
		for _, v := range p {
			d.put(v)
			d.x++
			if d.x >= d.xsize {
				if !d.newline() {
					return -1, 0
				}
			}
		}
	}
}
