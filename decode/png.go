package decode

/*
#cgo LDFLAGS: -l:libz.a
#include <stdlib.h>
#include "png_zip.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"maps"
	"math"
	"unsafe"

	"github.com/torchgo/predict/rgb"
)

// PNG exactly as Pillow 9.4 reads it (docs/parity-spec.md §1.2). Pillow decodes PNG
// itself (PngImagePlugin + libImaging/ZipDecode.c over zlib), and is both
// laxer and stricter than image/png in ways real files hit: it never checks
// the IDAT CRCs, needs no IEND, stops inflating as soon as the last row is
// complete (trailing data and even a bad Adler-32 in a later chunk go
// unnoticed), returns black rows when the zlib stream ends early at a row
// boundary, but refuses bad CRCs in chunks before IDAT and a few malformed
// ancillary chunks. All of that is mirrored here: the chunk walk in Go, the
// row decoder (png_zip.c) with the same zlib calls as Pillow.

// pngMode is Pillow's PngImagePlugin._MODES entry for (bit depth, colour type).
type pngMode struct {
	mode string // Pillow mode, or LA16 for 16-bit grey+alpha (Pillow's RGBA from LA;16B)
	bits int    // bits per pixel of the raw mode
}

// pillowMode is the mode Image.open reports.
func (m pngMode) pillowMode() string {
	if m.mode == "LA16" {
		return "RGBA"
	}
	return m.mode
}

var pngModes = map[[2]byte]pngMode{
	{1, 0}: {"1", 1}, {2, 0}: {"L", 2}, {4, 0}: {"L", 4}, {8, 0}: {"L", 8},
	{16, 0}: {"I", 16},
	{8, 2}:  {"RGB", 24}, {16, 2}: {"RGB", 48},
	{1, 3}: {"P", 1}, {2, 3}: {"P", 2}, {4, 3}: {"P", 4}, {8, 3}: {"P", 8},
	{8, 4}: {"LA", 16}, {16, 4}: {"LA16", 32},
	{8, 6}: {"RGBA", 32}, {16, 6}: {"RGBA", 64},
}

type pngInfo struct {
	width, height int
	depth, ctype  byte
	mode          pngMode
	hasMode       bool
	interlaced    bool
	palette       []byte
	idatPos       int // data of the first IDAT
	idatLen       int
	tile          [4]int // x, y, w, h the image data is decoded into
	apng          apngState
	text          pngText                 // text chunks and eXIf, as PngStream counts and keeps them
	openInfo      map[string]pngInfoValue // what text held when Image.open returned
	data          []byte
}

// pngChunkCheck applies the checks of PngStream.chunk_* that can raise,
// given the chunk body, with the mode known so far ("" if none); text
// chunks and eXIf go into h.text (png_text.go).
func pngChunkCheck(typ string, body []byte, h *pngInfo) error {
	short := func() error { return errorf("PNG", Corrupt, "invalid PNG: malformed %s chunk", typ) }
	switch typ {
	case "tRNS":
		switch h.mode.mode {
		case "1", "L", "I":
			if len(body) < 2 {
				return short()
			}
		case "RGB":
			if len(body) < 6 {
				return short()
			}
		}
	case "gAMA":
		if len(body) < 4 {
			return short()
		}
	case "cHRM":
		if len(body)%4 != 0 {
			return short()
		}
	case "sRGB":
		if len(body) < 1 {
			return short()
		}
	case "pHYs":
		if len(body) < 9 {
			return short()
		}
	case "iCCP":
		// comp_method = s[s.find(b"\0")]: the NUL itself when there is
		// one, else the last byte (IndexError when empty), never 0.
		i := bytes.IndexByte(body, 0)
		if i < 0 {
			return errorf("PNG", Corrupt, "invalid PNG: malformed iCCP chunk")
		}
		if _, tooLarge, _ := pngSafeInflate(body[min(i+2, len(body)):]); tooLarge {
			return errorf("PNG", Corrupt, "invalid PNG: iCCP profile too large")
		}
	case "tEXt", "zTXt", "iTXt", "eXIf":
		return h.text.chunk(typ, body)
	}
	return nil
}

// pngOpen is PngImageFile._open: the chunks up to the first IDAT.
func pngOpen(data []byte) (*pngInfo, error) {
	h := &pngInfo{apng: newAPNG(), data: data}
	pos := 8
	seenIHDR := false
	for {
		if pos+8 > len(data) {
			return nil, errorf("PNG", Truncated, "truncated PNG: the file ends before the image data")
		}
		n := int(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if !isCID(typ) {
			return nil, errorf("PNG", Corrupt, "invalid PNG: broken chunk %q", typ)
		}
		pos += 8
		switch typ {
		case "IDAT", "fdAT":
			if typ == "fdAT" {
				if err := h.apng.fdAT(data, pos, n); err != nil {
					return nil, err
				}
				pos, n = pos+4, n-4
			}
			if !seenIHDR {
				return nil, errorf("PNG", Corrupt, "invalid PNG: image data before the header")
			}
			if !h.hasMode || h.width <= 0 || h.height <= 0 {
				// ImageFile.__init__: "not identified by this driver".
				if h.hasMode {
					return nil, errorf("PNG", Corrupt, "invalid PNG: size %dx%d", h.width, h.height)
				}
				return nil, errorf("PNG", Unsupported, "unsupported PNG: bit depth %d with colour type %d", h.depth, h.ctype)
			}
			h.idatPos, h.idatLen = pos, n
			h.apng.imageData(h)
			h.openInfo = maps.Clone(h.text.info)
			return h, nil
		case "IEND":
			return nil, errorf("PNG", Corrupt, "invalid PNG: no image data")
		}
		if uint64(n) > uint64(len(data)-pos) {
			return nil, errorf("PNG", Truncated, "truncated PNG: the file ends inside the %s chunk", typ)
		}
		body := data[pos : pos+n]
		pos += n
		switch typ {
		case "IHDR":
			if n < 13 {
				return nil, errorf("PNG", Corrupt, "invalid PNG: truncated IHDR chunk")
			}
			h.width = int(binary.BigEndian.Uint32(body[0:]))
			h.height = int(binary.BigEndian.Uint32(body[4:]))
			h.depth, h.ctype = body[8], body[9]
			h.mode, h.hasMode = pngModes[[2]byte{body[8], body[9]}]
			h.interlaced = body[12] != 0
			if body[11] != 0 {
				return nil, errorf("PNG", Corrupt, "invalid PNG: unknown filter method %d", body[11])
			}
			seenIHDR = true
		case "acTL":
			if err := h.apng.acTL(body); err != nil {
				return nil, err
			}
		case "fcTL":
			if err := h.apng.fcTL(body, h.width, h.height); err != nil {
				return nil, err
			}
		case "PLTE":
			if h.hasMode && h.mode.mode == "P" {
				h.palette = body
			}
		default:
			if err := pngChunkCheck(typ, body, h); err != nil {
				return nil, err
			}
		}
		// PngStream.crc: every chunk before IDAT must have a good CRC.
		if pos+4 > len(data) {
			return nil, errorf("PNG", Truncated, "truncated PNG: no checksum after the %s chunk", typ)
		}
		want := binary.BigEndian.Uint32(data[pos:])
		if crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, body) != want {
			return nil, errorf("PNG", Corrupt, "invalid PNG: bad checksum in the %s chunk", typ)
		}
		pos += 4
	}
}

// isCID is PngImagePlugin.is_cid: four [A-Za-z0-9_] bytes.
func isCID(t string) bool {
	if len(t) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func openPNG(data []byte, _ rules) (opened, error) {
	h, err := pngOpen(data)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (h *pngInfo) header() Header {
	return Header{Format: "PNG", Mode: h.mode.pillowMode(), Width: h.width, Height: h.height}
}

// pixels is PngImageFile.load (ImageFile.load, then load_end for the
// chunks after the image data) and convert("RGB").
func (h *pngInfo) pixels(lim budget) (*rgb.Image, error) {
	data := h.data
	if h.tile[2] <= 0 || h.tile[3] <= 0 || lim.rules.tileExtents && h.apng.hasBox && (h.apng.box[2] <= 0 || h.apng.box[3] <= 0) {
		// ImagingDecoder setimage: "tile cannot extend outside image"
		// (before Pillow 12.2, a frame of width 0 at x 0 is the whole
		// image: imageData).
		return nil, errorf("PNG", Corrupt, "invalid PNG: empty APNG frame")
	}
	if len(h.palette)/3 > 256 {
		// _imaging putpalette: "invalid palette size".
		return nil, errorf("PNG", Corrupt, "invalid PNG: palette of %d entries", len(h.palette)/3)
	}
	rowBytes := (int64(h.mode.bits)*int64(h.tile[2]) + 7) / 8
	if rowBytes > math.MaxInt32-1 {
		return nil, errorf("PNG", TooLarge, "PNG rows of %d bytes are too long", rowBytes)
	}
	raw, err := pngInflate(data, h, lim)
	if err != nil {
		return nil, err
	}
	if err := pngAfterImage(data, h); err != nil {
		return nil, err
	}
	return pngToRGB(h, raw, lim)
}

// pngRows lists the scanlines ZipDecode produces, in order: (pass, y, bytes),
// y within the tile, until visit returns false.
func pngRows(h *pngInfo, visit func(pass, y, n int) bool) {
	width, height := h.tile[2], h.tile[3]
	if !h.interlaced {
		n := int((int64(h.mode.bits)*int64(width) + 7) / 8)
		for y := 0; y < height; y++ {
			if !visit(-1, y, n) {
				return
			}
		}
		return
	}
	for p := 0; p < 7; p++ {
		cols := (width + adamOffset[p]) / adamColInc[p]
		n := (cols*h.mode.bits + 7) / 8
		if n <= 0 {
			continue
		}
		for y := adamRow[p]; y < height; y += adamRowInc[p] {
			if !visit(p, y, n) {
				return
			}
		}
	}
}

var (
	adamOffset = [7]int{7, 3, 3, 1, 1, 0, 0}
	adamCol    = [7]int{0, 4, 0, 2, 0, 1, 0}
	adamRow    = [7]int{0, 0, 4, 0, 2, 0, 1}
	adamColInc = [7]int{8, 8, 4, 4, 2, 2, 1}
	adamRowInc = [7]int{8, 8, 8, 4, 4, 2, 2}
)

// pngState tracks PngImageFile.load_read's position in the IDAT chunks.
type pngState struct {
	pos, idat int
}

// pngInflate is ImageFile.load's loop: load_read hands the decoder at most
// 64 KiB of the current IDAT chunk per call; running out of IDAT chunks (or
// of file) before the decoder is done is "image file is truncated".
func pngInflate(data []byte, h *pngInfo, lim budget) ([]byte, error) {
	total := 0
	pngRows(h, func(_, _, n int) bool { total += n; return true })
	st := C.pz_new(C.int(h.mode.bits), C.int(h.tile[2]), C.int(h.tile[3]), C.int(boolInt(h.interlaced)), C.size_t(total))
	if st == nil {
		return nil, errorf("PNG", Corrupt, "out of memory")
	}
	defer C.pz_free(st)
	s := pngState{pos: h.idatPos, idat: h.idatLen}
	cbuf := C.malloc(pillowMaxBlock)
	defer C.free(cbuf)
	for {
		chunk, err := s.read(data, pillowMaxBlock, &h.apng)
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			return nil, errorf("PNG", Truncated, "truncated PNG: the image data ends before the last row")
		}
		copy(unsafe.Slice((*byte)(cbuf), pillowMaxBlock), chunk)
		var code C.int
		n := C.pz_decode(st, (*C.uint8_t)(cbuf), C.size_t(len(chunk)), lim.stop.cStop(), &code)
		if n < 0 {
			if code != 0 {
				switch code {
				case C.PZ_STOPPED:
					return nil, lim.stopped()
				case C.PZ_UNKNOWN:
					return nil, errorf("PNG", Corrupt, "invalid PNG: unknown row filter type")
				case C.PZ_MEMORY:
					return nil, errorf("PNG", Corrupt, "PNG: out of memory for the image rows")
				}
				return nil, errorf("PNG", Corrupt, "invalid PNG: broken compressed image data")
			}
			h.idatLen = s.idat // what load_end skips
			h.idatPos = s.pos
			// Rows the zlib stream never produced stay zero (black).
			raw := make([]byte, total)
			var got C.size_t
			if p := C.pz_raw(st, &got); got > 0 {
				copy(raw, unsafe.Slice((*byte)(unsafe.Pointer(p)), int(got)))
			}
			return raw, nil
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// read is PngImageFile.load_read: image data continues in IDAT, DDAT and
// (after its sequence number) fdAT chunks.
func (s *pngState) read(data []byte, want int, a *apngState) ([]byte, error) {
	for s.idat == 0 {
		s.pos += 4 // CRC, unchecked
		if s.pos+8 > len(data) {
			return nil, nil // struct.error / not a chunk id: truncated
		}
		n := int(binary.BigEndian.Uint32(data[s.pos:]))
		typ := string(data[s.pos+4 : s.pos+8])
		if typ != "IDAT" && typ != "DDAT" && typ != "fdAT" {
			return nil, nil
		}
		s.pos += 8
		if typ == "fdAT" {
			if err := a.fdAT(data, s.pos, n); err != nil {
				return nil, err
			}
			s.pos, n = s.pos+4, n-4
		}
		s.idat = n
	}
	n := min(want, s.idat)
	s.idat -= n
	start := min(s.pos, len(data))
	end := min(s.pos+n, len(data))
	s.pos += n
	return data[start:end], nil
}

// pngAfterImage is PngImageFile.load_end: the chunks after the image data
// are read (not CRC-checked) up to IEND or the end of the file; a known
// chunk that is malformed or cut short still fails the load.
func pngAfterImage(data []byte, h *pngInfo) error {
	pos := h.idatPos + h.idatLen
	for {
		pos += 4
		if pos+8 > len(data) {
			return nil
		}
		n := int(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if !isCID(typ) || typ == "IEND" || typ == "fcTL" && h.apng.animated() {
			return nil // an animation's next frame starts: frame 0 is done
		}
		pos += 8
		if typ == "fdAT" { // chunk_fdAT, then its image data is skipped
			if err := h.apng.fdAT(data, pos, n); err != nil {
				return err
			}
		}
		if uint64(n) > uint64(len(data)-pos) {
			return errorf("PNG", Truncated, "truncated PNG: the file ends inside the %s chunk", typ)
		}
		body := data[pos : pos+n]
		pos += n
		switch typ {
		case "IHDR":
			if n < 13 {
				return errorf("PNG", Corrupt, "invalid PNG: truncated IHDR chunk")
			}
			if body[11] != 0 {
				return errorf("PNG", Corrupt, "invalid PNG: unknown filter method %d", body[11])
			}
		case "acTL":
			if err := h.apng.acTL(body); err != nil {
				return err
			}
		case "fcTL":
			if err := h.apng.fcTL(body, h.width, h.height); err != nil {
				return err
			}
		case "fdAT":
		default:
			if err := pngChunkCheck(typ, body, h); err != nil {
				return err
			}
		}
	}
}

// pngToRGB unpacks the raw rows with Pillow's unpackers and applies
// convert("RGB"): 1/2/4-bit grey scaled (L;2 ×85, L;4 ×17, 1 → 0/255),
// 16-bit grey (mode I) clipped to 255 not scaled, 16-bit colour high bytes,
// alpha dropped, palette indices past PLTE as rules.paletteBase has them.
func pngToRGB(h *pngInfo, raw []byte, lim budget) (*rgb.Image, error) {
	out := rgb.New(h.width, h.height)
	lut := rules{}.paletteBase() // grey, for the grey modes
	if h.mode.mode == "P" {
		lut = lim.rules.paletteBase()
	}
	for i := 0; i < len(h.palette)/3; i++ {
		copy(lut[i][:], h.palette[3*i:])
	}
	if h.mode.mode == "P" && h.tile != [4]int{0, 0, h.width, h.height} {
		// Outside an APNG frame-0 box the new image holds index 0.
		for i := 0; i < len(out.Pix); i += 3 {
			copy(out.Pix[i:i+3], lut[0][:])
		}
	}
	bits := h.mode.bits
	off := 0
	tx, ty, tw := h.tile[0], h.tile[1], h.tile[2]
	var stopped error
	pngRows(h, func(pass, y, n int) bool {
		if stopped = lim.stopped(); stopped != nil {
			return false
		}
		row := raw[off : off+n]
		off += n
		x0, dx := 0, 1
		if pass >= 0 {
			x0, dx = adamCol[pass], adamColInc[pass]
		}
		for i, x := 0, x0; x < tw; i, x = i+1, x+dx {
			px := out.Pix[3*((ty+y)*h.width+tx+x):]
			var r, g, b byte
			switch {
			case bits < 8: // 1/2/4-bit grey or palette
				shift := 8 - bits - (i*bits)%8
				v := row[i*bits/8] >> shift & (1<<bits - 1)
				if h.mode.mode == "P" {
					c := lut[v]
					r, g, b = c[0], c[1], c[2]
				} else {
					g8 := v * byte(255/(1<<bits-1))
					r, g, b = g8, g8, g8
				}
			default:
				s := row[i*bits/8:]
				switch h.mode.mode {
				case "L", "LA":
					r, g, b = s[0], s[0], s[0]
				case "I":
					v := clip16(s[0], s[1])
					r, g, b = v, v, v
				case "LA16":
					r, g, b = s[0], s[0], s[0]
				case "P":
					c := lut[s[0]]
					r, g, b = c[0], c[1], c[2]
				case "RGB", "RGBA":
					if bits == 24 || bits == 32 {
						r, g, b = s[0], s[1], s[2]
					} else {
						r, g, b = s[0], s[2], s[4]
					}
				}
			}
			px[0], px[1], px[2] = r, g, b
		}
		return true
	})
	if stopped != nil {
		return nil, stopped
	}
	return out, nil
}

// clip16 is Pillow's I → RGB rule for a big-endian 16-bit sample.
func clip16(hi, lo byte) uint8 {
	if hi != 0 {
		return 255
	}
	return lo
}
