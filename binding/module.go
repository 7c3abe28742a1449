package binding

// #include <stdlib.h>
// #include "torchc.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Module is a TorchScript module loaded onto one device. It is safe for
// concurrent use: Forward calls run in parallel, Close waits for them.
type Module struct {
	path   string
	device Device

	mu     sync.RWMutex // calls hold it shared, Close exclusively
	handle *C.torchc_module

	// classes caches the output width seen by the last call so the next
	// Forward allocates the right buffer; 0 until the first call.
	classes atomic.Int64
}

// Load reads a TorchScript file onto dev (Auto is resolved first) and puts
// the module in eval mode. A file that cannot be read is ErrIO, one that is
// not TorchScript ErrNotTorchScript; a missing or failing device ErrDevice.
func Load(path string, dev Device) (*Module, error) {
	dev, err := dev.Resolve()
	if err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cdev := C.CString(dev.String())
	defer C.free(unsafe.Pointer(cdev))

	var h *C.torchc_module
	if err := call("load", path, func(e *C.torchc_error) { h = C.torchc_module_load(cpath, cdev, e) }); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, &Error{Op: "load", Path: path, Code: Internal, Msg: "shim returned no module and no error"}
	}
	return &Module{path: path, device: dev, handle: h}, nil
}

// use runs fn on the module's handle under the read lock, refusing with
// ErrClosed after Close.
func (m *Module) use(op string, fn func(h *C.torchc_module, e *C.torchc_error)) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return ErrClosed
	}
	return call(op, m.path, func(e *C.torchc_error) { fn(m.handle, e) })
}

// Metadata is the "predict.json" file stored in the TorchScript archive
// (scripts/export_resnet18.py writes one), or "" when there is none.
func (m *Module) Metadata() (string, error) {
	var s *C.char
	err := m.use("read metadata", func(h *C.torchc_module, e *C.torchc_error) { s = C.torchc_module_metadata(h, e) })
	return takeString(s), err
}

// Path is the file the module was loaded from.
func (m *Module) Path() string { return m.path }

// Device is the concrete device the module runs on.
func (m *Module) Device() Device { return m.device }

// Classes is the output width seen so far, 0 before the first Forward or
// WarmUp.
func (m *Module) Classes() int { return int(m.classes.Load()) }

// Output holds one batch's results, row-major N×Classes. Each Forward
// returns a new one, owned by the caller.
type Output struct {
	N, Classes int
	Logits     []float32 // the model's raw output
	Probs      []float32 // softmax over each row, computed by LibTorch
}

// Row returns item i's logits and probabilities.
func (o *Output) Row(i int) (logits, probs []float32) {
	lo, hi := i*o.Classes, (i+1)*o.Classes
	return o.Logits[lo:hi:hi], o.Probs[lo:hi:hi]
}

// Forward runs a batch of n images, each h×w RGB, packed as n×h×w×3 uint8
// in pixels. lut maps each channel's sample value to its normalised float32
// (ToTensor+Normalize, docs/parity-spec.md §4); the mapping happens on the
// module's device, so only uint8 crosses to it.
func (m *Module) Forward(pixels []byte, n, h, w int, lut *[3][256]float32) (*Output, error) {
	return m.ForwardSubBatched(pixels, n, h, w, lut, 0)
}

// ForwardSubBatched is Forward running the model on parts of sub images
// (the last part smaller; 0 or >= n: the whole batch), in the same C
// call: activations need memory for sub images instead of n. The logits
// equal Forward's only where the model's outputs do not depend on the
// batch an image rides in; check that (as predictor does at load) before
// relying on it.
func (m *Module) ForwardSubBatched(pixels []byte, n, h, w int, lut *[3][256]float32, sub int) (*Output, error) {
	if err := checkBatch(pixels, n, h, w, lut); err != nil {
		return nil, m.invalid("forward", err)
	}
	if sub < 0 {
		return nil, m.invalid("forward", fmt.Errorf("sub-batch size %d", sub))
	}
	guess := int(m.classes.Load())
	if guess == 0 {
		guess = 1000 // ImageNet; a wrong guess costs one retry per module
	}
	out, classes, err := m.forward(pixels, n, h, w, lut, sub, guess)
	if err != nil && classes > guess {
		out, classes, err = m.forward(pixels, n, h, w, lut, sub, classes)
	}
	if err != nil {
		return nil, err
	}
	m.classes.Store(int64(classes))
	return out, nil
}

