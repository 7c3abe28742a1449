package decode

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Pillow 9.4's reading of EXIF data, as Image.Exif.load and
// TiffImagePlugin.ImageFileDirectory_v2 do it, for the few tags that
// change what a decode gives: Orientation (0x0112, ImageOps.exif_transpose)
// and, in a JPEG, ResolutionUnit and XResolution (0x0128, 0x011A), whose
// reading during Image.open can end it. Values come out as the Python
// types Pillow gives (pyValue); the failures as the exception Python
// raises (exifFailure).

// exifFailure is a Python exception raised while reading EXIF data.
type exifFailure int

const (
	exifOK          exifFailure = iota
	exifSyntaxError             // "not a TIFF file": a header Pillow does not accept
	exifStructError             // struct.error: a header too short, or BigTIFF
	exifTypeError               // TypeError: EXIF data that is text, not bytes
	exifValueError              // ValueError: a "Raw profile type exif" that is not hex
)

// pyKind is the Python type of a tag's value.
type pyKind int

const (
	kindInt      pyKind = iota + 1 // SHORT, LONG, SBYTE, SSHORT, SLONG, IFD, LONG8
	kindFloat                      // FLOAT, DOUBLE
	kindRational                   // RATIONAL, SRATIONAL: IFDRational
	kindBytes                      // BYTE, UNDEFINED
	kindStr                        // ASCII
)

// pyValue is one tag's value after ImageFileDirectory_v2.__getitem__ and
// Exif._fixup: the first of several numbers (the tags read here are
// specified with one value, so _setitem keeps the first), or the whole
// bytes or text.
type pyValue struct {
	kind     pyKind
	num      float64 // kindInt, kindFloat; a rational's value
	den      float64 // kindRational: the denominator (0: NaN)
	raw      []byte  // kindBytes
	str      []rune  // kindStr, decoded as latin-1
	integral bool    // num is an exact integer (int, or a float/rational equal to one)
}

// tiffTypes are ImageFileDirectory_v2._load_dispatch: value size by type;
// other types are skipped.
var tiffTypes = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8}

// pyIFD is an ImageFileDirectory_v2 after load: each tag's type and raw
// data, the last entry of a tag winning.
type pyIFD struct {
	order binary.ByteOrder
	tags  map[uint16]pyEntry
}

type pyEntry struct {
	typ  uint16
	data []byte
}

// tiffPrefixes are TiffImagePlugin.PREFIXES: the valid headers, the two
// with swapped bytes Pillow accepts anyway, and BigTIFF's.
var tiffPrefixes = []string{"MM\x00\x2a", "II\x2a\x00", "MM\x2a\x00", "II\x00\x2a", "MM\x00\x2b", "II\x2b\x00"}

// exifHeader is ImageFileDirectory_v2(ifh): the byte order and the first
// IFD's offset from an 8-byte header.
func exifHeader(head []byte) (binary.ByteOrder, uint32, exifFailure) {
	ok := false
	for _, p := range tiffPrefixes {
		ok = ok || bytes.HasPrefix(head, []byte(p))
	}
	if !ok {
		return nil, 0, exifSyntaxError
	}
	var order binary.ByteOrder = binary.LittleEndian
	if head[0] == 'M' {
		order = binary.BigEndian
	}
	if head[2] == 0x2b || len(head) < 8 { // BigTIFF unpacks ifh[8:], empty: struct.error
		return nil, 0, exifStructError
	}
	return order, order.Uint32(head[4:]), exifOK
}

// exifLoad is Image.Exif.load(data): one "Exif\0\0" prefix dropped, empty
// data is no tags, else the header and the IFD it points to.
func exifLoad(data []byte) (*pyIFD, exifFailure) {
	data = bytes.TrimPrefix(data, []byte("Exif\x00\x00"))
	if len(data) == 0 {
		return &pyIFD{}, exifOK
	}
	order, next, f := exifHeader(data[:min(8, len(data))])
	if f != exifOK {
		return nil, f
	}
	return loadIFD(data, order, int64(next)), exifOK
}

