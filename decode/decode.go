// Package decode turns encoded image files into the RGB pixels that
// Pillow's Image.open(f).convert("RGB") gives (parity-spec §1).
//
// Formats are recognised by content, not by file name, in the order
// Pillow 9.4's Image.open tries its readers; a reader that declines a file
// the way Pillow's does (SyntaxError and the like) passes it on, TGA last.
// JPEG goes through libjpeg-turbo exactly as Pillow drives it; PNG through
// a port of Pillow's chunk walk and ZipDecode.c; TIFF through a port of
// TiffImagePlugin's raw path and of libtiff's decoding (JPEG-in-TIFF via
// libjpeg set up as libtiff sets it up); WebP through libwebp's
// WebPAnimDecoder as in Pillow. GIF, BMP, DIB, CUR, ICO, PBM/PGM/PPM,
// PCX, DCX and TGA follow Pillow's own readers step by step, quirks
// included. What Pillow reads but this package cannot reproduce exactly
// (some TIFF variants; JPEG 2000, PSD and other formats) is refused with
// an Unsupported error rather than approximated.
package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/torchgo/predict/rgb"
)

// Kind classifies decode failures.
type Kind int

const (
	NotImage    Kind = iota + 1 // no known image signature
	Unsupported                 // a known format this package does not decode (exactly)
	Corrupt                     // the data is damaged or invalid
	Truncated                   // the data ends early
	TooLarge                    // above the decompression-bomb limit
)

