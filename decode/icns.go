package decode

import (
	"bytes"
	"encoding/binary"

	"github.com/torchgo/predict/rgb"
)

// Apple icon files exactly as Pillow 9.4's IcnsImagePlugin reads them,
// then convert("RGB"):
//
//   - IcnsFile.__init__ walks the big-endian (type, length) blocks up to
//     the length the file header states; a later block of a type replaces
//     an earlier one. A block length of 0, or a block header cut short,
//     declines the file, as do files without any of the types below.
//   - The size read is the largest (width, height, scale) for which one
//     of its types is present, in IcnsFile.SIZES; every type of that
//     size that is present is then read, in SIZES' order, and any of them
//     failing fails the image.
//   - A PNG entry ("ic07".."ic14", "icp4".."icp6") is PngImagePlugin
//     reading the file from the entry's start on, its length not
//     consulted; it becomes the image, in its own mode, and its size must
//     be one the file has an entry for. A JPEG
//     2000 entry is OpenJPEG's in Pillow and refused here.
//   - Otherwise the colour entry ("is32", "il32", "ih32"; "it32" after 4
//     zero bytes) is raw RGB when its length is exactly 3 × width ×
//     height, else three planes of Apple's PackBits variant read from the
//     entry's start on; the mask entry ("s8mk" ...) becomes alpha, which
//     convert("RGB") drops, but a mask cut short still fails the image.

// icnsReader is what IcnsFile.dataforsize does with one entry type.
type icnsReader int

const (
	icnsPNG  icnsReader = iota // read_png_or_jpeg2000
	icnsRGB                    // read_32
	icnsRGBT                   // read_32t: 4 zero bytes, then read_32
	icnsMask                   // read_mk
)

type icnsType struct {
	code   string
	reader icnsReader
}

type icnsSize struct {
	w, h, scale int
	types       []icnsType
}

// icnsSizes is IcnsFile.SIZES ordered by Python's tuple comparison,
// largest first: bestsize is the first one with an entry present.
var icnsSizes = []icnsSize{
	{512, 512, 2, []icnsType{{"ic10", icnsPNG}}},
	{512, 512, 1, []icnsType{{"ic09", icnsPNG}}},
	{256, 256, 2, []icnsType{{"ic14", icnsPNG}}},
	{256, 256, 1, []icnsType{{"ic08", icnsPNG}}},
	{128, 128, 2, []icnsType{{"ic13", icnsPNG}}},
	{128, 128, 1, []icnsType{{"ic07", icnsPNG}, {"it32", icnsRGBT}, {"t8mk", icnsMask}}},
	{64, 64, 1, []icnsType{{"icp6", icnsPNG}}},
	{48, 48, 1, []icnsType{{"ih32", icnsRGB}, {"h8mk", icnsMask}}},
	{32, 32, 2, []icnsType{{"ic12", icnsPNG}}},
	{32, 32, 1, []icnsType{{"icp5", icnsPNG}, {"il32", icnsRGB}, {"l8mk", icnsMask}}},
	{16, 16, 2, []icnsType{{"ic11", icnsPNG}}},
	{16, 16, 1, []icnsType{{"icp4", icnsPNG}, {"is32", icnsRGB}, {"s8mk", icnsMask}}},
}

// icnsEntry is a block as IcnsFile records it: where its data starts (past
// the end of the file if the blocks say so) and its length, which is
// negative for a block shorter than its own header.
type icnsEntry struct {
	start, length int64
}

type icnsFile struct {
	data    []byte
	size    icnsSize
	entries map[string]icnsEntry
	png     *pngInfo // the PNG entry of the size read, if it opened
	pngErr  error    // its failure, raised at load as Pillow does
	pngCode string
}

