package decode

import (
	"bytes"
	"math"

	"github.com/torchgo/predict/rgb"
)

// PBM/PGM/PPM exactly as Pillow 9.4's PpmImagePlugin reads them: the header
// tokens as PpmImageFile._read_magic/_read_token split them (comments
// may even sit inside a token), then, by magic number and maxval,
//
//   - P4 (raw "1;I"), P5 with maxval 255 (raw L) or 65535 (raw I;16B), P6
//     with maxval 255 (raw RGB): the bytes as they are;
//   - P5/P6 with any other maxval: PpmDecoder, each sample (1 byte below 256,
//     else 2 big-endian) scaled as min(out_max, round(v/maxval*out_max));
//   - P1/P2/P3: PpmPlainDecoder, read in 1 MiB blocks, comments removed,
//     tokens scaled as round(v/maxval*out_max) (v > maxval is an error);
//
// out_max is 65535 when maxval > 255 makes a P2/P5 image mode I (then
// convert("RGB") clips to 255), else 255. Python's round is half to even.
//
// Pillow's extensions read the same way through the raw decoder or
// PpmDecoder: P0CMYK and PyCMYK (4-band CMYK, then Convert.c cmyk2rgb), PyP
// (mode P with no palette: the initial grey ramp, so the index is the
// grey) and PyRGBA (alpha dropped).

func ppmInvalid(format string, args ...any) error {
	return errorf("PPM", Corrupt, "invalid PPM: "+format, args...)
}

// ppmWhitespace is PpmImagePlugin.b_whitespace, which is also what
// bytes.split() and bytes.isspace() use.
func ppmSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// ppmFile is an opened PPM: what PpmImageFile._open read.
type ppmFile struct {
	data      []byte
	magic     string
	w, h      int
	maxval    int // 0 for P1/P4
	mode      string
	offset    int // tile offset
	plain     bool
	scaled    bool // PpmDecoder (P5/P6 with an unusual maxval)
	sixteenBE bool // P5 maxval 65535: raw I;16B
}

// openPPM is PpmImageFile._open.
func openPPM(data []byte, _ rules) (opened, error) {
	pos := 0
	read1 := func() (byte, bool) {
		if pos >= len(data) {
			return 0, false
		}
		pos++
		return data[pos-1], true
	}
	// _read_magic: up to 6 bytes, until whitespace or EOF.
	var magic []byte
	for i := 0; i < 6; i++ {
		c, ok := read1()
		if !ok || ppmSpace(c) {
			break
		}
		magic = append(magic, c)
	}
	h := &ppmFile{data: data, magic: string(magic)}
	switch h.magic {
	case "P1", "P4":
		h.mode = "1"
	case "P2", "P5":
		h.mode = "L"
	case "P3", "P6":
		h.mode = "RGB"
	case "P0CMYK", "PyCMYK":
		h.mode = "CMYK"
	case "PyP":
		h.mode = "P"
	case "PyRGBA":
		h.mode = "RGBA"
	default:
		return nil, errorf("PPM", Corrupt, "invalid PPM: unknown magic number %q", h.magic)
	}
	h.plain = h.magic == "P1" || h.magic == "P2" || h.magic == "P3"
	readToken := func() ([]byte, error) {
		var tok []byte
		for len(tok) <= 10 {
			c, ok := read1()
			if !ok {
				break
			}
			if ppmSpace(c) {
				if len(tok) == 0 {
					continue
				}
				break
			}
			if c == '#' {
				// Up to CR, LF or EOF (read(1) == b"" is "in" b"\r\n").
				for {
					c, ok := read1()
					if !ok || c == '\r' || c == '\n' {
						break
					}
				}
				continue
			}
			tok = append(tok, c)
		}
		if len(tok) == 0 {
			return nil, errorf("PPM", Truncated, "truncated PPM: the file ends inside the header")
		}
		if len(tok) > 10 {
			return nil, ppmInvalid("header token too long")
		}
		return tok, nil
	}
	for ix := 0; ix < 3; ix++ {
		tok, err := readToken()
		if err != nil {
			return nil, err
		}
		v, ok := pyInt(tok)
		if !ok {
			return nil, ppmInvalid("header token %q is not a number", tok)
		}
		switch ix {
		case 0:
			h.w = int(max(min(v, math.MaxInt32), math.MinInt32))
		case 1:
			h.h = int(max(min(v, math.MaxInt32), math.MinInt32))
		case 2:
			if v <= 0 || v >= 65536 {
				return nil, ppmInvalid("maxval must be greater than 0 and less than 65536")
			}
			h.maxval = int(v)
		}
		if ix == 1 && h.mode == "1" {
			break
		}
	}
	if h.maxval > 255 && h.mode == "L" {
		h.mode = "I"
	}
	if !h.plain && h.mode != "1" {
		if h.maxval == 65535 && h.magic == "P5" {
			h.sixteenBE = true
		} else if h.maxval != 255 {
			h.scaled = true
		}
	}
	h.offset = pos
	return h, nil
}

