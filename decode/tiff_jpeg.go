package decode

/*
#cgo LDFLAGS: -l:libjpeg.a
#include <stdlib.h>
#include "tiff_jpeg.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// tiffJPEG decodes the strips or tiles of a new-style JPEG TIFF
// (compression 7) as Pillow 9.4 gets them from libtiff 4.5: for YCbCr,
// ImagingLibTiffDecode sets TIFFTAG_JPEGCOLORMODE to JPEGCOLORMODE_RGB, so
// libjpeg converts to RGB (its default DCT method and fancy upsampling);
// every other photometric comes out of libjpeg as stored (JCS_UNKNOWN) and
// is unpacked like uncompressed samples. See tiff_jpeg.c.
type tiffJPEG struct {
	st     *C.tj_state
	tables unsafe.Pointer // C copy of JPEGTables: libjpeg may read it again
	comps  int
	ycc    bool
	hs, vs int
}

func tiffJPEGError(rc C.int, info *C.tj_info) error {
	msg := C.GoString(&info.msg[0])
	if rc == C.TJ_UNSUPPORTED {
		return errorf("TIFF", Unsupported, "%s", msg)
	}
	return errorf("TIFF", Corrupt, "invalid TIFF: bad JPEG data (%s)", msg)
}

func newTIFFJPEG(L *tiffLayout, ifd *tiffIFD, data []byte, offsets, counts []uint64, tags map[uint16]tiffEntry) (*tiffJPEG, error) {
	j := &tiffJPEG{comps: L.spp, ycc: L.ycbcr, hs: 1, vs: 1}
	if L.ycbcr {
		// JPEGSetupDecode takes the sampling from YCbCrSubsampling; when
		// the tag is absent, JPEGFixupTags replaces its default 2,2 with
		// the first strip or tile's SOF sampling (measured with Pillow
		// 9.4 + libtiff 4.5: a tag that disagrees with the data is kept,
		// and every strip then fails "Improper JPEG sampling factors").
		j.hs, j.vs = 2, 2
		if e, ok := tags[tagYCbCrSub]; ok {
			if len(e.values) != 2 {
				return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: YCbCrSubsampling with %d values", len(e.values))
			}
			j.hs, j.vs = int(e.values[0]), int(e.values[1])
		} else if len(offsets) > 0 && offsets[0] != 0 && len(counts) > 0 {
			tiffJPEGFixupSubsampling(data, offsets[0], counts[0], L.spp, &j.hs, &j.vs)
		}
		if j.hs != 1 && j.hs != 2 && j.hs != 4 || j.vs != 1 && j.vs != 2 && j.vs != 4 {
			return nil, errorf("TIFF", Unsupported, "unsupported TIFF variant: YCbCr subsampling %dx%d", j.hs, j.vs)
		}
	}
	var info C.tj_info
	var rc C.int
	var tp *C.uint8_t
	if ifd.jpegTabs != nil {
		j.tables = C.CBytes(ifd.jpegTabs)
		tp = (*C.uint8_t)(j.tables)
	}
	j.st = C.tj_open(tp, C.size_t(len(ifd.jpegTabs)), &rc, &info)
	if j.st == nil {
		j.close()
		return nil, tiffJPEGError(rc, &info)
	}
	return j, nil
}

// chunk decodes one strip or tile (w x h pixels, of which a last strip's
// stream may hold more rows) into dst.
func (j *tiffJPEG) chunk(src []byte, w, h int, lastStrip bool, dst []byte) error {
	var info C.tj_info
	last := C.int(0)
	if lastStrip {
		last = 1
	}
	ycc := C.int(0)
	if j.ycc {
		ycc = 1
	}
	rc := C.tj_chunk(j.st, (*C.uint8_t)(unsafe.Pointer(&src[0])), C.size_t(len(src)),
		C.int(w), C.int(h), C.int(j.comps), ycc, C.int(j.hs), C.int(j.vs), last,
		(*C.uint8_t)(unsafe.Pointer(&dst[0])), C.size_t(len(dst)), &info)
	runtime.KeepAlive(src)
	runtime.KeepAlive(dst)
	if rc != C.TJ_OK {
		return tiffJPEGError(rc, &info)
	}
	return nil
}

func (j *tiffJPEG) close() {
	if j.st != nil {
		C.tj_close(j.st)
		j.st = nil
	}
	if j.tables != nil {
		C.free(j.tables)
		j.tables = nil
	}
}

// tiffJPEGFixupSubsampling is libtiff's JPEGFixupTagsSubsamplingSec: scan
// the first strip or tile's markers for the SOF and, when it has spp
// components, the others sampled 1x1 and the first 1, 2 or 4 each way,
// take the first one's sampling. Anything else leaves the tag's values.
func tiffJPEGFixupSubsampling(data []byte, off, cnt uint64, spp int, hs, vs *int) {
	if off > uint64(len(data)) || cnt > uint64(len(data))-off {
		return // libtiff cannot read it either; the strip read fails later
	}
	s := data[off : off+cnt]
	pos := 0
	byteAt := func() (int, bool) {
		if pos >= len(s) {
			return 0, false
		}
		pos++
		return int(s[pos-1]), true
	}
	word := func() (int, bool) {
		a, ok1 := byteAt()
		b, ok2 := byteAt()
		return a<<8 | b, ok1 && ok2
	}
	skip := func(n int) { pos = min(pos+n, len(s)) }
	for {
		var m int
		var ok bool
		for {
			if m, ok = byteAt(); !ok {
				return
			}
			if m == 255 {
				break
			}
		}
		for {
			if m, ok = byteAt(); !ok {
				return
			}
			if m != 255 {
				break
			}
		}
		switch {
		case m == 0xD8: // SOI
		case m == 0xFE || m >= 0xE0 && m <= 0xEF || m == 0xDB || m == 0xDA || m == 0xC4 || m == 0xDD:
			n, ok := word()
			if !ok || n < 2 {
				return
			}
			skip(n - 2)
		case m == 0xC0 || m == 0xC1 || m == 0xC2 || m == 0xC9 || m == 0xCA:
			n, ok := word()
			if !ok || n != 8+spp*3 {
				return
			}
			skip(7)
			p, ok := byteAt()
			if !ok {
				return
			}
			ph, pv := p>>4, p&15
			skip(1)
			for o := 1; o < spp; o++ {
				skip(1)
				q, ok := byteAt()
				if !ok {
					return
				}
				if q != 0x11 {
					return
				}
				skip(1)
			}
			if ph != 1 && ph != 2 && ph != 4 || pv != 1 && pv != 2 && pv != 4 {
				return
			}
			*hs, *vs = ph, pv
			return
		default:
			return
		}
	}
}
