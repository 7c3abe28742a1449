// Package decode turns encoded image files into the RGB pixels that
// Pillow's Image.open(f).convert("RGB") gives (docs/parity-spec.md §1).
//
// Formats are recognised by content, not by file name, in the order
// Pillow 9.4's Image.open tries its readers (formats.go); a reader that
// declines a file the way Pillow's does (SyntaxError and the like) passes
// it on, TGA last (lastresort.go). Each reader opens a file in two steps,
// as Image.open and load do: its header (what Config reports, and the
// decompression-bomb check), then its pixels. JPEG goes through
// libjpeg-turbo exactly as Pillow drives it; PNG through a port of
// Pillow's chunk walk and ZipDecode.c; TIFF through a port of
// TiffImagePlugin's raw path and of libtiff's decoding (JPEG-in-TIFF via
// libjpeg set up as libtiff sets it up); WebP through libwebp's
// WebPAnimDecoder as in Pillow. GIF, BMP, DIB, CUR, ICO, PBM/PGM/PPM,
// PCX, DCX and TGA follow Pillow's own readers step by step, quirks
// included. What Pillow reads but this package cannot reproduce exactly
// (some TIFF variants; JPEG 2000, PSD and other formats) is refused with
// an Unsupported error rather than approximated.
//
// Each format is one file named for it (cur.go is Pillow's
// CurImagePlugin, tiff_*.go the parts of the TIFF reader); the helpers
// the Python-file-like readers share are in pyread.go, errors in
// errors.go (a FormatError of a Kind), EXIF orientation in exif*.go, the
// cancellation the C decoders poll in stop.go.
//
// Every type of this package is a plain value, and its functions are safe
// for concurrent use.
package decode

import (
	"context"

	"github.com/torchgo/predict/rgb"
)

// Limits bounds the pixel count of an image, checked from its header before
// any pixel buffer is allocated. The zero value is Pillow's default policy,
// never "no limit".
type Limits struct {
	// MaxPixels refuses larger images. 0 means Pillow's default
	// (Image.MAX_IMAGE_PIXELS = 89,478,485 raises DecompressionBombError
	// above twice that: DefaultMaxPixels); a negative value means no limit.
	MaxPixels int64
}

// DefaultMaxPixels is Pillow's decompression-bomb threshold: images above
// it are refused (Image.open raises DecompressionBombError).
const DefaultMaxPixels = 2 * 89478485

// maxPixels resolves the zero value: the pixel limit, 0 for none.
func (l Limits) maxPixels() int64 {
	switch {
	case l.MaxPixels == 0:
		return DefaultMaxPixels
	case l.MaxPixels < 0:
		return 0
	}
	return l.MaxPixels
}

// Check applies the limit to a w×h image of no particular format.
func (l Limits) Check(w, h int) error { return l.check("image", w, h) }

func (l Limits) check(format string, w, h int) error {
	if w < 1 || h < 1 {
		return errorf(format, Corrupt, "invalid %s: size %dx%d", format, w, h)
	}
	// w > max/h rather than w*h > max: two 32-bit sizes can overflow int64.
	if max := l.maxPixels(); max > 0 && int64(w) > max/int64(h) {
		return errorf(format, TooLarge, "image is %dx%d, above the %d-pixel limit (possible decompression bomb)", w, h, max)
	}
	return nil
}

// Options configures BytesWith and BytesContext. The zero value decodes as
// Image.open(f).convert("RGB") with Pillow's default limits does.
type Options struct {
	// Limits is the decompression-bomb policy (zero: Pillow's).
	Limits Limits
	// EXIFTranspose applies the EXIF orientation (tag 0x0112, values 2–8)
	// the way ImageOps.exif_transpose does before convert("RGB"). Off by
	// default, as in Pillow's Image.open (docs/parity-spec.md §1).
	EXIFTranspose bool
	// Pillow is the release whose reading rules apply (zero: 9.4).
	Pillow Pillow
}

// Bytes decodes an image file held in memory.
func Bytes(data []byte, lim Limits) (*rgb.Image, error) {
	return BytesContext(context.Background(), data, Options{Limits: lim})
}

// BytesWith decodes an image file held in memory with options.
func BytesWith(data []byte, opts Options) (*rgb.Image, error) {
	return BytesContext(context.Background(), data, opts)
}

