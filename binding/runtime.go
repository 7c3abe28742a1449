package binding

// #include <stdlib.h>
// #include "torchc.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// ABIVersion is the torchc.h version this package was compiled against.
const ABIVersion = C.TORCHC_ABI_VERSION

// checkABI refuses a libtorchc.so built from another header version, which
// would otherwise fail later as memory corruption.
func checkABI() error {
	if got := int(C.torchc_abi_version()); got != ABIVersion {
		return &Error{Op: "check ABI", Msg: fmt.Sprintf(
			"libtorchc.so implements torchc ABI %d, this program was built for %d: rebuild the shim from the same sources", got, ABIVersion)}
	}
	return nil
}

// Version reports the LibTorch version the shim was built against.
func Version() (string, error) {
	if err := checkABI(); err != nil {
		return "", err
	}
	var cerr *C.char
	v := C.torchc_torch_version(&cerr)
	if msg, failed := takeError(cerr); failed {
		return "", &Error{Op: "version", Msg: msg}
	}
	return takeString(v), nil
}

// CUDADeviceCount is the number of CUDA devices LibTorch can use; 0 for a
// CPU-only LibTorch or a machine without a driver.
func CUDADeviceCount() (int, error) {
	var cerr *C.char
	n := C.torchc_cuda_device_count(&cerr)
	if msg, failed := takeError(cerr); failed {
		return 0, &Error{Op: "count CUDA devices", Msg: msg}
	}
	return int(n), nil
}

// SetThreads sets LibTorch's intra-op thread count for the whole process.
func SetThreads(n int) error {
	var cerr *C.char
	C.torchc_set_num_threads(C.int(n), &cerr)
	if msg, failed := takeError(cerr); failed {
		return &Error{Op: "set threads", Msg: msg}
	}
	return nil
}

// Threads reports LibTorch's current intra-op thread count.
func Threads() (int, error) {
	var cerr *C.char
	n := C.torchc_get_num_threads(&cerr)
	if msg, failed := takeError(cerr); failed {
		return 0, &Error{Op: "get threads", Msg: msg}
	}
	return int(n), nil
}

// SetInteropThreads sets LibTorch's inter-op pool size. LibTorch accepts
// this once per process, before any inter-op work; later calls fail.
func SetInteropThreads(n int) error {
	var cerr *C.char
	C.torchc_set_num_interop_threads(C.int(n), &cerr)
	if msg, failed := takeError(cerr); failed {
		return &Error{Op: "set inter-op threads", Msg: msg}
	}
	return nil
}

// Normalize runs only the normalisation step of Module.Forward on dev
// (Auto resolved) and returns the n×3×h×w float32 tensor it builds. With
// tensorOps the CPU takes the tensor path CUDA uses instead of its host
// loop. For tests and device checks: every path must equal the table.
func Normalize(dev Device, tensorOps bool, pixels []byte, n, h, w int, lut *[3][256]float32) ([]float32, error) {
	if n < 1 || h < 1 || w < 1 || len(pixels) != n*h*w*3 || lut == nil {
		return nil, &Error{Op: "normalize", Msg: fmt.Sprintf("bad batch: %d bytes for %dx%dx%dx3", len(pixels), n, h, w)}
	}
	dev, err := dev.Resolve()
	if err != nil {
		return nil, err
	}
	cdev := C.CString(dev.String())
	defer C.free(unsafe.Pointer(cdev))
	ops := C.int(0)
	if tensorOps {
		ops = 1
	}
	out := make([]float32, n*3*h*w)
	var cerr *C.char
	C.torchc_normalize_u8(cdev, ops, (*C.uint8_t)(unsafe.Pointer(&pixels[0])),
		C.int64_t(n), C.int64_t(h), C.int64_t(w),
		(*C.float)(unsafe.Pointer(&lut[0][0])), (*C.float)(unsafe.Pointer(&out[0])), &cerr)
	runtime.KeepAlive(pixels)
	runtime.KeepAlive(lut)
	if msg, failed := takeError(cerr); failed {
		return nil, &Error{Op: "normalize", Msg: msg}
	}
	return out, nil
}
