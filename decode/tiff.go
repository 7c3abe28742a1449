package decode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/torchgo/predict/rgb"
)

// TIFF exactly as Pillow 9.4's TiffImagePlugin reads the first page
// (TiffImageFile._open / _setup; uncompressed data through ImageFile.load's
// raw decoder, everything else through libtiff in _load_libtiff), then
// convert("RGB"). Decoded here:
//
//   - classic TIFF, both byte orders, first IFD only; strips or tiles,
//     planar configuration 1 (chunky), fill order 1, unsigned samples,
//     no Orientation tag (or Orientation 1: Pillow transposes others);
//   - compression none (1), PackBits (32773), LZW (5, the TIFF variant
//     with early code-width change; old-style LSB-first LZW is refused),
//     Deflate (8 and 32946); horizontal predictor (2) on 8-bit samples of
//     compressed data (libtiff undoes it per row; Pillow's raw decoder
//     ignores Predictor on uncompressed data, and so do we);
//   - the OPEN_INFO layouts: bilevel (1 bit, MinIsWhite "1;I" or
//     MinIsBlack "1"), 8-bit grey (MinIsWhite inverted "L;I"), grey+alpha
//     (LA), RGB, RGB with one or more extra samples (RGBX, unassociated
//     alpha RGBA, missing ExtraSamples), palette (1/2/4/8 bits, and PA);
//     ColorMap entries are 16-bit, Pillow keeps v // 256.
//
// Everything else — 2/4-bit grey, 16-bit and float samples, CMYK, YCbCr,
// JPEG/CCITT/other compressions, associated (premultiplied) alpha, planar
// configuration 2, fill order 2, orientation, unexpected strip or tile
// counts, tags of unexpected types, BigTIFF — is refused as Unsupported.
// Missing or damaged data (an offset past the end of the file, a strip that
// decompresses short) is refused as Truncated or Corrupt: Pillow raises too
// (libtiff's "Not enough data" / read errors, the raw decoder's "image file
// is truncated").

