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

// decodeWebP reads frame 0 through libwebp's WebPAnimDecoder, the decoder
// Pillow uses for every WebP file (parity-spec §1.4), linked statically.
// The canvas size is read from the container and checked against the limit
// before the decoder (which allocates the canvas) is created.
func decodeWebP(data []byte, lim budget) (*rgb.Image, error) {
	ptr := (*C.uint8_t)(unsafe.Pointer(&data[0]))
	var cw, ch C.int
	rc := C.wd_canvas(ptr, C.size_t(len(data)), &cw, &ch)
	runtime.KeepAlive(data)
	if rc != C.WD_OK {
		// Pillow: OSError "could not create decoder object".
		return nil, webpInvalid()
	}
	w, h := int(cw), int(ch)
	if err := lim.size("WebP", "", w, h); err != nil {
		return nil, err
	}
	img := rgb.New(w, h)
	rc = C.wd_decode_rgb(ptr, C.size_t(len(data)), (*C.uint8_t)(unsafe.Pointer(&img.Pix[0])), C.size_t(len(img.Pix)))
	runtime.KeepAlive(data)
	runtime.KeepAlive(img)
	if rc != C.WD_OK {
		return nil, webpInvalid()
	}
	return img, nil
}

func webpInvalid() error {
	return &FormatError{Format: "WebP", Kind: Corrupt, Msg: "invalid or truncated WebP: libwebp cannot decode it"}
}
