package binding

/*
#include "torchc.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by calls on a Module after Close.
var ErrClosed = errors.New("binding: module is closed")

// Code says what kind of failure the C ABI reported, hence whose fault it
// is: the caller's (InvalidArgument, IO, NotTorchScript), the model's
// (BadOutput, ModelFailure) or the machine's (OutOfMemory, DeviceFailure,
// Internal).
type Code int

const (
	InvalidArgument Code = C.TORCHC_ERR_INVALID_ARGUMENT // unusable argument: bad shape, count, device name
	IO              Code = C.TORCHC_ERR_IO               // the model file cannot be read
	NotTorchScript  Code = C.TORCHC_ERR_NOT_TORCHSCRIPT  // readable, but not a TorchScript archive LibTorch loads
	BadOutput       Code = C.TORCHC_ERR_BAD_OUTPUT       // the model returned something other than [N, C] float32
	ModelFailure    Code = C.TORCHC_ERR_MODEL            // the model's own code failed on a valid batch
	OutOfMemory     Code = C.TORCHC_ERR_OUT_OF_MEMORY    // host or device memory ran out
	DeviceFailure   Code = C.TORCHC_ERR_DEVICE           // the device is missing or failed
	Internal        Code = C.TORCHC_ERR_INTERNAL         // a bug in the shim or LibTorch, or an ABI mismatch
)

func (c Code) String() string {
	switch c {
	case InvalidArgument:
		return "invalid argument"
	case IO:
		return "I/O error"
	case NotTorchScript:
		return "not a TorchScript file"
	case BadOutput:
		return "bad model output"
	case ModelFailure:
		return "model failure"
	case OutOfMemory:
		return "out of memory"
	case DeviceFailure:
		return "device error"
	case Internal:
		return "internal error"
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Error is a failure reported by LibTorch (or by the shim's own checks)
// through the C ABI. Msg is LibTorch's message without its C++ backtrace.
// Like Device, CUDADevice and CUDAMath it is a plain value; every function
// of this package is safe for concurrent use.
type Error struct {
	Op   string // "load", "forward", "set threads", ...
	Path string // model file, where one is involved
	Code Code
	Msg  string
}

func (e *Error) Error() string {
	msg := e.Msg
	if e.Code == NotTorchScript {
		msg += " (not a TorchScript archive: export the model with torch.jit.trace or torch.jit.script, then .save())"
	}
	if e.Path != "" {
		return fmt.Sprintf("binding: %s %s: %s", e.Op, e.Path, msg)
	}
	return fmt.Sprintf("binding: %s: %s", e.Op, msg)
}

// Is makes errors.Is(err, binding.ErrOutOfMemory) and the other sentinels
// match any Error with their Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Path == "" && t.Msg == "" && t.Code == e.Code
}

// Sentinels for errors.Is, one per Code.
var (
	ErrInvalidArgument error = &Error{Code: InvalidArgument}
	ErrIO              error = &Error{Code: IO}
	ErrNotTorchScript  error = &Error{Code: NotTorchScript}
	ErrBadOutput       error = &Error{Code: BadOutput}
	ErrModel           error = &Error{Code: ModelFailure}
	ErrOutOfMemory     error = &Error{Code: OutOfMemory}
	ErrDevice          error = &Error{Code: DeviceFailure}
	ErrInternal        error = &Error{Code: Internal}
)
