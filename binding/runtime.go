package binding

// #include <stdlib.h>
// #include "torchc.h"
import "C"

// Version reports the LibTorch version the shim was built against.
func Version() (string, error) {
	var v *C.char
	if err := call("version", "", func(e *C.torchc_error) { v = C.torchc_torch_version(e) }); err != nil {
		return "", err
	}
	return takeString(v), nil
}

// SetThreads sets LibTorch's intra-op thread count for the whole process:
// every module, loaded or not, runs its operators on that many threads.
// Some models' CPU logits depend on it (bit for bit), so a program that
// must match a Python pipeline sets what torch.set_num_threads sets there,
// or leaves LibTorch's default, which is what unconfigured PyTorch uses.
func SetThreads(n int) error {
	return call("set threads", "", func(e *C.torchc_error) { C.torchc_set_num_threads(C.int(n), e) })
}

// Threads reports LibTorch's current intra-op thread count.
func Threads() (int, error) {
	var n C.int
	err := call("threads", "", func(e *C.torchc_error) { n = C.torchc_num_threads(e) })
	return int(n), err
}

// DefaultThreads reports LibTorch's own intra-op thread count: what a
// process that never calls SetThreads runs with, as unconfigured PyTorch
// does, whatever SetThreads has set since.
func DefaultThreads() (int, error) {
	var n C.int
	err := call("default threads", "", func(e *C.torchc_error) { n = C.torchc_default_num_threads(e) })
	return int(n), err
}

// SetInteropThreads sets LibTorch's inter-op pool size for the whole
// process. LibTorch accepts this once, before any inter-op work; later
// calls fail with InvalidArgument.
func SetInteropThreads(n int) error {
	return call("set inter-op threads", "", func(e *C.torchc_error) { C.torchc_set_num_interop_threads(C.int(n), e) })
}
