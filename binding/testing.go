package binding

// The Go side of libtorch/torchc_testing.h: entry points for this
// package's tests and for device checks, unexported (cgo cannot appear in
// _test.go files).

// #include <stdlib.h>
// #include "torchc_testing.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// normalize runs only the normalisation step of Module.Forward on dev
// (Auto resolved) and returns the n×3×h×w float32 tensor it builds. With
// tensorOps the CPU takes the tensor path CUDA uses instead of its host
// loop: every path must equal the table.
func normalize(dev Device, tensorOps bool, pixels []byte, n, h, w int, lut *[3][256]float32) ([]float32, error) {
	if n < 1 || h < 1 || w < 1 || len(pixels) != n*h*w*3 || lut == nil {
		return nil, &Error{Op: "normalize", Code: InvalidArgument, Msg: fmt.Sprintf("bad batch: %d bytes for %dx%dx%dx3", len(pixels), n, h, w)}
	}
	dev, err := dev.Resolve()
	if err != nil {
		return nil, err
	}
	cdev := C.CString(dev.String())
	defer C.free(unsafe.Pointer(cdev))
	out := make([]float32, n*3*h*w)
	err = call("normalize", "", func(e *C.torchc_error) {
		C.torchc_normalize_u8(cdev, cBool(tensorOps), (*C.uint8_t)(unsafe.Pointer(&pixels[0])),
			C.int64_t(n), C.int64_t(h), C.int64_t(w),
			(*C.float)(unsafe.Pointer(&lut[0][0])), (*C.float)(unsafe.Pointer(&out[0])), e)
	})
	runtime.KeepAlive(pixels)
	runtime.KeepAlive(lut)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// slots is the number of per-call slots (CUDA stream + pinned buffers) the
// module has made: the most Forward calls it has had in flight at once on
// its device path. 0 for a CPU module on its default host path.
func (m *Module) slots() (int, error) {
	var n C.int
	err := m.use("slots", func(h *C.torchc_module, e *C.torchc_error) { n = C.torchc_module_slots(h, e) })
	return int(n), err
}

// setDevicePath sends a CPU module's Forward through the pipeline CUDA
// uses (slots, staging buffers, table gather as tensor ops).
func (m *Module) setDevicePath(on bool) error {
	return m.use("set device path", func(h *C.torchc_module, e *C.torchc_error) {
		C.torchc_module_set_device_path(h, cBool(on), e)
	})
}
