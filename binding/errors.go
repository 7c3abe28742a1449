package binding

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by calls on a Module after Close.
var ErrClosed = errors.New("torchc: module is closed")

// Error is a failure reported by LibTorch (or by the shim's own checks)
// through the C ABI. Msg is LibTorch's message without its C++ backtrace.
type Error struct {
	Op   string // "load", "forward", "set threads", ...
	Path string // model file, where one is involved
	Msg  string
}

func (e *Error) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("torchc: %s %s: %s", e.Op, e.Path, e.Msg)
	}
	return fmt.Sprintf("torchc: %s: %s", e.Op, e.Msg)
}
