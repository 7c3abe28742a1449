package decode

import (
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// GIMP brushes exactly as Pillow 9.4 reads them (GbrImagePlugin, then
// convert("RGB")): a big-endian header of header size, version (1 or 2),
// width, height and bytes per pixel (1: mode L, 4: RGBA); version 2 then
// "GIMP" and the spacing; the comment up to the header size; then width ×
// height × bytes of pixels, row by row. L becomes grey RGB, RGBA drops its
// alpha.
//
// _open's SyntaxErrors and struct.errors (a header cut short, a zero
// size, a colour depth other than 1 or 4, a version-2 magic other than
// "GIMP") decline the file, as Image.open moves on to the next reader.
// A version-2 header size under 28 makes _open's comment read
// fp.read(negative), which reads to the end, so no pixel data is left:
// load's "not enough image data". Data past the pixels is ignored.

// gbrFile is an opened brush: where its pixels start.
type gbrFile struct {
	data        []byte
	w, h, depth int
	start       int
}

func openGBR(data []byte, _ rules) (opened, error) {
	be32 := func(o int) (uint32, bool) {
		if o+4 > len(data) {
			return 0, false // i32(fp.read(4)) of fewer bytes: struct.error
		}
		return binary.BigEndian.Uint32(data[o:]), true
	}
	size, _ := be32(0)
	version, _ := be32(4)
	if size < 20 || (version != 1 && version != 2) { // _accept's test
		return nil, unidentified("GBR", "no GIMP brush header")
	}
	w, okW := be32(8)
	h, okH := be32(12)
	depth, okD := be32(16)
	switch {
	case !okW || !okH || !okD:
		return nil, unidentified("GBR", "the header ends early")
	case w == 0 || h == 0:
		return nil, unidentified("GBR", "empty brush")
	case depth != 1 && depth != 4:
		return nil, unidentified("GBR", "unsupported colour depth %d", depth)
	}
	f := &gbrFile{data: data, w: int(w), h: int(h), depth: int(depth), start: int(min(int64(size), int64(len(data))))}
	if version == 2 {
		if len(data) < 24 || string(data[20:24]) != "GIMP" {
			return nil, unidentified("GBR", "bad magic number")
		}
		if _, ok := be32(24); !ok {
			return nil, unidentified("GBR", "the header ends early")
		}
		if size < 28 {
			f.start = len(data) // fp.read(size-28) read everything
		}
	}
	return f, nil
}

func (f *gbrFile) header() Header {
	mode := "L"
	if f.depth == 4 {
		mode = "RGBA"
	}
	return Header{Format: "GBR", Mode: mode, Width: f.w, Height: f.h}
}

func (f *gbrFile) pixels(lim budget) (*rgb.Image, error) {
	src := f.data[f.start:]
	if int64(len(src)) < int64(f.w)*int64(f.h)*int64(f.depth) {
		return nil, errorf("GBR", Truncated, "truncated GBR: not enough image data")
	}
	img := rgb.New(f.w, f.h)
	for y := range f.h {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		row := src[y*f.w*f.depth:]
		out := img.Pix[y*3*f.w : (y+1)*3*f.w]
		for x := range f.w {
			if f.depth == 1 {
				v := row[x]
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			} else {
				copy(out[3*x:3*x+3], row[4*x:4*x+3])
			}
		}
	}
	return img, nil
}
