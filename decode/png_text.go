package decode

/*
#cgo LDFLAGS: -l:libz.a
#include "png_text.h"
*/
import "C"

import (
	"bytes"
	"runtime"
	"unicode/utf8"
	"unsafe"
)

// PNG text chunks as Pillow 9.4's PngStream handles them (chunk_tEXt,
// chunk_zTXt, chunk_iTXt, chunk_iCCP): what each keeps in Image.info,
// what it counts against check_text_memory, and what makes Image.open or
// load fail.

const (
	pngMaxTextChunk  = 1 << 20              // MAX_TEXT_CHUNK = ImageFile.SAFEBLOCK
	pngMaxTextMemory = 64 * pngMaxTextChunk // MAX_TEXT_MEMORY
	pngTextMemoryMsg = "invalid PNG: too much memory used in text chunks (above 64 MiB, as Pillow counts it)"
)

// pngInfoValue is an Image.info entry a text chunk or eXIf sets: bytes
// (tEXt "exif", eXIf) or text.
type pngInfoValue struct {
	data  []byte
	isStr bool
}

// pngInfo keys that reading EXIF looks at.
const (
	pngKeyExif       = "exif"
	pngKeyRawProfile = "Raw profile type exif"
	pngKeyXMP        = "XML:com.adobe.xmp"
)

// pngSafeInflate is _safe_zlib_decompress: at most MAX_TEXT_CHUNK bytes;
// tooLarge when input is left over beyond them (ValueError), zerr on a
// zlib.error.
func pngSafeInflate(z []byte) (out []byte, tooLarge, zerr bool) {
	buf := make([]byte, pngMaxTextChunk)
	var in *C.uint8_t
	if len(z) > 0 {
		in = (*C.uint8_t)(unsafe.Pointer(&z[0]))
	}
	var tail C.int
	n := C.pt_inflate(in, C.size_t(len(z)), (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &tail)
	runtime.KeepAlive(z)
	if n < 0 {
		return nil, false, true
	}
	return buf[:n], tail != 0, false
}

// pngTextChunk is the handler of a tEXt, zTXt or iTXt chunk: the info
// entry it sets (key "" when none), the text memory it counts, or the
// error that ends the open or the load.
func pngTextChunk(typ string, body []byte) (key string, v pngInfoValue, cost int64, err error) {
	k, rest, found := bytes.Cut(body, []byte{0})
	switch typ {
	case "tEXt":
		if len(k) == 0 {
			return "", v, 0, nil
		}
		// info["exif"] keeps the bytes, other keys the latin-1 text, whose
		// length is the byte count.
		return latin1(k), pngInfoValue{data: rest, isStr: string(k) != pngKeyExif}, int64(len(rest)), nil
	case "zTXt":
		if len(rest) > 0 && rest[0] != 0 {
			return "", v, 0, errorf("PNG", Corrupt, "invalid PNG: unknown zTXt compression method")
		}
		var text []byte
		if len(rest) > 0 {
			out, tooLarge, zerr := pngSafeInflate(rest[1:])
			if tooLarge {
				return "", v, 0, errorf("PNG", Corrupt, "invalid PNG: zTXt text too large")
			}
			if !zerr { // zlib.error: the text is ""
				text = out
			}
		}
		if len(k) == 0 {
			return "", v, 0, nil
		}
		return latin1(k), pngInfoValue{data: text, isStr: true}, int64(len(text)), nil
	case "iTXt":
		if !found || len(rest) < 2 {
			return "", v, 0, nil
		}
		cf, cm := rest[0], rest[1]
		parts := bytes.SplitN(rest[2:], []byte{0}, 3)
		if len(parts) < 3 {
			return "", v, 0, nil
		}
		text := parts[2]
		if cf != 0 {
			if cm != 0 {
				return "", v, 0, nil
			}
			out, tooLarge, zerr := pngSafeInflate(text)
			if tooLarge {
				return "", v, 0, errorf("PNG", Corrupt, "invalid PNG: iTXt text too large")
			}
			if zerr {
				return "", v, 0, nil
			}
			text = out
		}
		if !utf8.Valid(parts[0]) || !utf8.Valid(parts[1]) || !utf8.Valid(text) {
			return "", v, 0, nil // UnicodeError: skipped
		}
		// An empty keyword is stored (and counted) too; the length is in
		// code points.
		return latin1(k), pngInfoValue{data: text, isStr: true}, int64(utf8.RuneCount(text)), nil
	}
	return "", v, 0, nil
}

// pngText is the state PngStream keeps across chunks: the text memory
// counted so far (check_text_memory) and the info entries reading EXIF
// needs, the last chunk of a key winning.
type pngText struct {
	memory int64
	info   map[string]pngInfoValue
}

// chunk handles one text chunk (or eXIf) into the state.
func (t *pngText) chunk(typ string, body []byte) error {
	if typ == "eXIf" {
		t.set(pngKeyExif, pngInfoValue{data: append([]byte("Exif\x00\x00"), body...)})
		return nil
	}
	key, v, cost, err := pngTextChunk(typ, body)
	if err != nil {
		return err
	}
	t.set(key, v) // a skipped chunk has no key and costs nothing
	t.memory += cost
	if t.memory > pngMaxTextMemory {
		return errorf("PNG", Corrupt, pngTextMemoryMsg)
	}
	return nil
}

func (t *pngText) set(key string, v pngInfoValue) {
	switch key {
	case pngKeyExif, pngKeyRawProfile, pngKeyXMP:
		if t.info == nil {
			t.info = map[string]pngInfoValue{}
		}
		t.info[key] = v
	}
}
