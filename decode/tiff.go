package decode

import (
	"encoding/binary"
	"math"

	"github.com/torchgo/predict/rgb"
)

// TIFF exactly as Pillow 9.4's TiffImagePlugin reads the first page
// (TiffImageFile._open / _setup; uncompressed data through ImageFile.load's
// raw decoder, everything else through libtiff in _load_libtiff), then
// convert("RGB"). Decoded here:
//
//   - classic TIFF, both byte orders, first IFD only; strips or tiles,
//     fill order 1, unsigned samples; planar configuration 1 (chunky) or
//     2 (8-bit planes, with Pillow's raw-decoder quirks); the Orientation
//     tag applied as TiffImageFile.load_end transposes (all paths);
//   - compression none (1), PackBits (32773), LZW (5, the TIFF variant
//     with early code-width change; old-style LSB-first LZW is refused),
//     Deflate (8 and 32946), horizontal predictor (2) on 8- and 16-bit
//     samples of compressed data (libtiff undoes it per row; Pillow's raw
//     decoder ignores Predictor on uncompressed data, and so do we), and
//     new-style JPEG (7) through libjpeg-turbo as libtiff drives it
//     (tiff_jpeg.go);
//   - the OPEN_INFO layouts (tiff_layout.go): bilevel, 2/4/8-bit grey
//     (MinIsWhite inverted), 16-bit grey, grey+alpha, RGB (8 or 16 bits,
//     extra samples, unassociated or associated alpha), palette (1/2/4/8
//     bits, and PA), CMYK (8 or 16 bits), and YCbCr in JPEG.
//
// Everything else — float, signed and 12/32-bit samples, YCbCr outside
// JPEG (raw: Pillow's "RGBX" misread; compressed: TIFFRGBAImage), LAB,
// old-style JPEG (6), CCITT and other compressions, 16-bit or wide planar
// data, fill order 2, unexpected strip or tile counts, tags of unexpected
// types, BigTIFF — is refused as Unsupported. Missing or damaged data (an offset
// past the end of the file, a strip that decompresses short) is refused as
// Truncated or Corrupt: Pillow raises too (libtiff's "Not enough data" /
// read errors, the raw decoder's "image file is truncated").

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
	tagJPEGTables   = 347
	tagYCbCrSub     = 530
)

// tiffTags are the tags whose values we interpret; they must be SHORT or
// LONG (BYTE is also accepted where libtiff and Pillow agree, never here).
var tiffTags = map[uint16]bool{
	tagWidth: true, tagHeight: true, tagBPS: true, tagCompression: true, tagPhotometric: true,
	tagFillOrder: true, tagStripOffsets: true, tagOrientation: true, tagSPP: true,
	tagRowsPerStrip: true, tagStripCounts: true, tagPlanar: true, tagPredictor: true,
	tagColorMap: true, tagTileWidth: true, tagTileLength: true, tagTileOffsets: true,
	tagTileCounts: true, tagExtraSamples: true, tagSampleFormat: true, tagYCbCrSub: true,
}

// tiffIFD is the first IFD: the interpreted tags, the byte order and the
// JPEGTables field (nil when absent).
type tiffIFD struct {
	tags      map[uint16]tiffEntry
	bigEndian bool
	jpegTabs  []byte
	// What libtiff's TIFFReadDirectory, which reads the IFD again for
	// compressed data, makes of damage Pillow's reader stops at: entries
	// the file does not hold, or over 4096 of them, fail the directory
	// (cut); values it does not hold (lost) fail or not depending on the
	// tag, which is not reproduced.
	cut, lost bool
}

