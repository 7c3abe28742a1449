// Package binding is the Go side of the torchc C ABI (libtorch/torchc.h):
// loading a TorchScript module onto a device and running whole uint8 batches
// through it in one cgo call.
//
// Nothing here owns tensors: every intermediate lives and dies inside one C
// call, and the only long-lived handle, Module, is freed by an explicit Close.
//
// The package links against libtorchc.so, built by the repository's
// CMakeLists.txt into build/. Outside this repository, point the linker at
// your copy with CGO_LDFLAGS="-L/dir -Wl,-rpath,/dir".
package binding

/*
#cgo CFLAGS: -I${SRCDIR}/../libtorch
#cgo LDFLAGS: -L${SRCDIR}/../build -Wl,-rpath,${SRCDIR}/../build -ltorchc
#include <stdlib.h>
#include "torchc.h"
*/
import "C"

import "unsafe"

// takeError converts a C error out-parameter into a Go string and frees it.
// ok is false when C reported an error.
func takeError(cerr *C.char) (msg string, failed bool) {
	if cerr == nil {
		return "", false
	}
	msg = C.GoString(cerr)
	C.free(unsafe.Pointer(cerr))
	return msg, true
}

// takeString converts a malloc'd C string into Go and frees it.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}
