package decode

import (
	"encoding/binary"
	"math"

	"github.com/torchgo/predict/rgb"
)

// PCX exactly as Pillow 9.4 reads it (PcxImagePlugin.PcxImageFile._open,
// PcxDecode.c, the unpackers of Unpack.c, then convert("RGB")):
//
//   - 1 bit × 1 plane: mode "1" (any version);
//   - 1 bit × 2 or 4 planes: mode P through the 16-colour header palette
//     (P;2L / P;4L: the planes are read (width+7)/8 bytes apart, whatever
//     the stride, as unpackP2L/unpackP4L do);
//   - version 5, 8 bits × 1 plane: L, or P when the last 769 bytes are 0x0C
//     and a palette that is not the grey ramp; a file shorter than 769 bytes
//     is refused (seek(-769, SEEK_END) raises OSError);
//   - version 5, 8 bits × 3 planes: RGB from planar rows (RGB;L);
//   - size from the bounding box; the bytes per plane are (width*bits+7)/8,
//     plus one when odd and the header's value differs (CVE-2020-35653);
//   - PcxDecode.c's RLE: a run that overflows a row is an overrun error
//     (reported once the image ends); PcxDecode.c's band shuffle for rows
//     whose length is not a multiple of the width, quirks included (9.4
//     moves the bands only when bytes % width != 0, so 1- and 3-pixel-wide
//     RGB images with padded planes read the padding as pixels).
//
// Other bit/plane combinations are refused by Pillow ("unknown PCX mode").
// A header that _open rejects with SyntaxError (short, or an empty bounding
// box) lets Image.open try the other plugins (declined): a TGA file whose
// ID is 10 bytes long starts like a PCX.

// pcxFile is an opened PCX (or a DCX's first page): the header at start.
type pcxFile struct {
	format                 string // "PCX" or "DCX"
	data                   []byte
	start                  int
	mode                   string
	w, h                   int
	bits, planes, provided int
	pal                    [256 * 3]byte // ImagingPaletteNew's grey ramp, then the file's
}

func openPCX(data []byte, _ rules) (opened, error) { return openPCXAt(data, 0) }

// openPCXAt is PcxImageFile._open with the header at start (a DCX page);
// the 8-bit palette is still looked for at the end of the file.
func openPCXAt(data []byte, start int) (*pcxFile, error) {
	s := data[min(start, len(data)):min(start+128, len(data))]
	if len(s) < 2 || !pcxAccept(s) {
		return nil, unidentified("PCX", "no PCX header")
	}
	if len(s) < 68 { // i16(s, 4..10), s[65], i16(s, 66): IndexError/struct.error
		return nil, unidentified("PCX", "the header ends early")
	}
	le16 := func(o int) int { return int(binary.LittleEndian.Uint16(s[o:])) }
	x0, y0, x1, y1 := le16(4), le16(6), le16(8)+1, le16(10)+1
	if x1 <= x0 || y1 <= y0 {
		return nil, unidentified("PCX", "empty bounding box")
	}
	version := s[1]
	f := &pcxFile{format: "PCX", data: data, start: start, w: x1 - x0, h: y1 - y0,
		bits: int(s[3]), planes: int(s[65]), provided: le16(66)}
	for i := range 256 {
		f.pal[3*i], f.pal[3*i+1], f.pal[3*i+2] = byte(i), byte(i), byte(i)
	}
	switch bits, planes := f.bits, f.planes; {
	case bits == 1 && planes == 1:
		f.mode = "1"
	case bits == 1 && (planes == 2 || planes == 4):
		f.mode = "P"
		copy(f.pal[:], s[16:64])
	case version == 5 && bits == 8 && planes == 1:
		f.mode = "L"
		if len(data) < 769 {
			return nil, errorf("PCX", Truncated, "truncated PCX: an 8-bit file shorter than its 769-byte palette")
		}
		if t := data[len(data)-769:]; t[0] == 12 {
			for i := range 256 {
				if t[3*i+1] != byte(i) || t[3*i+2] != byte(i) || t[3*i+3] != byte(i) {
					f.mode = "P"
					copy(f.pal[:], t[1:])
					break
				}
			}
		}
	case version == 5 && bits == 8 && planes == 3:
		f.mode = "RGB"
	default:
		return nil, errorf("PCX", Corrupt, "invalid PCX: unknown layout (version %d, %d bits, %d planes)", version, bits, planes)
	}
	return f, nil
}

func (f *pcxFile) header() Header {
	return Header{Format: f.format, Mode: f.mode, Width: f.w, Height: f.h}
}

func (f *pcxFile) pixels(lim budget) (*rgb.Image, error) {
	img, err := f.decode(lim)
	return img, withFormat(err, f.format)
}