func openICNS(data []byte, _ rules) (opened, error) {
	if len(data) < 8 {
		return nil, unidentified("ICNS", "the file ends inside the header") // struct.error
	}
	total := int64(binary.BigEndian.Uint32(data[4:]))
	entries := map[string]icnsEntry{}
	for i := int64(8); i < total; {
		if i+8 > int64(len(data)) {
			return nil, unidentified("ICNS", "the file ends inside a block header at offset %d", i)
		}
		code := string(data[i : i+4])
		n := int64(binary.BigEndian.Uint32(data[i+4:]))
		if n == 0 {
			return nil, unidentified("ICNS", "invalid block header at offset %d", i)
		}
		if icnsKnown(code) { // nothing else is ever looked up
			entries[code] = icnsEntry{start: i + 8, length: n - 8}
		}
		i += n
	}
	f := &icnsFile{data: data, entries: entries}
	found := false
	for _, s := range icnsSizes {
		for _, t := range s.types {
			if _, ok := entries[t.code]; ok {
				found = true
			}
		}
		if found {
			f.size = s
			break
		}
	}
	if !found {
		return nil, unidentified("ICNS", "no 32-bit icon resources")
	}
	for _, t := range f.size.types {
		e, ok := entries[t.code]
		if t.reader != icnsPNG || !ok {
			continue
		}
		f.pngCode = t.code
		f.png, f.pngErr = f.openPNG(t.code, e)
	}
	return f, nil
}

func icnsKnown(code string) bool {
	for _, s := range icnsSizes {
		for _, t := range s.types {
			if t.code == code {
				return true
			}
		}
	}
	return false
}

// openPNG is read_png_or_jpeg2000 up to PngImageFile's _open.
func (f *icnsFile) openPNG(code string, e icnsEntry) (*pngInfo, error) {
	var rest []byte
	if e.start <= int64(len(f.data)) {
		rest = f.data[e.start:]
	}
	switch {
	case bytes.HasPrefix(rest, pngSignature):
		p, err := pngOpen(rest)
		if err != nil {
			return nil, f.entryError(code, e, err)
		}
		return p, nil
	case bytes.HasPrefix(rest, []byte("\xff\x4f\xff\x51")), bytes.HasPrefix(rest, []byte("\x0d\x0a\x87\x0a")),
		bytes.HasPrefix(rest, []byte("\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a")):
		return nil, errorf("ICNS", Unsupported, "unsupported ICNS entry: %q at offset %d is JPEG 2000, which Pillow reads through OpenJPEG and this package does not decode", code, e.start)
	}
	return nil, errorf("ICNS", Corrupt, "invalid ICNS: entry %q at offset %d is neither PNG nor JPEG 2000", code, e.start)
}

// entryError names the ICNS entry a PNG error came from, keeping its kind.
func (f *icnsFile) entryError(code string, e icnsEntry, err error) error {
	fe, ok := err.(*FormatError)
	if !ok {
		return err
	}
	return errorf("ICNS", fe.Kind, "%s (the ICNS's PNG entry %q, at offset %d)", fe.Msg, code, e.start)
}

// header: Image.open's mode, RGBA, and the size of what loads: the PNG
// entry's own size (one the file lists, never above the size read) where
// that entry opened, else the size read.
func (f *icnsFile) header() Header {
	h := Header{Format: "ICNS", Mode: "RGBA", Width: f.size.w * f.size.scale, Height: f.size.h * f.size.scale}
	if f.png != nil && f.listsSize(f.png.width, f.png.height) {
		h.Width, h.Height = f.png.width, f.png.height
	}
	return h
}

// checkSize is Image.open's decompression-bomb check on the size read,
// then read_png_or_jpeg2000's on the PNG entry's.
func (f *icnsFile) checkSize(l Limits) error {
	if err := l.check("ICNS", f.size.w*f.size.scale, f.size.h*f.size.scale); err != nil {
		return err
	}
	if f.png != nil {
		return l.check("ICNS", f.png.width, f.png.height)
	}
	return nil
}