// loadIFD is ImageFileDirectory_v2.load at offset off of data (any offset:
// one past the end gives no tags). A short read ends it, keeping the tags
// read so far; so does a value out of line that runs past the end.
func loadIFD(data []byte, order binary.ByteOrder, off int64) *pyIFD {
	d := &pyIFD{order: order, tags: map[uint16]pyEntry{}}
	read := func(n int64) []byte {
		if off < 0 || off+n > int64(len(data)) {
			return nil
		}
		b := data[off : off+n]
		off += n
		return b
	}
	c := read(2)
	if c == nil {
		return d
	}
	for range int(order.Uint16(c)) {
		e := read(12)
		if e == nil {
			return d
		}
		tag, typ, count := order.Uint16(e), order.Uint16(e[2:]), int64(order.Uint32(e[4:]))
		unit, known := tiffTypes[typ]
		if !known {
			continue
		}
		size := count * int64(unit)
		value := e[8 : 8+min(size, 4)]
		if size > 4 {
			at := int64(order.Uint32(e[8:]))
			if at+size > int64(len(data)) { // _safe_read: OSError, the load ends
				return d
			}
			value = data[at : at+size]
		}
		if size == 0 {
			continue
		}
		d.tags[tag] = pyEntry{typ, value}
	}
	return d
}

// get is the tag's value as Exif.__getitem__ returns it, if present.
func (d *pyIFD) get(tag uint16) (pyValue, bool) {
	e, ok := d.tags[tag]
	if !ok {
		return pyValue{}, false
	}
	o := d.order
	switch e.typ {
	case 1, 7:
		return pyValue{kind: kindBytes, raw: e.data}, true
	case 2:
		s := bytes.TrimSuffix(e.data, []byte{0})
		r := make([]rune, len(s)) // latin-1
		for i, b := range s {
			r[i] = rune(b)
		}
		return pyValue{kind: kindStr, str: r}, true
	case 5, 10:
		num, den := float64(o.Uint32(e.data)), float64(o.Uint32(e.data[4:]))
		if e.typ == 10 {
			num, den = float64(int32(o.Uint32(e.data))), float64(int32(o.Uint32(e.data[4:])))
		}
		v := pyValue{kind: kindRational, num: math.NaN(), den: den}
		if den != 0 {
			v.num = num / den
			v.integral = math.Mod(num, den) == 0
		}
		return v, true
	case 11:
		f := float64(math.Float32frombits(o.Uint32(e.data)))
		return pyValue{kind: kindFloat, num: f, integral: f == math.Trunc(f)}, true
	case 12:
		f := math.Float64frombits(o.Uint64(e.data))
		return pyValue{kind: kindFloat, num: f, integral: f == math.Trunc(f)}, true
	}
	var n float64
	switch e.typ {
	case 3:
		n = float64(o.Uint16(e.data))
	case 4, 13:
		n = float64(o.Uint32(e.data))
	case 6:
		n = float64(int8(e.data[0]))
	case 8:
		n = float64(int16(o.Uint16(e.data)))
	case 9:
		n = float64(int32(o.Uint32(e.data)))
	case 16:
		n = float64(o.Uint64(e.data))
	}
	return pyValue{kind: kindInt, num: n, integral: true}, true
}

// transposeOf is ImageOps.exif_transpose's method for an orientation
// value: {2: ..., 8: ...}.get(value), which matches ints, floats and
// rationals equal to 2..8 and nothing else; 1 for none.
func transposeOf(v pyValue, present bool) int {
	if !present || v.kind == kindBytes || v.kind == kindStr || !v.integral || v.num < 2 || v.num > 8 {
		return 1
	}
	return int(v.num)
}

// dpiFromExifFails is JpegImagePlugin.APP's "if DPI isn't in JPEG header,
// fetch from EXIF": true when it raises what its except clause does not
// catch, which ends Image.open (ImageFile turns struct.error and
// IndexError into SyntaxError: the file is not identified). From Pillow
// 10.1 the clause catches struct.error too (r.jpegTruncatedEXIF).
func dpiFromExifFails(ifd *pyIFD, f exifFailure, r rules) bool {
	if f == exifStructError {
		return !r.jpegTruncatedEXIF
	}
	if f != exifOK {
		return false // SyntaxError: caught
	}
	if _, ok := ifd.get(0x0128); !ok {
		return false // KeyError
	}
	x, ok := ifd.get(0x011a)
	if !ok {
		return false
	}
	// dpi = float(x_resolution[0]) / x_resolution[1]
	switch x.kind {
	case kindBytes:
		return len(x.raw) < 2 // x_resolution[1]: IndexError
	case kindStr:
		if len(x.str) == 0 {
			return true // x_resolution[0]: IndexError
		}
		// float() of a one-character string: ValueError unless a digit,
		// then x_resolution[1] is IndexError, or a string: TypeError.
		return x.str[0] >= '0' && x.str[0] <= '9' && len(x.str) == 1
	}
	return false // numbers: TypeError, then math.isnan: caught or fine
}