// decode is PcxImageFile's load: PcxDecode.c's RLE from offset 128 of the
// page (8-bit data: of the file), then the unpacker.
func (f *pcxFile) decode(lim budget) (*rgb.Image, error) {
	data, start, mode, w, h, bits, planes := f.data, f.start, f.mode, f.w, f.h, f.bits, f.planes
	pal := &f.pal
	stride := (w*bits + 7) / 8
	if f.provided != stride {
		stride += stride % 2
	}
	rowBytes := planes * stride // state->bytes

	// Each 2-byte run gives at most 63 bytes: refuse before allocating what
	// the data cannot fill.
	src := data[min(start+128, len(data)):]
	if bits == 8 && planes == 1 {
		// After reading the palette _open seeks to 128 of the file, not of
		// the page: a DCX's 8-bit page is read from the page table on.
		src = data[min(128, len(data)):]
	}
	if int64(len(src))*32 < int64(rowBytes)*int64(h) {
		return nil, errorf("PCX", Truncated, "truncated PCX: the file ends before the last row")
	}
	img := &rgb.Image{W: w, H: h, Pix: make([]byte, 3*w*h)}
	buf := make([]byte, rowBytes)
	x, y, p, overrun := 0, 0, 0, false
	for y < h {
		if p >= len(src) {
			return nil, errorf("PCX", Truncated, "truncated PCX: the file ends before the last row")
		}
		if c := src[p]; c&0xc0 == 0xc0 {
			if p+1 >= len(src) {
				return nil, errorf("PCX", Truncated, "truncated PCX: the file ends before the last row")
			}
			n := int(c & 0x3f)
			if x+n > rowBytes {
				n, overrun = rowBytes-x, true
			}
			for i := range n {
				buf[x+i] = src[p+1]
			}
			x += n
			p += 2
		} else {
			buf[x] = c
			x++
			p++
		}
		if x >= rowBytes {
			if rowBytes%w != 0 && rowBytes > w {
				bands := rowBytes / w
				bs := rowBytes / bands
				for i := 1; i < bands; i++ { // skipping the first band
					copy(buf[i*w:i*w+w], buf[i*bs:i*bs+w])
				}
			}
			pcxRow(img.Pix[3*w*y:3*w*(y+1)], buf, mode, planes, pal)
			x = 0
			y++
			if err := lim.stopped(); err != nil {
				return nil, err
			}
		}
	}
	if overrun {
		return nil, errorf("PCX", Corrupt, "invalid PCX: an RLE run overflows a row (buffer overrun)")
	}
	return img, nil
}

// pcxRow unpacks one decoded row (unpack1, unpackP2L/P4L, copy1, unpackRGBL)
// and converts it to RGB.
func pcxRow(out, buf []byte, mode string, planes int, pal *[256 * 3]byte) {
	w := len(out) / 3
	for i := range w {
		var v int
		switch mode {
		case "1":
			if buf[i/8]&(0x80>>(i%8)) != 0 {
				v = 255
			}
		case "P":
			if planes == 1 {
				v = int(buf[i])
				break
			}
			s, j, m := (w+7)/8, i/8, byte(0x80>>(i%8))
			for k := range planes {
				if buf[j+k*s]&m != 0 {
					v |= 1 << k
				}
			}
			copy(out[3*i:3*i+3], pal[3*v:3*v+3])
			continue
		case "L":
			v = int(buf[i])
		case "RGB":
			out[3*i], out[3*i+1], out[3*i+2] = buf[i], buf[i+w], buf[i+2*w]
			continue
		}
		if mode == "P" {
			copy(out[3*i:3*i+3], pal[3*v:3*v+3])
		} else {
			out[3*i], out[3*i+1], out[3*i+2] = byte(v), byte(v), byte(v)
		}
	}
}

// pcxAccept is PcxImagePlugin._accept on at least two bytes.
func pcxAccept(b []byte) bool {
	return b[0] == 0x0a && (b[1] == 0 || b[1] == 2 || b[1] == 3 || b[1] == 5)
}

// openDCX is DcxImagePlugin: a table of up to 1024 page offsets (ended by
// 0) after the magic, and Image.open gives page 0, read by PcxImageFile
// from its offset. A table cut short (struct.error) or empty (seek(0)'s
// EOFError) is declined.
func openDCX(data []byte, _ rules) (opened, error) {
	if len(data) < 8 {
		return nil, unidentified("DCX", "the page table ends early")
	}
	first := binary.LittleEndian.Uint32(data[4:])
	if first == 0 { // seek(0): EOFError, which ImageFile turns into SyntaxError
		return nil, unidentified("DCX", "no pages")
	}
	for i := 1; i < 1024; i++ { // the rest of the table is read too
		p := 4 + 4*i
		if p+4 > len(data) {
			return nil, unidentified("DCX", "the page table ends early")
		}
		if binary.LittleEndian.Uint32(data[p:]) == 0 {
			break
		}
	}
	f, err := openPCXAt(data, int(min(first, math.MaxInt32)))
	if err != nil {
		return nil, withFormat(err, "DCX")
	}
	f.format = "DCX"
	return f, nil
}