// forward is one C call with room for `room` classes per row. On a short
// buffer it reports the width the model needs in classes.
func (m *Module) forward(pixels []byte, n, h, w int, lut *[3][256]float32, sub, room int) (*Output, int, error) {
	logits := make([]float32, n*room)
	probs := make([]float32, n*room)
	var classes C.int64_t
	// Go memory passed for the duration of the call only; the shim copies
	// what it keeps (cgo pointer rules).
	err := m.use("forward", func(hd *C.torchc_module, e *C.torchc_error) {
		C.torchc_module_forward_u8(hd,
			(*C.uint8_t)(unsafe.Pointer(&pixels[0])),
			C.int64_t(n), C.int64_t(h), C.int64_t(w),
			(*C.float)(unsafe.Pointer(&lut[0][0])), C.int64_t(sub),
			(*C.float)(unsafe.Pointer(&logits[0])),
			(*C.float)(unsafe.Pointer(&probs[0])),
			C.int64_t(len(logits)), &classes, e)
	})
	runtime.KeepAlive(pixels)
	runtime.KeepAlive(lut)
	if err != nil {
		return nil, int(classes), err
	}
	c := int(classes)
	return &Output{N: n, Classes: c, Logits: logits[: n*c : n*c], Probs: probs[: n*c : n*c]}, c, nil
}

// Close frees the module after every in-flight call has returned. It is
// idempotent; later calls return ErrClosed.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handle != nil {
		C.torchc_module_free(m.handle)
		m.handle = nil
	}
	return nil
}

// WarmUp runs an all-zero n×h×w batch through the module `runs` times,
// each time as `concurrent` calls in flight at once, so that the device
// path has a slot (a CUDA stream and its pinned buffers) for each. The
// first calls for each batch shape are slow (TorchScript's profiling
// executor optimises the graph on its second run; oneDNN and cuDNN choose
// kernels per shape; caching allocators grow per stream): warm every batch
// size you will use, with the number of Forward calls you will have in
// flight at once. A CPU module on its host path has no slots and runs the
// batch once per run. It also learns the output width (Classes).
func (m *Module) WarmUp(n, h, w int, lut *[3][256]float32, runs, concurrent int) error {
	if err := checkBatch(nil, n, h, w, lut); err != nil {
		return m.invalid("warm up", err)
	}
	var classes C.int64_t
	err := m.use("warm up", func(hd *C.torchc_module, e *C.torchc_error) {
		C.torchc_module_warmup(hd, C.int64_t(n), C.int64_t(h), C.int64_t(w),
			(*C.float)(unsafe.Pointer(&lut[0][0])), C.int(runs), C.int(concurrent), &classes, e)
	})
	runtime.KeepAlive(lut)
	if err == nil {
		m.classes.Store(int64(classes))
	}
	return err
}

// checkBatch refuses what would make the C side read out of bounds;
// pixels == nil skips the buffer check (warm-up makes its own).
func checkBatch(pixels []byte, n, h, w int, lut *[3][256]float32) error {
	switch {
	case n < 1 || h < 1 || w < 1:
		return fmt.Errorf("bad batch shape %dx%dx%dx3", n, h, w)
	case pixels != nil && len(pixels) != n*h*w*3:
		return fmt.Errorf("pixel buffer holds %d bytes, a %dx%dx%dx3 batch needs %d", len(pixels), n, h, w, n*h*w*3)
	case lut == nil:
		return errors.New("nil normalisation table")
	}
	return nil
}

func (m *Module) invalid(op string, err error) error {
	return &Error{Op: op, Path: m.path, Code: InvalidArgument, Msg: err.Error()}
}
