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
		return errorf("JPEG", Truncated, "truncated JPEG: %s", msg)
	case C.JD_UNSUPPORTED:
		return errorf("JPEG", Unsupported, "%s", msg)
	}
	return errorf("JPEG", Corrupt, "invalid JPEG: %s", msg)
}

// jpegModes is JpegImagePlugin's mode for a component count.
var jpegModes = map[C.int]string{1: "L", 3: "RGB", 4: "CMYK"}

// jpegFile is an opened JPEG: libjpeg has read its header.
type jpegFile struct {
	data       []byte
	components C.int
	w, h       int
}

// openJPEG is JpegImageFile._open: the APP segments, read in Python before
// libjpeg sees the file (a few of them end Image.open), then the frame
// header.
func openJPEG(data []byte, r rules) (opened, error) {
	if a := jpegApps(data, r); a.fails != "" {
		return nil, unidentified("JPEG", "%s", a.fails)
	}
	var info C.jd_info
	ptr := (*C.uint8_t)(unsafe.Pointer(&data[0]))
	if err := jpegStatus(C.jd_header(ptr, C.size_t(len(data)), &info), &info); err != nil {
		return nil, err
	}
	runtime.KeepAlive(data)
	return &jpegFile{data: data, components: info.components, w: int(info.width), h: int(info.height)}, nil
}

func (j *jpegFile) header() Header {
	return Header{Format: "JPEG", Mode: jpegModes[j.components], Width: j.w, Height: j.h}
}

// pixels decodes with libjpeg-turbo's libjpeg API (linked statically) the
// way Pillow does (docs/parity-spec.md §1.1): grey replicated to RGB, CMYK
// through Pillow's inverted-CMYK convention and cmyk2rgb.
func (j *jpegFile) pixels(lim budget) (*rgb.Image, error) {
	var info C.jd_info
	img := rgb.New(j.w, j.h)
	rc := C.jd_decode_rgb((*C.uint8_t)(unsafe.Pointer(&j.data[0])), C.size_t(len(j.data)),
		(*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.size_t(len(img.Pix)), lim.stop.cStop(), &info)
	runtime.KeepAlive(j.data)
	runtime.KeepAlive(img)
	if rc == C.JD_STOPPED {
		return nil, lim.stopped()
	}
	if err := jpegStatus(rc, &info); err != nil {
		return nil, err
	}
	return img, nil
}