func (k Kind) String() string {
	switch k {
	case NotImage:
		return "not an image"
	case Unsupported:
		return "unsupported"
	case Corrupt:
		return "corrupt"
	case Truncated:
		return "truncated"
	case TooLarge:
		return "too large"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// FormatError is a decode failure. Format is the detected format ("" when
// none was recognised). Like every type of this package it is a plain
// value; the package's functions are safe for concurrent use.
type FormatError struct {
	Format string
	Kind   Kind
	Msg    string
}

func (e *FormatError) Error() string { return e.Msg }

// Is lets errors.Is(err, decode.ErrUnsupported) etc. match on Kind.
func (e *FormatError) Is(target error) bool {
	t, ok := target.(*FormatError)
	return ok && t.Format == "" && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is: they match any FormatError of their Kind.
var (
	ErrNotImage    error = &FormatError{Kind: NotImage}
	ErrUnsupported error = &FormatError{Kind: Unsupported}
	ErrCorrupt     error = &FormatError{Kind: Corrupt}
	ErrTruncated   error = &FormatError{Kind: Truncated}
	ErrTooLarge    error = &FormatError{Kind: TooLarge}
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
		return &FormatError{Format: format, Kind: Corrupt, Msg: fmt.Sprintf("invalid %s: size %dx%d", format, w, h)}
	}
	// w > max/h rather than w*h > max: two 32-bit sizes can overflow int64.
	if max := l.maxPixels(); max > 0 && int64(w) > max/int64(h) {
		return &FormatError{Format: format, Kind: TooLarge, Msg: fmt.Sprintf(
			"image is %dx%d, above the %d-pixel limit (possible decompression bomb)", w, h, max)}
	}
	return nil
}

// budget is what one decode may spend: pixels (the caller's Limits) and
// time (until the caller's context is done). Decoders report the image's
// size to size() where Pillow learns it, before any pixel buffer exists,
// check stopped() in their row loops and hand stop to the C ones.
type budget struct {
	Limits
	stop  *stopFlag
	probe *Header      // Config: header() records the header here and ends the decode
	notes *decodeNotes // what a decoder learnt that a later step needs
}

// decodeNotes is what decoders leave for the steps after them: a PNG's
// text chunks, whose reading depends on how far the decode went, for the
// EXIF orientation.
type decodeNotes struct {
	png *pngInfo
}

// errProbed ends a decode that Config runs for its header only.
var errProbed = errors.New("decode: header read")

// size is where a decoder has the image's mode and size from its header:
// the decompression-bomb check, then the end of the road for Config.
func (b budget) size(format, mode string, w, h int) error {
	if err := b.check(format, w, h); err != nil {
		return err
	}
	return b.header(format, mode, w, h)
}

// header ends a Config decode with the image's mode and size; a no-op
// otherwise. Decoders whose bomb check is on another size than the
// image's (ICO) call it apart from check.
func (b budget) header(format, mode string, w, h int) error {
	if b.probe == nil {
		return nil
	}
	*b.probe = Header{Format: format, Mode: mode, Width: w, Height: h}
	return errProbed
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

// Config reads the header of an image file held in memory as Bytes
// would, through the same readers in Pillow's order, stopping where the
// pixels would be allocated: what it refuses Bytes refuses too, and a
// Header it returns may still fail to decode (data cut short, say). No
// pixel limit applies; compare the size yourself.
func Config(data []byte) (Header, error) {
	var h Header
	_, err := decodeBytes(data, budget{Limits: Limits{MaxPixels: -1}, probe: &h})
	if err == errProbed {
		if sig := sniff(data); sig.format != "" && h.Format != "TGA" {
			h.Format = sig.format // a frame's reader (PNG in ICO, PCX in DCX) speaks for its container
		}
		return h, nil
	}
	if err == nil { // cannot happen: every reader reports a size first
		err = &FormatError{Kind: Corrupt, Msg: "no image size in the header"}
	}
	return Header{}, err
}

// PeakBytes bounds the memory a decode of such a file holds at its peak,
// its RGB result included: the RGB image, and what the format's decoder
// holds beside it (PNG's raw rows of up to 8 bytes a pixel, libjpeg's
// coefficients for a progressive JPEG, libwebp's RGBA canvas, a TIFF's
// oriented copy, the other readers' raw rows or indices).
func (h Header) PeakBytes() int64 {
	px := int64(h.Width) * int64(h.Height)
	extra := map[string]int64{
		"PNG": 8, "ICO": 8, "JPEG": 6, "WebP": 4, "TIFF": 4, "TGA": 4,
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

// signature identifies a format by its leading bytes; decode is nil for a
// format recognised only to be refused as unsupported.
type signature struct {
	format string
	match  func([]byte) bool
	decode func([]byte, budget) (*rgb.Image, error)
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

var signatures = []signature{
	{"JPEG", prefix("\xff\xd8\xff"), decodeJPEG},
	{"PNG", prefix("\x89PNG\r\n\x1a\n"), decodePNG},
	{"GIF", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}, decodeGIF},
	{"WebP", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }, decodeWebP},
	{"BMP", prefix("BM"), decodeBMP},
	{"DIB", func(b []byte) bool {
		if len(b) < 4 {
			return false
		}
		switch binary.LittleEndian.Uint32(b) {
		case 12, 40, 64, 108, 124:
			return true
		}
		return false
	}, decodeDIB},
	{"CUR", prefix("\x00\x00\x02\x00"), decodeCUR},
	{"TIFF", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}, decodeTIFF},
	{"ICO", prefix("\x00\x00\x01\x00"), decodeICO},
	{"JPEG 2000", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")) || bytes.HasPrefix(b, []byte("\xff\x4f\xff\x51"))
	}, nil},
	{"PSD", prefix("8BPS"), nil},
	{"QOI", prefix("qoif"), nil},
	// Other formats Pillow 9.4 reads, recognised by their readers' _accept
	// only to be named in the error. Their magic numbers cannot start a
	// TGA header (byte 1, the colour-map type, is 0 or 1 there).
	{"BLP", func(b []byte) bool { return bytes.HasPrefix(b, []byte("BLP1")) || bytes.HasPrefix(b, []byte("BLP2")) }, nil},
	{"DDS", prefix("DDS "), nil},
	{"EPS", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("%!PS")) || bytes.HasPrefix(b, []byte("\xc5\xd0\xd3\xc6"))
	}, nil},
	{"FITS", prefix("SIMPLE"), nil},
	{"FTEX", prefix("FTEX"), nil},
	{"ICNS", prefix("icns"), nil},
	{"MSP", func(b []byte) bool { return bytes.HasPrefix(b, []byte("DanM")) || bytes.HasPrefix(b, []byte("LinS")) }, nil},
	{"SGI", prefix("\x01\xda"), nil},
	{"SUN", prefix("\x59\xa6\x6a\x95"), nil},
	{"XBM", func(b []byte) bool { // XbmImagePlugin: the 16-byte prefix, left-stripped
		return bytes.HasPrefix(bytes.TrimLeft(b[:min(16, len(b))], " \t\n\r\v\f"), []byte("#define"))
	}, nil},
	{"XPM", prefix("/* XPM */"), nil},
	{"XVThumb", prefix("P7 332"), nil},
	// Pillow's PpmImagePlugin._accept: "P1".."P7" (and "Pf"); PcxImagePlugin:
	// 0x0A then a version byte it knows.
	// Pillow 9.4 accepts "P0".."P6" and "Py"; P7 (PAM) and Pf it does not
	// read (they are refused either way).
	{"PPM", func(b []byte) bool {
		return len(b) >= 2 && b[0] == 'P' && (b[1] >= '0' && b[1] <= '7' || b[1] == 'f' || b[1] == 'y')
	}, decodePPM},
	{"PCX", func(b []byte) bool { return len(b) >= 2 && pcxAccept(b) }, decodePCX},
	{"DCX", prefix("\xb1\x68\xde\x3a"), decodeDCX},
}