func tiffParseIFD(data []byte) (*tiffIFD, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	if len(data) < 8 {
		return nil, errorf("TIFF", Truncated, "truncated TIFF: the file ends inside the header")
	}
	off := uint64(bo.Uint32(data[4:]))
	if off+2 > uint64(len(data)) {
		return nil, errorf("TIFF", Truncated, "truncated TIFF: the first IFD is past the end of the file")
	}
	n := uint64(bo.Uint16(data[off:]))
	ifd := &tiffIFD{tags: map[uint16]tiffEntry{}, bigEndian: data[0] == 'M'}
	ifd.cut = n > 4096 || off+2+12*n > uint64(len(data))
	tags := ifd.tags
	for i := uint64(0); i < n; i++ {
		// ImageFileDirectory_v2.load stops at the first entry, or the first
		// tag's out-of-line values, that the file does not hold (OSError,
		// caught there with a warning): the tags read so far are kept.
		if off+14+12*i > uint64(len(data)) {
			break // cut
		}
		e := data[off+2+12*i : off+14+12*i]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), uint64(bo.Uint32(e[4:]))
		if unit := tiffTypeSize[typ]; unit > 0 && count*unit > 4 &&
			uint64(bo.Uint32(e[8:]))+count*unit > uint64(len(data)) {
			ifd.lost = true
			break
		}
		if count == 0 { // no data: Pillow skips the tag
			continue
		}
		if tag == 0xBC01 {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant (Windows Media Photo)")
		}
		if tag == tagJPEGTables {
			// libtiff reads it as bytes (UNDEFINED, or BYTE).
			if ifd.jpegTabs != nil {
				return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: tag %d appears twice", tag)
			}
			if typ != 7 && typ != 1 || count > uint64(len(data)) {
				return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: JPEGTables of type %d", typ)
			}
			raw := e[8 : 8+min(count, 4)]
			if count > 4 { // within the file: checked above
				p := uint64(bo.Uint32(e[8:]))
				raw = data[p : p+count]
			}
			ifd.jpegTabs = raw
			continue
		}
		if !tiffTags[tag] {
			continue
		}
		if _, dup := tags[tag]; dup {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: tag %d appears twice", tag)
		}
		var size uint64
		switch typ {
		case 3:
			size = 2
		case 4:
			size = 4
		default:
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: tag %d has type %d", tag, typ)
		}
		if count > 1<<24 {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: tag %d has %d values", tag, count)
		}
		raw := e[8:12]
		if count*size > 4 {
			p := uint64(bo.Uint32(e[8:]))
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
	return ifd, nil
}

// tiffTypeSize is the value size of the field types Pillow 9.4's
// ImageFileDirectory_v2 loads (_load_dispatch); it skips the others.
var tiffTypeSize = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8}

// tiffFile is an opened TIFF: its first IFD, and the image size it gives.
type tiffFile struct {
	data []byte
	ifd  *tiffIFD
	w, h int
}

// openTIFF is TiffImageFile._open as far as the image size: the first IFD
// and its single ImageWidth and ImageLength.
func openTIFF(data []byte, _ rules) (opened, error) {
	ifd, err := tiffParseIFD(data)
	if err != nil {
		return nil, err
	}
	wE, okW := ifd.tags[tagWidth]
	hE, okH := ifd.tags[tagHeight]
	if !okW || !okH || len(wE.values) != 1 || len(hE.values) != 1 {
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: no single ImageWidth/ImageLength")
	}
	return &tiffFile{data: data, ifd: ifd, w: int(wE.values[0]), h: int(hE.values[0])}, nil
}

func (f *tiffFile) header() Header { return Header{Format: "TIFF", Width: f.w, Height: f.h} }

