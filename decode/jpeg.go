package decode

/*
#cgo LDFLAGS: -l:libjpeg.a
#include "jpeg_decode.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/torchgo/predict/rgb"
)

// jpegStatus maps the C decoder's status to the package's error kinds.
func jpegStatus(rc C.int, info *C.jd_info) error {
	msg := C.GoString(&info.msg[0])
	switch rc {
	case C.JD_OK:
		return nil
	case C.JD_TRUNCATED:
		return &FormatError{Format: "JPEG", Kind: Truncated, Msg: "truncated JPEG: " + msg}
	case C.JD_UNSUPPORTED:
		return &FormatError{Format: "JPEG", Kind: Unsupported, Msg: msg}
	}
	return &FormatError{Format: "JPEG", Kind: Corrupt, Msg: "invalid JPEG: " + msg}
}

// jpegModes is JpegImagePlugin's mode for a component count.
var jpegModes = map[C.int]string{1: "L", 3: "RGB", 4: "CMYK"}

// decodeJPEG decodes with libjpeg-turbo's libjpeg API (linked statically)
// the way Pillow does (parity-spec §1.1): grey replicated to RGB, CMYK
// through Pillow's inverted-CMYK convention and cmyk2rgb.
func decodeJPEG(data []byte, lim budget) (*rgb.Image, error) {
	// JpegImageFile._open reads the APP segments in Python before libjpeg
	// sees the file; a few of them end Image.open.
	if a := jpegApps(data); a.fails != "" {
		return nil, unidentified("JPEG", "%s", a.fails)
	}
	var info C.jd_info
	ptr := (*C.uint8_t)(unsafe.Pointer(&data[0]))
	if err := jpegStatus(C.jd_header(ptr, C.size_t(len(data)), &info), &info); err != nil {
		return nil, err
	}
	w, h := int(info.width), int(info.height)
	if err := lim.size("JPEG", jpegModes[info.components], w, h); err != nil {
		return nil, err
	}
	img := rgb.New(w, h)
	rc := C.jd_decode_rgb(ptr, C.size_t(len(data)),
		(*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.size_t(len(img.Pix)), lim.stop.cStop(), &info)
	runtime.KeepAlive(data)
	runtime.KeepAlive(img)
	if rc == C.JD_STOPPED {
		return nil, lim.stopped()
	}
	if err := jpegStatus(rc, &info); err != nil {
		return nil, err
	}
	return img, nil
}
