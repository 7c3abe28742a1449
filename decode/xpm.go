package decode

import (
	"bytes"
	"regexp"

	"github.com/torchgo/predict/rgb"
)

// X11 pixmaps as far as Pillow 9.4 reads them (XpmImagePlugin, then
// convert("RGB")), line by line as its readline() calls go:
//
//   - after "/* XPM */", the first line starting `"W H NCOLORS CPP` is the
//     header (no such line: SyntaxError, the file declined); an empty
//     number, more than 256 colours or more than one character per pixel
//     is "cannot read this XPM file";
//   - then NCOLORS lines, each: its second byte is the key, bytes 2 to -2
//     split on whitespace, the value after the first "c" is "None"
//     (black: the palette's default) or "#" and a number Python's
//     int(…, 16) reads, of which the low 24 bits are the colour; a colour
//     name, a bad number or no "c" is "cannot read this XPM file", a line
//     too short or a "c" without value declines the file (IndexError);
//   - then H lines, bytes 1 to W+1 of each as keys, padded with spaces:
//     a line's quote, comma and newline are pixels when W says so, and
//     missing lines are all spaces, so a cut file still reads.

var xpmHeader = regexp.MustCompile(`\A"([0-9]*) ([0-9]*) ([0-9]*) ([0-9]*)`)

// xpmFile is an opened pixmap: size, palette, where the rows start.
type xpmFile struct {
	data  []byte
	w, h  int
	pal   [256 * 3]byte
	start int
}

func openXPM(data []byte, _ rules) (opened, error) {
	pos := 9 // after the signature _accept read
	var m [][]byte
	for m == nil {
		line := pyReadline(data, &pos)
		if len(line) == 0 {
			return nil, unidentified("XPM", "broken XPM file: no header line")
		}
		m = xpmHeader.FindSubmatch(line)
	}
	for _, g := range m[1:] {
		if len(g) == 0 {
			return nil, errorf("XPM", Corrupt, "invalid XPM: cannot read this XPM file: an empty number in the header")
		}
	}
	colours, cpp := pyIntSize(m[3]), pyIntSize(m[4])
	if colours > 256 || cpp != 1 {
		return nil, errorf("XPM", Corrupt, "invalid XPM: cannot read this XPM file: %d colours of %d characters (Pillow reads at most 256 of 1)", colours, cpp)
	}
	f := &xpmFile{data: data, w: pyIntSize(m[1]), h: pyIntSize(m[2])}
	for range colours {
		line := pyReadline(data, &pos)
		switch {
		case bytes.HasSuffix(line, []byte("\r\n")):
			line = line[:len(line)-2]
		case len(line) == 0 || line[len(line)-1] == '\r' || line[len(line)-1] == '\n':
			line = line[:max(len(line)-1, 0)]
		}
		if len(line) < 2 {
			return nil, unidentified("XPM", "a colour line too short for its key")
		}
		key := line[1]
		fields := pySplit(line[2:max(len(line)-2, 2)])
		found := false
		for i := 0; i < len(fields) && !found; i += 2 {
			if string(fields[i]) != "c" {
				continue
			}
			if i+1 >= len(fields) {
				return nil, unidentified("XPM", "a colour key without a value")
			}
			found = true
			v := fields[i+1]
			switch {
			case string(v) == "None":
			case len(v) > 0 && v[0] == '#':
				c, ok := pyHexLow24(v[1:])
				if !ok {
					return nil, errorf("XPM", Corrupt, "invalid XPM: cannot read this XPM file: colour %q", v)
				}
				f.pal[3*int(key)], f.pal[3*int(key)+1], f.pal[3*int(key)+2] = byte(c>>16), byte(c>>8), byte(c)
			default:
				return nil, errorf("XPM", Corrupt, "invalid XPM: cannot read this XPM file: colour %q (Pillow reads #RRGGBB and None only)", v)
			}
		}
		if !found {
			return nil, errorf("XPM", Corrupt, "invalid XPM: cannot read this XPM file: a colour line without a c key")
		}
	}
	f.start = pos
	return f, nil
}

func (f *xpmFile) header() Header {
	return Header{Format: "XPM", Mode: "P", Width: f.w, Height: f.h}
}

func (f *xpmFile) pixels(lim budget) (*rgb.Image, error) {
	img := rgb.New(f.w, f.h)
	pos := f.start
	for y := range f.h {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		line := pyReadline(f.data, &pos)
		keys := line[min(1, len(line)):min(f.w+1, len(line))]
		out := img.Pix[3*f.w*y : 3*f.w*(y+1)]
		for x := range f.w {
			k := byte(' ') // ljust
			if x < len(keys) {
				k = keys[x]
			}
			copy(out[3*x:3*x+3], f.pal[3*int(k):3*int(k)+3])
		}
	}
	return img, nil
}

// pyReadline is fp.readline() at *pos over data: up to and including the
// next newline, or what is left.
func pyReadline(data []byte, pos *int) []byte {
	rest := data[min(*pos, len(data)):]
	n := bytes.IndexByte(rest, '\n') + 1
	if n == 0 {
		n = len(rest)
	}
	*pos += n
	return rest[:n]
}

// pyHexLow24 is the low 24 bits of Python's int(s, 16), two's complement
// for a negative number: an optional sign, an optional 0x (with one
// underscore after it allowed), hex digits with single underscores
// between them. ok is false where Python raises ValueError.
func pyHexLow24(s []byte) (uint32, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
		if len(s) > 1 && s[0] == '_' {
			s = s[1:]
		}
	}
	if len(s) == 0 || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var v uint32
	for i, c := range s {
		if c == '_' {
			if s[i-1] == '_' {
				return 0, false
			}
			continue
		}
		d, ok := hexValue(c)
		if !ok {
			return 0, false
		}
		v = (v<<4 | uint32(d)) & 0xffffff
	}
	if neg {
		v = -v & 0xffffff
	}
	return v, true
}