// Sniff names the format of data from its signature, or "".
func Sniff(data []byte) string {
	return sniff(data).format
}

func sniff(data []byte) signature {
	for _, s := range signatures {
		if s.match(data) {
			return s
		}
	}
	return signature{}
}

// Bytes decodes an image file held in memory.
func Bytes(data []byte, lim Limits) (*rgb.Image, error) {
	return decodeBytes(data, budget{Limits: lim})
}

func decodeBytes(data []byte, lim budget) (*rgb.Image, error) {
	if len(data) == 0 {
		return nil, &FormatError{Kind: NotImage, Msg: "empty file"}
	}
	switch sig := sniff(data); {
	case sig.decode != nil:
		img, err := sig.decode(data, lim)
		if d, ok := err.(declined); ok {
			return decodeLastResort(data, lim, d.FormatError)
		}
		return img, err
	case sig.format == "":
		// Pillow's last resort: the plugins without a signature, TGA (tga.go).
		return decodeLastResort(data, lim, &FormatError{Kind: NotImage, Msg: "not an image (no known image signature)"})
	default:
		return nil, &FormatError{Format: sig.format, Kind: Unsupported, Msg: "unsupported format: " + sig.format +
			" (JPEG, PNG, GIF, WebP, BMP, ICO, CUR, PBM/PGM/PPM, PCX, TGA and TIFF decode exactly like Pillow)"}
	}
}

// declined marks a header failure that Pillow's reader raises as
// SyntaxError, IndexError, TypeError or struct.error: Image.open then tries
// its other readers, TGA last (decodeLastResort), before giving up with
// "cannot identify image file".
type declined struct{ *FormatError }

func (e declined) Unwrap() error { return e.FormatError }

// unidentified is format's reader declining a file: Pillow says "cannot
// identify image file" unless a reader tried after it takes the file.
func unidentified(format, reason string, args ...any) error {
	return declined{&FormatError{Format: format, Kind: NotImage,
		Msg: "not an image: Pillow cannot identify this " + format + " file (" + fmt.Sprintf(reason, args...) + ")"}}
}

// withFormat renames a decode error for the container format it came from
// (a DIB in a CUR, a PCX page in a DCX), keeping whether it is declined.
func withFormat(err error, format string) error {
	switch e := err.(type) {
	case declined:
		f := *e.FormatError
		f.Format = format
		return declined{&f}
	case *FormatError:
		f := *e
		f.Format = format
		return &f
	}
	return err
}

// KindOf reports the Kind of a decode error anywhere in err's chain, or 0.
func KindOf(err error) Kind {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return 0
}