func (h *ppmFile) header() Header {
	return Header{Format: "PPM", Mode: h.mode, Width: h.w, Height: h.h}
}

func (h *ppmFile) pixels(lim budget) (*rgb.Image, error) {
	img, err := h.decodeSamples(lim.rules)
	if err == nil && h.mode == "P" {
		// P with no palette: each index through rules.paletteBase (the
		// grey ramp, so the index is the grey, up to Pillow 10.0).
		base := lim.rules.paletteBase()
		for i := 0; i < len(img.Pix); i += 3 {
			copy(img.Pix[i:i+3], base[img.Pix[i]][:])
		}
	}
	return img, err
}

// decodeSamples reads the samples into RGB, a P image's indices as grey.
func (h *ppmFile) decodeSamples(r rules) (*rgb.Image, error) {
	data := h.data
	bands := ppmBands[h.mode]
	n := int64(h.w) * int64(h.h) // pixels
	rest := data[min(h.offset, len(data)):]
	short := func() error {
		return errorf("PPM", Truncated, "truncated PPM: not enough image data")
	}
	// Every sample takes at least one byte of the file (P4: one bit): a
	// file too short for its size is refused before the image exists.
	minBytes := n * int64(bands)
	if h.magic == "P4" {
		minBytes = int64((h.w+7)/8) * int64(h.h)
	} else if (h.sixteenBE || h.scaled) && h.maxval > 255 {
		minBytes *= 2
	}
	if h.plain && h.mode != "1" {
		return ppmPlain(rest, h, bands, int(n), r)
	}
	if int64(len(rest)) < minBytes {
		return nil, short()
	}
	out := rgb.New(h.w, h.h)
	px := out.Pix
	switch {
	case h.magic == "P4": // raw "1;I": set bits are black
		stride := (h.w + 7) / 8
		for y := 0; y < h.h; y++ {
			row := rest[y*stride:]
			for x := 0; x < h.w; x++ {
				v := byte(255)
				if row[x>>3]&(0x80>>(x&7)) != 0 {
					v = 0
				}
				o := 3 * (y*h.w + x)
				px[o], px[o+1], px[o+2] = v, v, v
			}
		}
	case h.plain && h.mode == "1":
		return ppmPlainBitonal(rest, out)
	case h.sixteenBE: // raw I;16B, then I → RGB clips
		for i := int64(0); i < n; i++ {
			v := clip16(rest[2*i], rest[2*i+1])
			px[3*i], px[3*i+1], px[3*i+2] = v, v, v
		}
	case bands == 4: // CMYK or RGBA, raw or through PpmDecoder
		ppmFourBands(rest, h, n, px)
	case h.scaled: // PpmDecoder
		outMax := 255.0
		if h.mode == "I" {
			outMax = 65535
		}
		for i := int64(0); i < n*int64(bands); i++ {
			b := byte(min(ppmScaled(rest, h.maxval, i, outMax), 255)) // mode I → RGB clips; L/RGB are ≤ 255
			if bands == 1 {
				px[3*i], px[3*i+1], px[3*i+2] = b, b, b
			} else {
				px[i] = b
			}
		}
	case bands == 1: // raw L
		for i := int64(0); i < n; i++ {
			v := rest[i]
			px[3*i], px[3*i+1], px[3*i+2] = v, v, v
		}
	default: // raw RGB
		copy(px, rest[:3*n])
	}
	return out, nil
}

