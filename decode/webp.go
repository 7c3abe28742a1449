package decode

/*
#cgo LDFLAGS: -l:libwebpdemux.a -l:libwebp.a -lm -lpthread
#include "webp_decode.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/torchgo/predict/rgb"
)

// webpFile is an opened WebP: the canvas size its container declares.
type webpFile struct {
	data []byte
	w, h int
}

// openWebP reads the canvas size from the container, so that it is
// checked against the limit before the decoder (which allocates the
// canvas) is created.
func openWebP(data []byte, _ rules) (opened, error) {
	var cw, ch C.int
	rc := C.wd_canvas((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), &cw, &ch)
	runtime.KeepAlive(data)
	if rc != C.WD_OK {
		// Pillow: OSError "could not create decoder object".
		return nil, webpInvalid()
	}
	return &webpFile{data: data, w: int(cw), h: int(ch)}, nil
}

func (f *webpFile) header() Header { return Header{Format: "WebP", Width: f.w, Height: f.h} }

// pixels reads frame 0 through libwebp's WebPAnimDecoder, the decoder
// Pillow uses for every WebP file (docs/parity-spec.md §1.4), linked
// statically.
func (f *webpFile) pixels(budget) (*rgb.Image, error) {
	img := rgb.New(f.w, f.h)
	rc := C.wd_decode_rgb((*C.uint8_t)(unsafe.Pointer(&f.data[0])), C.size_t(len(f.data)),
		(*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.size_t(len(img.Pix)))
	runtime.KeepAlive(f.data)
	runtime.KeepAlive(img)
	if rc != C.WD_OK {
		return nil, webpInvalid()
	}
	return img, nil
}

func webpInvalid() error {
	return errorf("WebP", Corrupt, "invalid or truncated WebP: libwebp cannot decode it")
}