// BytesContext is BytesWith giving up soon after ctx is done, with ctx's
// error: the decoders check it row by row (JPEG, PNG, GIF, BMP, TIFF and
// the other row-based formats; WebP only before and after libwebp's
// frame decode), so a server need not finish a decompression bomb whose
// client has left.
func BytesContext(ctx context.Context, data []byte, opts Options) (*rgb.Image, error) {
	stop, done := watch(ctx)
	defer done()
	lim := budget{Limits: opts.Limits, stop: stop, rules: opts.Pillow.rules()}
	if err := lim.stopped(); err != nil {
		return nil, err
	}
	img, o, err := decodeFile(data, lim)
	if serr := lim.stopped(); serr != nil {
		return nil, serr // whatever the decoder made of being stopped
	}
	if err != nil || !opts.EXIFTranspose {
		return img, err
	}
	orient, err := orientation(data, o)
	if err != nil {
		return nil, err
	}
	return Transpose(img, orient), nil
}

// budget is what one decode may spend: pixels (the caller's Limits) and
// time (until the caller's context is done). Readers check stopped() in
// their row loops and hand stop to the C decoders.
type budget struct {
	Limits
	stop  *stopFlag
	rules rules // of the Pillow release followed
}

// opened is a file a reader has opened, as Image.open leaves it: its
// header, and the rest of the decode (ImageFile.load, then
// convert("RGB")), which may consume the reader's state: pixels runs at
// most once. A reader whose decompression-bomb check is not on its
// header's size (an ICO checks a bitmap frame's both halves) implements
// bombChecker too.
type opened interface {
	header() Header
	pixels(lim budget) (*rgb.Image, error)
}

type bombChecker interface {
	checkSize(Limits) error
}

// decodeFile is Image.open then load: open the file (openFile), check its
// size, read its pixels. A reader that declines the file after opening it
// (an ICO whose PNG frame fails) sends it to the readers tried last, as
// Image.open does. The opened file comes back too, for what the pixels
// step learnt (a PNG's text chunks).
func decodeFile(data []byte, lim budget) (*rgb.Image, opened, error) {
	o, err := openFile(data, lim.rules)
	if err != nil {
		return nil, nil, err
	}
	img, err := load(o, lim)
	if d, ok := err.(declined); ok {
		if o, err = openLastResort(data, d.FormatError, lim.rules); err != nil {
			return nil, nil, err
		}
		img, err = load(o, lim)
	}
	return img, o, err
}

// load is the decompression-bomb check, before any pixel buffer exists,
// then the pixels.
func load(o opened, lim budget) (*rgb.Image, error) {
	var err error
	if b, ok := o.(bombChecker); ok {
		err = b.checkSize(lim.Limits)
	} else {
		h := o.header()
		err = lim.check(h.Format, h.Width, h.Height)
	}
	if err != nil {
		return nil, err
	}
	return o.pixels(lim)
}

// Header is what an image file's header says, read without decoding any
// pixel: the format, the mode Pillow's Image.open gives it ("RGB", "L",
// "P", "RGBA", "CMYK", ...; "" where this package does not work it out:
// TIFF, WebP) and its size before any orientation is applied.
type Header struct {
	Format        string
	Mode          string
	Width, Height int
}

// Config reads the header of an image file held in memory, through the
// same readers as Bytes in Pillow's order: what it refuses Bytes refuses
// too, and a Header it returns may still fail to decode (data cut short,
// say). No pixel limit applies; compare the size yourself.
func Config(data []byte) (Header, error) {
	return ConfigWith(data, Options{})
}

// ConfigWith is Config under opts' Pillow release (its Limits and
// EXIFTranspose do not apply: the size is the file's, unturned).
func ConfigWith(data []byte, opts Options) (Header, error) {
	o, err := openFile(data, opts.Pillow.rules())
	if err != nil {
		return Header{}, err
	}
	h := o.header()
	if err := (Limits{MaxPixels: -1}).check(h.Format, h.Width, h.Height); err != nil {
		return Header{}, err // an empty image, which Bytes refuses too
	}
	return h, nil
}

// PeakBytes bounds the memory a decode of such a file holds at its peak,
// its RGB result included: the RGB image, and what the format's decoder
// holds beside it (PNG's raw rows of up to 8 bytes a pixel, libjpeg's
// coefficients for a progressive JPEG, libwebp's RGBA canvas, a TIFF's
// oriented copy, the other readers' raw rows or indices).
func (h Header) PeakBytes() int64 {
	px := int64(h.Width) * int64(h.Height)
	extra := map[string]int64{
		"PNG": 8, "ICO": 8, "ICNS": 8, "JPEG": 6, "WebP": 4, "TIFF": 4, "TGA": 4,
		"GIF": 1, "BMP": 1, "DIB": 1, "CUR": 1, "PCX": 1, "DCX": 1, "PPM": 0,
	}[h.Format]
	if h.Format == "PNG" { // raw rows by mode, 16-bit samples assumed where the mode allows
		extra = map[string]int64{"1": 1, "L": 1, "P": 1, "I": 2, "LA": 2, "RGB": 6}[h.Mode]
		if extra == 0 {
			extra = 8
		}
	}
	return px * (3 + extra)
}