// ppmBands is Image.getmodebands for the modes a PPM opens as.
var ppmBands = map[string]int{"1": 1, "L": 1, "I": 1, "P": 1, "RGB": 3, "CMYK": 4, "RGBA": 4}

// ppmScaled is PpmDecoder's sample i: one byte below maxval 256, else two
// big-endian, scaled as min(out_max, round(v/maxval*out_max)).
func ppmScaled(rest []byte, maxval int, i int64, outMax float64) float64 {
	var v int
	if maxval > 255 {
		v = int(rest[2*i])<<8 | int(rest[2*i+1])
	} else {
		v = int(rest[i])
	}
	return math.Min(outMax, math.RoundToEven(float64(v)/float64(maxval)*outMax))
}

// ppmFourBands converts raw or PpmDecoder-scaled CMYK/RGBA samples to RGB.
func ppmFourBands(rest []byte, h *ppmFile, n int64, px []byte) {
	var s [4]byte
	for i := int64(0); i < n; i++ {
		for b := int64(0); b < 4; b++ {
			if h.scaled {
				s[b] = byte(ppmScaled(rest, h.maxval, 4*i+b, 255))
			} else {
				s[b] = rest[4*i+b]
			}
		}
		if h.mode == "CMYK" {
			s[0], s[1], s[2] = cmykToRGB(s[0], s[1], s[2], s[3])
		}
		copy(px[3*i:3*i+3], s[:3])
	}
}

// ppmSplit is bytes.split() with no argument: runs of ASCII whitespace.
func ppmSplit(b []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); {
		for i < len(b) && ppmSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !ppmSpace(b[j]) {
			j++
		}
		if j > i {
			out = append(out, b[i:j])
		}
		i = j
	}
	return out
}

// ppmBlocks hands out the data the way PpmPlainDecoder._read_block does
// (fd.read(SAFEBLOCK)).
type ppmBlocks struct {
	data []byte
	pos  int
}

const pillowSafeBlock = 1 << 20

func (b *ppmBlocks) read() []byte {
	s := b.data[min(b.pos, len(b.data)):min(b.pos+pillowSafeBlock, len(b.data))]
	b.pos += len(s)
	return s
}

// findCommentEnd is PpmPlainDecoder._find_comment_end, quirk included
// (an end at index 0 loses to a later one).
func findCommentEnd(block []byte, start int) int {
	a, b := -1, -1
	if i := bytes.IndexByte(block[start:], '\n'); i >= 0 {
		a = start + i
	}
	if i := bytes.IndexByte(block[start:], '\r'); i >= 0 {
		b = start + i
	}
	if a*b > 0 {
		return min(a, b)
	}
	return max(a, b)
}

// ignoreComments is PpmPlainDecoder._ignore_comments.
func (b *ppmBlocks) ignoreComments(block []byte, spans *bool) []byte {
	if *spans {
		for len(block) > 0 {
			if end := findCommentEnd(block, 0); end != -1 {
				block = block[end+1:]
				break
			}
			block = b.read()
		}
	}
	*spans = false
	var out []byte // copy on first deletion: block aliases the file
	for {
		start := bytes.IndexByte(block, '#')
		if start == -1 {
			break
		}
		end := findCommentEnd(block, start)
		if out == nil {
			out = append([]byte(nil), block...)
			block = out
		}
		if end != -1 {
			block = append(block[:start], block[end+1:]...)
		} else {
			block = block[:start]
			*spans = true
			break
		}
	}
	return block
}

