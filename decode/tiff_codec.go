package decode

/*
#cgo LDFLAGS: -l:libdeflate.a
#include "tiff_zip.h"
*/
import "C"

import "unsafe"

// tiffDecompress fills out exactly, as libtiff's decoders do, or fails
// where they report "Not enough data".
func tiffDecompress(compression int, in, out []byte) error {
	short := func() error {
		return errorf("TIFF", Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
	}
	// A run or string crossing the end of a strip or tile: libtiff clips
	// it with a warning; no encoder writes one, so it is not reproduced.
	overrun := func() error {
		return errorf("TIFF", Unsupported, "unsupported TIFF variant: compressed run past the end of a strip or tile")
	}
	switch compression {
	case 32773: // PackBits (libtiff PackBitsDecode)
		o := 0
		for o < len(out) {
			if len(in) == 0 {
				return short()
			}
			n := int(int8(in[0]))
			in = in[1:]
			switch {
			case n == -128:
			case n < 0:
				if len(in) == 0 {
					return short()
				}
				if -n+1 > len(out)-o {
					return overrun()
				}
				k := -n + 1
				for j := 0; j < k; j++ {
					out[o+j] = in[0]
				}
				o += k
				in = in[1:]
			default:
				k := n + 1
				if k > len(out)-o {
					return overrun()
				}
				if len(in) < k {
					return short()
				}
				copy(out[o:], in[:k])
				o += k
				in = in[k:]
			}
		}
		return nil
	case 8, 32946:
		return tiffInflate(in, out, short)
	case 5:
		return tiffLZW(in, out, overrun)
	}
	return errorf("TIFF", Unsupported, "unsupported TIFF compression (%d)", compression)
}

// tiffLZW is libtiff's LZWDecode (new-style, MSB-first codes, the code
// width growing one code early).
func tiffLZW(in, out []byte, overrun func() error) error {
	if len(in) >= 2 && in[0] == 0 && in[1]&1 == 1 {
		return errorf("TIFF", Unsupported, "unsupported TIFF variant: old-style LZW")
	}
	const clear, eoi = 256, 257
	var prefix [4096]uint16
	var suffix, first [4096]byte
	var length [4096]uint16
	for i := 0; i < 256; i++ {
		suffix[i], first[i], length[i] = byte(i), byte(i), 1
	}
	bad := func() error { return errorf("TIFF", Corrupt, "invalid TIFF: corrupt LZW data") }
	var acc uint64
	nacc := 0
	pos, o := 0, 0
	width := 9
	next := 258
	old := -2 // no Clear code yet: libtiff requires one first
	for o < len(out) {
		for nacc < width && pos < len(in) {
			acc = acc<<8 | uint64(in[pos])
			pos++
			nacc += 8
		}
		if nacc < width {
			return errorf("TIFF", Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
		}
		code := int(acc>>(nacc-width)) & (1<<width - 1)
		nacc -= width
		switch {
		case code == clear:
			width, next, old = 9, 258, -1
			continue
		case code == eoi:
			return errorf("TIFF", Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
		case old == -2:
			return bad()
		case old < 0:
			if code > 255 {
				return bad()
			}
			out[o] = byte(code)
			o++
			old = code
			continue
		}
		if code > next || next >= 4096 {
			return errorf("TIFF", Unsupported, "unsupported TIFF variant: LZW code %d past the table", code)
		}
		// New entry: old's string + first char of code's string (or of old's
		// when code is the entry being defined).
		fc := first[old]
		if code < next {
			fc = first[code]
		}
		prefix[next], suffix[next], first[next], length[next] = uint16(old), fc, first[old], length[old]+1
		next++
		// Emit code's string, clipped at the end of out.
		end := o + int(length[code])
		if end > len(out) {
			return overrun()
		}
		c := code
		for p := end - 1; p >= o; p-- {
			out[p] = suffix[c]
			c = int(prefix[c])
		}
		o = end
		old = code
		if next+1 >= 1<<width && width < 12 {
			width++
		}
	}
	return nil
}

// tiffInflate is libtiff's ZIPDecode on one whole strip or tile
// (tiff_zip.c: libdeflate, as Debian's libtiff uses it).
func tiffInflate(in, out []byte, short func() error) error {
	if len(out) == 0 {
		return nil
	}
	var inp *C.uint8_t
	if len(in) > 0 {
		inp = (*C.uint8_t)(unsafe.Pointer(&in[0]))
	}
	switch C.tz_inflate(inp, C.size_t(len(in)), (*C.uint8_t)(unsafe.Pointer(&out[0])), C.size_t(len(out))) {
	case C.TZ_OK:
		return nil
	case C.TZ_SHORT:
		return short()
	case C.TZ_MEMORY:
		return errorf("TIFF", Corrupt, "TIFF: out of memory for the Deflate decoder")
	case C.TZ_PARTIAL:
		return errorf("TIFF", Unsupported, "unsupported TIFF variant: corrupt Deflate data that libtiff "+
			"decodes only in part (Pillow keeps stale memory for the rest)")
	}
	return errorf("TIFF", Corrupt, "invalid TIFF: corrupt Deflate data")
}