// pixels is the rest of TiffImageFile._open and _setup (the layouts
// reproduced exactly, tiff_layout.go), then load: the strips or tiles
// decoded (tiff_codec.go, tiff_jpeg.go), unpacked (tiff_unpack.go) and
// oriented.
func (f *tiffFile) pixels(lim budget) (*rgb.Image, error) {
	data, ifd := f.data, f.ifd
	tags := ifd.tags
	var err error
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
			return 0, errorf("TIFF", Unsupported, "unsupported TIFF variant: tag %d value", tag)
		}
		return int(v), nil
	}
	L := tiffLayout{bigEndian: ifd.bigEndian, w: f.w, h: f.h}
	var ints [7]int
	for i, td := range []struct {
		tag uint16
		def uint64
	}{{tagCompression, 1}, {tagPlanar, 1}, {tagFillOrder, 1}, {tagOrientation, 1}, {tagPredictor, 1}, {tagSPP, 1}, {tagPhotometric, 0}} {
		if ints[i], err = get(td.tag, td.def); err != nil {
			return nil, err
		}
	}
	L.compression, L.planar, L.orientation, L.predictor, L.spp, L.photo = ints[0], ints[1], ints[3], ints[4], ints[5], ints[6]
	_, hasPhoto := tags[tagPhotometric]
	switch {
	case !hasPhoto && L.compression == 7:
		// Pillow assumes MinIsWhite; libtiff guesses its own photometric
		// for the JPEG codec.
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: JPEG without PhotometricInterpretation")
	case ints[1] != 1 && ints[1] != 2:
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: planar configuration %d", ints[1])
	case ints[2] != 1 && ints[2] != 2:
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: fill order %d", ints[2])
	}
	L.lsbFirst = ints[2] == 2
	switch L.compression {
	case 1, 5, 7, 8, 32946, 32773:
	default:
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF compression (%d)", L.compression)
	}
	if L.compression != 1 && ifd.cut { // TIFFFetchDirectory fails
		return nil, errorf("TIFF", Corrupt, "invalid TIFF: damaged first IFD (libtiff cannot read it)")
	}
	if L.compression != 1 && ifd.lost {
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: compressed data with tag values past the end of the file")
	}
	if e, ok := tags[tagSampleFormat]; ok {
		for _, v := range e.values {
			if v != 1 {
				return nil, errorf("TIFF", Unsupported, "unsupported TIFF sample format (%d)", v)
			}
		}
	}
	if L.spp > 6 {
		// _setup's DOS check (MAX_SAMPLESPERPIXEL), before the tuple of
		// bits per sample is extended to that many.
		return nil, errorf("TIFF", Corrupt, "invalid TIFF: %d samples per pixel", L.spp)
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
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %d samples per pixel", L.spp)
	}
	for _, b := range bps {
		if b != bps[0] {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: mixed bits per sample")
		}
	}
	L.bits = int(bps[0])
	var extra []uint64
	if e, ok := tags[tagExtraSamples]; ok {
		extra = e.values
	}
	if err := tiffMode(&L, extra, tags, lim.rules); err != nil {
		return nil, err
	}
	if err := tiffFillOrder(&L, extra); err != nil {
		return nil, err
	}
	switch {
	case L.compression == 7:
		// The JPEG codec has no predictor; libtiff ignores the tag.
		if L.bits != 8 {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: JPEG with %d-bit samples", L.bits)
		}
	case L.compression != 1:
		switch L.predictor {
		case 1:
		case 2:
			if L.bits != 8 && L.bits != 16 {
				return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: predictor 2 on %d-bit samples", L.bits)
			}
		default:
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF predictor (%d)", L.predictor)
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
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %d rows per strip", rps)
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
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %dx%d tiles", tw, th)
		}
		offsets = tags[tagTileOffsets].values
		counts = tags[tagTileCounts].values
	default:
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF data organization")
	}
	across, down := (L.w+tw-1)/tw, (L.h+th-1)/th
	// Pillow's libtiff decoder refuses a strip or tile of INT_MAX bytes or
	// more (TiffDecode.c's IMAGING_CODEC_MEMORY); within the
	// decompression-bomb limit no strip comes near it, not even a single
	// strip of a 13000×13000 image. A tile can be far larger than its
	// image, and one above the pixel limit is refused, not allocated.
	if mp := lim.maxPixels(); int64(tw)*int64(th)*int64(L.spp)*int64(L.bits) > 8*(math.MaxInt32-1) || mp > 0 && int64(tw)*int64(th) > mp {
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %dx%d tiles or strips", tw, th)
	}
	if L.planar == 2 && L.rgbx && lim.rules.tiffRGBXAsRGB && (L.compression == 1 || hasStrips) {
		// Opened as ("RGB", "RGBX"): the raw decoder has no unpacker for
		// the 4th plane ("X"), libtiff's strip reader refuses the strip
		// size; tiles are read.
		return nil, errorf("TIFF", Corrupt, "invalid TIFF: planar RGBX in strips or uncompressed (Pillow ≥ 10.4 reads 4-sample RGB as RGB and cannot unpack it)")
	}
	if L.planar == 2 {
		// Pillow's raw decoder unpacks plane i with the raw mode's i-th
		// character: no unpacker for a lone associated-alpha plane ("a")
		// nor for "L"/"P" into LA/PA, and "L;I"[0] reads MinIsWhite grey
		// uninverted; libtiff's path (compressed data) has none of these
		// quirks. Wider or deeper planar layouts are not reproduced.
		if L.compression == 1 && (L.premul || L.spp == 2) {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: uncompressed planar configuration 2 with %d samples", L.spp)
		}
		if L.compression == 1 {
			L.invert = false
		}
		if L.bits != 8 || L.spp > 4 || L.compression == 7 {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: planar configuration 2 with %d×%d bits", L.spp, L.bits)
		}
	}
	planes := 1
	if L.planar == 2 {
		planes = L.spp
	}
	if want := across * down * planes; len(offsets) != want {
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %d strips or tiles for %d", len(offsets), want)
	}
	if L.compression != 1 && len(counts) != len(offsets) {
		return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: %d byte counts for %d strips or tiles", len(counts), len(offsets))
	}
	var jd *tiffJPEG
	if L.compression == 7 {
		if jd, err = newTIFFJPEG(&L, ifd, data, offsets, counts, tags); err != nil {
			return nil, err
		}
		defer jd.close()
	}
	// With planar configuration 2 each strip or tile holds one sample of
	// its pixels; the planes are read one after the other and interleaved
	// into chunky rows (Pillow's raw decoder unpacks each plane into its
	// band; libtiff's path reads each plane's strip), 8-bit samples only.
	pspp := L.spp / planes
	rowBytes := (tw*L.spp*L.bits + 7) / 8 // chunky rows for the unpacker
	pRowBytes := (tw*pspp*L.bits + 7) / 8 // rows as one strip or tile stores them
	n := across * down
	out := rgb.New(L.w, L.h)
	buf := make([]byte, pRowBytes*th)
	var cbuf []byte
	if planes > 1 {
		cbuf = make([]byte, rowBytes*th)
	}
	// chunk returns strip or tile k's rows of pRowBytes.
	var flipped []byte // a chunk's bytes in fill order 1
	chunk := func(k, y0, nrows, ncols int) ([]byte, error) {
		off := offsets[k]
		if L.compression == 1 {
			// The raw decoder reads nrows rows of pRowBytes from the offset;
			// the last one only as far as the region needs.
			need := uint64(nrows-1)*uint64(pRowBytes) + uint64((ncols*pspp*L.bits+7)/8)
			if off > uint64(len(data)) || need > uint64(len(data))-off {
				return nil, errorf("TIFF", Truncated, "truncated TIFF: image data ends early")
			}
			raw := data[off:min(off+uint64(nrows*pRowBytes), uint64(len(data)))]
			if L.lsbFirst {
				flipped = reverseBits(flipped, raw)
				raw = flipped
			}
			return raw, nil
		}
		// libtiff decodes whole strips (the last one shortened) and whole tiles.
		size := pRowBytes * th
		if hasStrips {
			size = pRowBytes * nrows
		}
		cnt := counts[k]
		if cnt == 0 {
			return nil, errorf("TIFF", Corrupt, "invalid TIFF: strip or tile %d has no data", k)
		}
		if off > uint64(len(data)) || cnt > uint64(len(data))-off {
			return nil, errorf("TIFF", Truncated, "truncated TIFF: strip or tile %d is past the end of the file", k)
		}
		if jd != nil {
			if err := jd.chunk(data[off:off+cnt], tw, size/pRowBytes, hasStrips && y0+nrows == L.h, buf[:size]); err != nil {
				return nil, err
			}
		} else {
			raw := data[off : off+cnt]
			if L.lsbFirst {
				flipped = reverseBits(flipped, raw)
				raw = flipped
			}
			if err := tiffDecompress(L.compression, raw, buf[:size]); err != nil {
				return nil, err
			}
			if L.predictor == 2 {
				tiffUnpredict(&L, buf[:size], pRowBytes, pspp)
			}
		}
		return buf[:size], nil
	}
	for i := 0; i < n; i++ {
		if err := lim.stopped(); err != nil {
			return nil, err
		}
		x0, y0 := (i%across)*tw, (i/across)*th
		nrows, ncols := min(th, L.h-y0), min(tw, L.w-x0)
		var rows []byte
		for p := 0; p < planes; p++ {
			pr, err := chunk(p*n+i, y0, nrows, ncols)
			if err != nil {
				return nil, err
			}
			if planes == 1 {
				rows = pr
				break
			}
			for r := 0; r < nrows; r++ {
				src, dst := pr[r*pRowBytes:], cbuf[r*rowBytes:]
				for x := 0; x < ncols; x++ {
					dst[x*L.spp+p] = src[x]
				}
			}
			rows = cbuf
		}
		for r := 0; r < nrows; r++ {
			if err := lim.stopped(); err != nil {
				return nil, err
			}
			src := rows[r*rowBytes:]
			dst := out.Pix[((y0+r)*L.w+x0)*3:]
			tiffUnpackRow(&L, src, dst, ncols)
		}
	}
	if lim.rules.tiffMapsTurned && L.orientation >= 5 && L.orientation <= 8 && hasStrips && len(offsets) == 1 && tiffMapped(&L, extra) {
		// ImageFile.load maps a file's single raw strip whose raw mode is
		// the image mode (Image._MAPMODES) into the size Image.open
		// reported, which from Pillow 11.1 is the turned one: the stored
		// pixels, in order, as an image L.h wide, which load_end then
		// turns.
		out = &rgb.Image{W: L.h, H: L.w, Pix: out.Pix}
	}
	// TiffImageFile.load_end: the Orientation tag, on every path.
	return Transpose(out, L.orientation), nil
}

// tiffMapped reports whether Pillow's raw mode for the layout is its
// image mode and one of Image._MAPMODES: 8-bit L and P, RGBA with
// unassociated alpha, CMYK, and 16-bit grey ("I;16", "I;16B").
func tiffMapped(L *tiffLayout, extra []uint64) bool {
	if L.compression != 1 || L.planar != 1 || L.lsbFirst {
		return false
	}
	switch {
	case L.kind == tiffGrey16:
		return true
	case L.bits != 8:
		return false
	case L.kind == tiffGrey:
		return L.spp == 1 && !L.invert
	case L.kind == tiffPalette:
		return L.spp == 1
	case L.kind == tiffRGB:
		return L.spp == 4 && len(extra) == 1 && extra[0] == 2
	case L.kind == tiffCMYK:
		return L.spp == 4 && len(extra) == 0
	}
	return false
}