// ppmPlainBitonal is PpmPlainDecoder._decode_bitonal (P1) + "1;8" → RGB.
func ppmPlainBitonal(rest []byte, out *rgb.Image) (*rgb.Image, error) {
	b := &ppmBlocks{data: rest}
	total := out.W * out.H
	got := 0
	spans := false
	for got != total {
		block := b.read()
		if len(block) == 0 {
			break
		}
		block = b.ignoreComments(block, &spans)
		// tokens = b"".join(block.split()): every byte must be 0 or 1,
		// including those past the last pixel.
		for _, c := range block {
			if ppmSpace(c) {
				continue
			}
			if c != '0' && c != '1' {
				return nil, ppmInvalid("invalid token %q for this mode", c)
			}
			if got < total {
				v := byte(0)
				if c == '0' {
					v = 255
				}
				out.Pix[3*got], out.Pix[3*got+1], out.Pix[3*got+2] = v, v, v
				got++
			}
		}
	}
	if got != total {
		return nil, errorf("PPM", Truncated, "truncated PPM: not enough image data")
	}
	return out, nil
}

// ppmPlain is PpmPlainDecoder._decode_blocks (P2, P3) + convert("RGB").
// Pillow 9.4's quirk is kept: half_token, the unfinished token at the end
// of a block, is never cleared once set, so at end of file a file whose
// last token has no whitespace after it repeats that token until the image
// is full (and a stale one is prepended to later blocks); from 9.5 on it
// is used once (r.ppmHalfTokenOnce). The samples are collected as they
// come, so the image is allocated only when complete.
func ppmPlain(rest []byte, h *ppmFile, bands int, lim int, r rules) (*rgb.Image, error) {
	const maxLen = 10
	b := &ppmBlocks{data: rest}
	total := lim * bands
	outMax := 255.0
	if h.mode == "I" {
		outMax = 65535
	}
	m := float64(h.maxval)
	samples := make([]byte, 0, min(total, len(rest)))
	spans := false
	var half []byte // Python's half_token; nil is False
	for len(samples) != total {
		block := b.read()
		eof := len(block) == 0
		if eof {
			if half == nil {
				break
			}
			block = []byte(" ")
		}
		block = b.ignoreComments(block, &spans)
		if half != nil {
			block = append(append([]byte(nil), half...), block...)
			if r.ppmHalfTokenOnce {
				half = nil
			}
		}
		tokens := ppmSplit(block)
		if len(block) > 0 && !ppmSpace(block[len(block)-1]) {
			half = tokens[len(tokens)-1]
			tokens = tokens[:len(tokens)-1]
			if len(half) > maxLen {
				return nil, ppmInvalid("token too long in data")
			}
		}
		before := len(samples)
		for _, tok := range tokens {
			if len(tok) > maxLen {
				return nil, ppmInvalid("token too long in data")
			}
			v, ok := pyInt(tok)
			if !ok {
				return nil, ppmInvalid("non-decimal token %q in data", tok)
			}
			if v < 0 && r.ppmNegative {
				return nil, ppmInvalid("negative channel value %d in data", v)
			}
			if v > int64(h.maxval) {
				return nil, ppmInvalid("channel value too large for this mode: %d", v)
			}
			s := int64(math.RoundToEven(float64(v) / m * outMax))
			var c byte
			if h.mode == "I" {
				if s < 0 {
					// o32le of a negative value: struct.error.
					return nil, ppmInvalid("negative value in data")
				}
				c = byte(min(s, 255)) // I → RGB clips
			} else {
				c = byte(s & 255) // o8
			}
			samples = append(samples, c)
			if len(samples) == total {
				break
			}
		}
		if eof && len(samples) == before+1 && !r.ppmHalfTokenOnce {
			// From here on every pass yields this same token again.
			c := samples[len(samples)-1]
			for len(samples) < total {
				samples = append(samples, c)
			}
		}
	}
	if len(samples) != total {
		return nil, errorf("PPM", Truncated, "truncated PPM: not enough image data")
	}
	out := rgb.New(h.w, h.h)
	if bands == 3 {
		copy(out.Pix, samples)
		return out, nil
	}
	for i, c := range samples {
		out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = c, c, c
	}
	return out, nil
}