// pixels is IcnsFile.getimage, then convert("RGB").
func (f *icnsFile) pixels(lim budget) (*rgb.Image, error) {
	w, h := f.size.w*f.size.scale, f.size.h*f.size.scale
	var colour *rgb.Image
	hasColour := false
	for _, t := range f.size.types {
		e, ok := f.entries[t.code]
		if !ok {
			continue
		}
		switch t.reader {
		case icnsPNG:
			if f.pngErr != nil {
				return nil, f.pngErr
			}
		case icnsRGBT:
			if e.start < 0 || e.start+4 > int64(len(f.data)) || string(f.data[e.start:e.start+4]) != "\x00\x00\x00\x00" {
				return nil, errorf("ICNS", Corrupt, "invalid ICNS: entry %q does not start with 4 zero bytes", t.code)
			}
			e = icnsEntry{start: e.start + 4, length: e.length - 4}
			fallthrough
		case icnsRGB:
			if colour == nil {
				colour = rgb.New(w, h)
			}
			if err := f.readRGB(t.code, e, colour); err != nil {
				return nil, err
			}
			hasColour = true
		case icnsMask:
			if e.start+int64(w*h) > int64(len(f.data)) {
				return nil, errorf("ICNS", Truncated, "truncated ICNS: mask %q needs %d bytes at offset %d", t.code, w*h, e.start)
			}
		}
	}
	if f.png != nil {
		// IcnsImageFile.load ends with self.size = im.size, whose setter
		// refuses a size the file has no entry for ("This is not one of
		// the allowed sizes of this image"). Pillow decodes the PNG first;
		// the verdict is the same when its size is checked before, and
		// the pixels decoded stay within the size read.
		if !f.listsSize(f.png.width, f.png.height) {
			return nil, errorf("ICNS", Corrupt, "invalid ICNS: PNG entry %q is %dx%d, not one of the icon sizes the file holds", f.pngCode, f.png.width, f.png.height)
		}
		img, err := f.png.pixels(lim)
		if err != nil {
			return nil, f.entryError(f.pngCode, f.entries[f.pngCode], err)
		}
		return img, nil
	}
	if !hasColour {
		// channels.get("RGB").copy() on None: AttributeError.
		return nil, errorf("ICNS", Corrupt, "invalid ICNS: the %dx%d icon has a mask and no colour entry", w, h)
	}
	return colour, nil
}

// listsSize is the size setter's test: w×h is the pixel size of one of
// the sizes the file has an entry for (info["sizes"]).
func (f *icnsFile) listsSize(w, h int) bool {
	for _, s := range icnsSizes {
		for _, t := range s.types {
			if _, ok := f.entries[t.code]; ok && s.w*s.scale == w && s.h*s.scale == h {
				return true
			}
		}
	}
	return false
}

// readRGB is read_32 into img: raw RGB when the entry's length is exactly
// that of the pixels, else one PackBits-like plane per channel, read on
// from the entry's start whatever its length says. A plane must end on a
// run's end.
func (f *icnsFile) readRGB(code string, e icnsEntry, img *rgb.Image) error {
	n := int64(img.W) * int64(img.H)
	data := f.data
	if e.length == 3*n {
		if e.start+e.length > int64(len(data)) {
			return errorf("ICNS", Truncated, "truncated ICNS: entry %q: not enough image data", code)
		}
		copy(img.Pix, data[e.start:e.start+e.length])
		return nil
	}
	pos := min(e.start, int64(len(data)))
	plane := make([]byte, 0, n)
	for band := range 3 {
		plane = plane[:0]
		left := n
		for left > 0 && pos < int64(len(data)) {
			b := data[pos]
			pos++
			var run int64
			if b&0x80 != 0 {
				run = int64(b) - 125
				if pos < int64(len(data)) {
					for range run {
						plane = append(plane, data[pos])
					}
					pos++
				}
			} else {
				run = int64(b) + 1
				end := min(pos+run, int64(len(data)))
				plane = append(plane, data[pos:end]...)
				pos = end
			}
			left -= run
		}
		if left < 0 {
			return errorf("ICNS", Corrupt, "invalid ICNS: entry %q: a run overflows channel %d by %d bytes", code, band, -left)
		}
		if left > 0 || int64(len(plane)) < n {
			return errorf("ICNS", Truncated, "truncated ICNS: entry %q ends in channel %d", code, band)
		}
		for i, v := range plane {
			img.Pix[3*i+band] = v
		}
	}
	return nil
}