func tiffError(kind Kind, format string, args ...any) error {
	return &FormatError{Format: "TIFF", Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

type tiffEntry struct {
	typ    uint16
	values []uint64
}

const (
	tagWidth        = 256
	tagHeight       = 257
	tagBPS          = 258
	tagCompression  = 259
	tagPhotometric  = 262
	tagFillOrder    = 266
	tagStripOffsets = 273
	tagOrientation  = 274
	tagSPP          = 277
	tagRowsPerStrip = 278
	tagStripCounts  = 279
	tagPlanar       = 284
	tagPredictor    = 317
	tagColorMap     = 320
	tagTileWidth    = 322
	tagTileLength   = 323
	tagTileOffsets  = 324
	tagTileCounts   = 325
	tagExtraSamples = 338
	tagSampleFormat = 339
)

// tiffTags are the tags whose values we interpret; they must be SHORT or
// LONG (BYTE is also accepted where libtiff and Pillow agree, never here).
var tiffTags = map[uint16]bool{
	tagWidth: true, tagHeight: true, tagBPS: true, tagCompression: true, tagPhotometric: true,
	tagFillOrder: true, tagStripOffsets: true, tagOrientation: true, tagSPP: true,
	tagRowsPerStrip: true, tagStripCounts: true, tagPlanar: true, tagPredictor: true,
	tagColorMap: true, tagTileWidth: true, tagTileLength: true, tagTileOffsets: true,
	tagTileCounts: true, tagExtraSamples: true, tagSampleFormat: true,
}

func tiffParseIFD(data []byte) (map[uint16]tiffEntry, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	if len(data) < 8 {
		return nil, tiffError(Truncated, "truncated TIFF: the file ends inside the header")
	}
	off := uint64(bo.Uint32(data[4:]))
	if off+2 > uint64(len(data)) {
		return nil, tiffError(Truncated, "truncated TIFF: the first IFD is past the end of the file")
	}
	n := uint64(bo.Uint16(data[off:]))
	if off+2+12*n > uint64(len(data)) {
		return nil, tiffError(Truncated, "truncated TIFF: the file ends inside the first IFD")
	}
	tags := map[uint16]tiffEntry{}
	for i := uint64(0); i < n; i++ {
		e := data[off+2+12*i : off+14+12*i]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), uint64(bo.Uint32(e[4:]))
		if tag == 0xBC01 {
			return nil, tiffError(Unsupported, "unsupported TIFF variant (Windows Media Photo)")
		}
		if !tiffTags[tag] {
			continue
		}
		if _, dup := tags[tag]; dup {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: tag %d appears twice", tag)
		}
		var size uint64
		switch typ {
		case 3:
			size = 2
		case 4:
			size = 4
		default:
			return nil, tiffError(Unsupported, "unsupported TIFF variant: tag %d has type %d", tag, typ)
		}
		if count == 0 || count > 1<<24 {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: tag %d has %d values", tag, count)
		}
		raw := e[8:12]
		if count*size > 4 {
			p := uint64(bo.Uint32(e[8:]))
			if p+count*size > uint64(len(data)) {
				return nil, tiffError(Truncated, "truncated TIFF: tag %d's values are past the end of the file", tag)
			}
			raw = data[p : p+count*size]
		}
		vals := make([]uint64, count)
		for j := range vals {
			if size == 2 {
				vals[j] = uint64(bo.Uint16(raw[2*j:]))
			} else {
				vals[j] = uint64(bo.Uint32(raw[4*j:]))
			}
		}
		tags[tag] = tiffEntry{typ, vals}
	}
	return tags, nil
}

type tiffLayout struct {
	w, h        int
	bits, spp   int
	photo       int
	compression int
	predictor   int
	palette     []byte // 256*3 RGB for palette images
	invert      bool
}

func decodeTIFF(data []byte, lim Limits) (*rgb.Image, error) {
	tags, err := tiffParseIFD(data)
	if err != nil {
		return nil, err
	}
	one := func(tag uint16, def uint64) (uint64, bool) {
		e, ok := tags[tag]
		if !ok {
			return def, true
		}
		return e.values[0], len(e.values) == 1
	}
	get := func(tag uint16, def uint64) (int, error) {
		v, ok := one(tag, def)
		if !ok || v > 1<<31 {
			return 0, tiffError(Unsupported, "unsupported TIFF variant: tag %d value", tag)
		}
		return int(v), nil
	}
	wE, okW := tags[tagWidth]
	hE, okH := tags[tagHeight]
	if !okW || !okH || len(wE.values) != 1 || len(hE.values) != 1 {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: no single ImageWidth/ImageLength")
	}
	L := tiffLayout{}
	L.w, L.h = int(wE.values[0]), int(hE.values[0])
	if err := lim.check("TIFF", L.w, L.h); err != nil {
		return nil, err
	}
	var ints [7]int
	for i, td := range []struct {
		tag uint16
		def uint64
	}{{tagCompression, 1}, {tagPlanar, 1}, {tagFillOrder, 1}, {tagOrientation, 1}, {tagPredictor, 1}, {tagSPP, 1}, {tagPhotometric, 99}} {
		if ints[i], err = get(td.tag, td.def); err != nil {
			return nil, err
		}
	}
	L.compression, L.spp, L.photo = ints[0], ints[5], ints[6]
	L.predictor = ints[4]
	switch {
	case L.photo == 99:
		return nil, tiffError(Unsupported, "unsupported TIFF variant: no PhotometricInterpretation")
	case ints[1] != 1:
		return nil, tiffError(Unsupported, "unsupported TIFF variant: planar configuration %d", ints[1])
	case ints[2] != 1:
		return nil, tiffError(Unsupported, "unsupported TIFF variant: fill order %d", ints[2])
	case ints[3] != 1:
		return nil, tiffError(Unsupported, "unsupported TIFF variant: orientation %d", ints[3])
	}
	switch L.compression {
	case 1, 5, 8, 32946, 32773:
	default:
		return nil, tiffError(Unsupported, "unsupported TIFF compression (%d)", L.compression)
	}
	if e, ok := tags[tagSampleFormat]; ok {
		for _, v := range e.values {
			if v != 1 {
				return nil, tiffError(Unsupported, "unsupported TIFF sample format (%d)", v)
			}
		}
	}
	// Pillow's bits-per-sample normalisation.
	bps := []uint64{1}
	if e, ok := tags[tagBPS]; ok {
		bps = e.values
	}
	if L.spp < len(bps) {
		bps = bps[:L.spp]
	} else if L.spp > len(bps) && len(bps) == 1 {
		for len(bps) < L.spp {
			bps = append(bps, bps[0])
		}
	}
	if len(bps) != L.spp || L.spp < 1 || L.spp > 6 {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: %d samples per pixel", L.spp)
	}
	for _, b := range bps {
		if b != bps[0] {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: mixed bits per sample")
		}
	}
	L.bits = int(bps[0])
	var extra []uint64
	if e, ok := tags[tagExtraSamples]; ok {
		extra = e.values
	}
	base := 1
	if L.photo == 2 {
		base = 3
	}
	if base+len(extra) != L.spp && !(L.photo == 2 && L.spp == 4 && len(extra) == 0) {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: %d samples with %d extra samples", L.spp, len(extra))
	}
	for i, x := range extra {
		// Associated alpha (1) is unpremultiplied by Pillow: not reproduced.
		if !(x == 0 || x == 2 && i == 0) {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: extra sample type %d", x)
		}
	}
	switch {
	case (L.photo == 0 || L.photo == 1) && L.spp == 1 && (L.bits == 1 || L.bits == 8):
		L.invert = L.photo == 0
	case L.photo == 1 && L.spp == 2 && L.bits == 8 && len(extra) == 1 && extra[0] == 2: // LA
	case L.photo == 2 && L.bits == 8 && L.spp <= 4 || L.photo == 2 && L.bits == 8 && len(extra) == L.spp-3:
	case L.photo == 3 && (L.spp == 1 && (L.bits == 1 || L.bits == 2 || L.bits == 4 || L.bits == 8) ||
		L.spp == 2 && L.bits == 8 && len(extra) == 1 && extra[0] == 2):
		cm, ok := tags[tagColorMap]
		n := 1 << L.bits
		if !ok || len(cm.values) != 3*n {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: palette without a %d-entry ColorMap", n)
		}
		L.palette = make([]byte, 256*3)
		for i := 0; i < 256; i++ { // Pillow's default palette: a grey ramp
			L.palette[3*i], L.palette[3*i+1], L.palette[3*i+2] = byte(i), byte(i), byte(i)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < 3; c++ {
				L.palette[3*i+c] = byte((cm.values[c*n+i] & 0xffff) / 256)
			}
		}
	default:
		return nil, tiffError(Unsupported, "unsupported TIFF pixel layout (photometric %d, %d×%d bits, extra samples %v)", L.photo, L.spp, L.bits, extra)
	}
	if L.compression != 1 {
		switch L.predictor {
		case 1:
		case 2:
			if L.bits != 8 {
				return nil, tiffError(Unsupported, "unsupported TIFF variant: predictor 2 on %d-bit samples", L.bits)
			}
		default:
			return nil, tiffError(Unsupported, "unsupported TIFF predictor (%d)", L.predictor)
		}
	}

	// Strips or tiles.
	var offsets, counts []uint64
	var tw, th int
	_, hasStrips := tags[tagStripOffsets]
	_, hasTiles := tags[tagTileOffsets]
	switch {
	case hasStrips && !hasTiles:
		rps, err := get(tagRowsPerStrip, uint64(L.h))
		if err != nil && tags[tagRowsPerStrip].values[0] == 0xffffffff && len(tags[tagRowsPerStrip].values) == 1 {
			rps, err = L.h, nil
		}
		if err != nil {
			return nil, err
		}
		if rps < 1 {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: %d rows per strip", rps)
		}
		tw, th = L.w, min(rps, L.h)
		offsets = tags[tagStripOffsets].values
		counts = tags[tagStripCounts].values
	case hasTiles && !hasStrips:
		if tw, err = get(tagTileWidth, 0); err != nil {
			return nil, err
		}
		if th, err = get(tagTileLength, 0); err != nil {
			return nil, err
		}
		if tw < 16 || th < 16 || tw%16 != 0 || th%16 != 0 {
			return nil, tiffError(Unsupported, "unsupported TIFF variant: %dx%d tiles", tw, th)
		}
		offsets = tags[tagTileOffsets].values
		counts = tags[tagTileCounts].values
	default:
		return nil, tiffError(Unsupported, "unsupported TIFF data organization")
	}
	across, down := (L.w+tw-1)/tw, (L.h+th-1)/th
	if int64(tw)*int64(th)*int64(L.spp) > 1<<28 || lim.MaxPixels > 0 && int64(tw)*int64(th) > lim.MaxPixels {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: %dx%d tiles or strips", tw, th)
	}
	if len(offsets) != across*down {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: %d strips or tiles for %d", len(offsets), across*down)
	}
	if L.compression != 1 && len(counts) != len(offsets) {
		return nil, tiffError(Unsupported, "unsupported TIFF variant: %d byte counts for %d strips or tiles", len(counts), len(offsets))
	}
	rowBytes := (tw*L.spp*L.bits + 7) / 8
	out := rgb.New(L.w, L.h)
	buf := make([]byte, rowBytes*th)
	for i, off := range offsets {
		x0, y0 := (i%across)*tw, (i/across)*th
		nrows, ncols := min(th, L.h-y0), min(tw, L.w-x0)
		var rows []byte
		if L.compression == 1 {
			// The raw decoder reads nrows rows of rowBytes from the offset;
			// the last one only as far as the region needs.
			need := uint64(nrows-1)*uint64(rowBytes) + uint64((ncols*L.spp*L.bits+7)/8)
			if off > uint64(len(data)) || need > uint64(len(data))-off {
				return nil, tiffError(Truncated, "truncated TIFF: image data ends early")
			}
			rows = data[off:min(off+uint64(nrows*rowBytes), uint64(len(data)))]
		} else {
			// libtiff decodes whole strips (the last one shortened) and whole tiles.
			size := rowBytes * th
			if hasStrips {
				size = rowBytes * nrows
			}
			cnt := counts[i]
			if cnt == 0 {
				return nil, tiffError(Corrupt, "invalid TIFF: strip or tile %d has no data", i)
			}
			if off > uint64(len(data)) || cnt > uint64(len(data))-off {
				return nil, tiffError(Truncated, "truncated TIFF: strip or tile %d is past the end of the file", i)
			}
			if err := tiffDecompress(L.compression, data[off:off+cnt], buf[:size]); err != nil {
				return nil, err
			}
			if L.predictor == 2 {
				for r := 0; r < size/rowBytes; r++ {
					row := buf[r*rowBytes : (r+1)*rowBytes]
					for j := L.spp; j < len(row); j++ {
						row[j] += row[j-L.spp]
					}
				}
			}
			rows = buf[:size]
		}
		for r := 0; r < nrows; r++ {
			src := rows[r*rowBytes:]
			dst := out.Pix[((y0+r)*L.w+x0)*3:]
			tiffUnpackRow(&L, src, dst, ncols)
		}
	}
	return out, nil
}

func tiffUnpackRow(L *tiffLayout, src, dst []byte, n int) {
	switch {
	case L.photo == 3:
		for x := 0; x < n; x++ {
			var v int
			if L.bits == 8 {
				v = int(src[x*L.spp])
			} else {
				per := 8 / L.bits
				b := src[x/per]
				v = int(b>>(8-L.bits*(x%per+1))) & (1<<L.bits - 1)
			}
			copy(dst[3*x:3*x+3], L.palette[3*v:3*v+3])
		}
	case L.photo == 2:
		for x := 0; x < n; x++ {
			copy(dst[3*x:3*x+3], src[x*L.spp:x*L.spp+3])
		}
	case L.bits == 1:
		for x := 0; x < n; x++ {
			v := byte(0)
			if (src[x/8]>>(7-x%8))&1 == 1 != L.invert {
				v = 255
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
		}
	default:
		for x := 0; x < n; x++ {
			v := src[x*L.spp]
			if L.invert {
				v = 255 - v
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
		}
	}
}

// tiffDecompress fills out exactly, as libtiff's decoders do, or fails
// where they report "Not enough data".
func tiffDecompress(compression int, in, out []byte) error {
	short := func() error {
		return tiffError(Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
	}
	// A run or string crossing the end of a strip or tile: libtiff clips
	// it with a warning; no encoder writes one, so it is not reproduced.
	overrun := func() error {
		return tiffError(Unsupported, "unsupported TIFF variant: compressed run past the end of a strip or tile")
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
		zr, err := zlib.NewReader(bytes.NewReader(in))
		if err != nil {
			return tiffError(Corrupt, "invalid TIFF: bad Deflate data (%v)", err)
		}
		if _, err := io.ReadFull(zr, out); err != nil {
			return tiffError(Corrupt, "invalid TIFF: bad Deflate data (%v)", err)
		}
		return nil
	case 5:
		return tiffLZW(in, out, overrun)
	}
	return tiffError(Unsupported, "unsupported TIFF compression (%d)", compression)
}

// tiffLZW is libtiff's LZWDecode (new-style, MSB-first codes, the code
// width growing one code early).
func tiffLZW(in, out []byte, overrun func() error) error {
	if len(in) >= 2 && in[0] == 0 && in[1]&1 == 1 {
		return tiffError(Unsupported, "unsupported TIFF variant: old-style LZW")
	}
	const clear, eoi = 256, 257
	var prefix [4096]uint16
	var suffix, first [4096]byte
	var length [4096]uint16
	for i := 0; i < 256; i++ {
		suffix[i], first[i], length[i] = byte(i), byte(i), 1
	}
	bad := func() error { return tiffError(Corrupt, "invalid TIFF: corrupt LZW data") }
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
			return tiffError(Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
		}
		code := int(acc>>(nacc-width)) & (1<<width - 1)
		nacc -= width
		switch {
		case code == clear:
			width, next, old = 9, 258, -1
			continue
		case code == eoi:
			return tiffError(Corrupt, "invalid TIFF: compressed strip or tile decodes to too little data")
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
			return tiffError(Unsupported, "unsupported TIFF variant: LZW code %d past the table", code)
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
