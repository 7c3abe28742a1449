// Package binding is the Go side of the torchc C ABI (libtorch/torchc.h):
// loading a TorchScript module onto a device and running whole uint8 batches
// through it in one cgo call.
//
// Nothing here owns tensors: every intermediate lives and dies inside one C
// call, and the only long-lived handle, Module, is freed by an explicit Close.
//
// # Building
//
// The package links libtorchc.so through pkg-config (package "torchc").
// `make install PREFIX=DIR` in the repository installs the shim, its header
// and DIR/lib/pkgconfig/torchc.pc; then
//
//	PKG_CONFIG_PATH=DIR/lib/pkgconfig go build ./...
//
// links against DIR/lib and records DIR/lib as the binary's run path, so
// it runs without LD_LIBRARY_PATH. Inside the repository, `make build`
// uses an uninstalled torchc.pc under build/.
//
// # Process-wide settings
//
// LibTorch's thread pools and CUDA math settings belong to the process,
// not to a module: SetThreads, SetInteropThreads and SetCUDADeterministic
// change them for every module, loaded or still to be loaded. Call them
// once, at start-up.
//
// # Errors
//
// Every failure reported through the C ABI is an *Error whose Code says
// whose fault it is; errors.Is(err, ErrOutOfMemory) and the other
// sentinels match on the code alone. The ABI version of libtorchc.so is
// checked before any other call into it.
package binding

/*
#cgo CFLAGS: -I${SRCDIR}/../libtorch
#cgo pkg-config: torchc
#include <stdlib.h>
#include "torchc.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// ABIVersion is the torchc.h version this package was compiled against.
const ABIVersion = C.TORCHC_ABI_VERSION

// abi refuses a libtorchc.so built from another header version, which
// would otherwise fail later as memory corruption. It asks the library
// once per process; the answer cannot change while the library is mapped.
var abi = sync.OnceValue(func() error {
	if got := int(C.torchc_abi_version()); got != ABIVersion {
		return &Error{Op: "check ABI", Code: Internal, Msg: fmt.Sprintf(
			"libtorchc.so implements torchc ABI %d, this program was built for %d: rebuild the shim from the same sources", got, ABIVersion)}
	}
	return nil
})

// call runs one C entry point with a fresh torchc_error and returns what
// it reported as an *Error for op (and path, when a model file is
// involved), after the ABI check.
func call(op, path string, fn func(*C.torchc_error)) error {
	if err := abi(); err != nil {
		return err
	}
	var e C.torchc_error
	fn(&e)
	if e.code == C.TORCHC_OK {
		return nil
	}
	msg := "no message (out of memory?)"
	if e.message != nil {
		msg = C.GoString(e.message)
		C.free(unsafe.Pointer(e.message))
	}
	return &Error{Op: op, Path: path, Code: Code(e.code), Msg: msg}
}

// takeString converts a malloc'd C string into Go and frees it.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}

// cBool is C's int for a Go bool.
func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
