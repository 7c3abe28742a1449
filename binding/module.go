package binding

// #include <stdlib.h>
// #include "torchc.h"
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Module is a TorchScript module loaded onto one device. It is safe for
// concurrent use: Forward calls run in parallel, Close waits for them.
type Module struct {
	path   string
	device Device

	mu     sync.RWMutex // Forward holds it shared, Close exclusively
	handle *C.torchc_module

	// classes caches the output width seen by the last Forward so the next
	// one allocates the right buffer; 0 until the first call.
	classes atomic.Int64
}

// Load reads a TorchScript file onto dev (Auto is resolved first) and puts
// the module in eval mode.
func Load(path string, dev Device) (*Module, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	dev, err := dev.Resolve()
	if err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cdev := C.CString(dev.String())
	defer C.free(unsafe.Pointer(cdev))

	var cerr *C.char
	h := C.torchc_module_load(cpath, cdev, &cerr)
	if msg, failed := takeError(cerr); failed {
		if strings.Contains(msg, "PytorchStreamReader") {
			msg += " (not a TorchScript archive: export the model with torch.jit.trace or torch.jit.script, then .save())"
		}
		return nil, &Error{Op: "load", Path: path, Msg: msg}
	}
	if h == nil {
		return nil, &Error{Op: "load", Path: path, Msg: "shim returned no module and no error"}
	}
	return &Module{path: path, device: dev, handle: h}, nil
}

// Metadata is the "predict.json" file stored in the TorchScript archive
// (scripts/export_resnet18.py writes one), or "" when there is none.
func (m *Module) Metadata() (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return "", ErrClosed
	}
	var cerr *C.char
	s := C.torchc_module_metadata(m.handle, &cerr)
	if msg, failed := takeError(cerr); failed {
		return "", &Error{Op: "read metadata", Path: m.path, Msg: msg}
	}
	return takeString(s), nil
}

// Path is the file the module was loaded from.
func (m *Module) Path() string { return m.path }

// Device is the concrete device the module runs on.
func (m *Module) Device() Device { return m.device }

// Classes is the output width seen so far, 0 before the first Forward.
func (m *Module) Classes() int { return int(m.classes.Load()) }

// Output holds one batch's results, row-major N×Classes.
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
// (ToTensor+Normalize, parity-spec §4); the mapping happens on the module's
// device, so only uint8 crosses to it.
func (m *Module) Forward(pixels []byte, n, h, w int, lut *[3][256]float32) (*Output, error) {
	if n < 1 || h < 1 || w < 1 {
		return nil, &Error{Op: "forward", Path: m.path, Msg: fmt.Sprintf("bad batch shape %dx%dx%dx3", n, h, w)}
	}
	if want := n * h * w * 3; len(pixels) != want {
		return nil, &Error{Op: "forward", Path: m.path, Msg: fmt.Sprintf(
			"pixel buffer holds %d bytes, a %dx%dx%dx3 batch needs %d", len(pixels), n, h, w, want)}
	}
	if lut == nil {
		return nil, &Error{Op: "forward", Path: m.path, Msg: "nil normalisation table"}
	}

	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return nil, ErrClosed
	}

	guess := m.classes.Load()
	if guess == 0 {
		guess = 1000 // ImageNet; a wrong guess costs one retry per module
	}
	out, classes, msg := m.forward(pixels, n, h, w, lut, int(guess))
	if msg != "" && classes > 0 && int(classes) > int(guess) {
		out, classes, msg = m.forward(pixels, n, h, w, lut, int(classes))
	}
	if msg != "" {
		return nil, &Error{Op: "forward", Path: m.path, Msg: msg}
	}
	m.classes.Store(classes)
	return out, nil
}

// forward is one C call with room for `room` classes per row. On a short
// buffer it reports the width the model needs in classes.
func (m *Module) forward(pixels []byte, n, h, w int, lut *[3][256]float32, room int) (*Output, int64, string) {
	logits := make([]float32, n*room)
	probs := make([]float32, n*room)
	var classes C.int64_t
	var cerr *C.char
	// Go memory passed for the duration of the call only; the shim copies
	// what it keeps (cgo pointer rules).
	C.torchc_module_forward_u8(m.handle,
		(*C.uint8_t)(unsafe.Pointer(&pixels[0])),
		C.int64_t(n), C.int64_t(h), C.int64_t(w),
		(*C.float)(unsafe.Pointer(&lut[0][0])),
		(*C.float)(unsafe.Pointer(&logits[0])),
		(*C.float)(unsafe.Pointer(&probs[0])),
		C.int64_t(len(logits)), &classes, &cerr)
	runtime.KeepAlive(pixels)
	runtime.KeepAlive(lut)
	if msg, failed := takeError(cerr); failed {
		return nil, int64(classes), msg
	}
	c := int(classes)
	return &Output{N: n, Classes: c, Logits: logits[: n*c : n*c], Probs: probs[: n*c : n*c]}, int64(classes), ""
}

// Close frees the module after every in-flight Forward has returned.
// Further calls return ErrClosed; closing twice is a no-op.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handle != nil {
		C.torchc_module_free(m.handle)
		m.handle = nil
	}
	return nil
}

// WarmUp runs an all-zero n×h×w batch through `inflight` distinct CUDA
// streams (slots) of the module, creating them: the first call for each
// batch shape is slow (TorchScript profiling, cuDNN algorithm choice, the
// CUDA caching allocator growing per stream). Warm every batch size you will
// use with the number of Forward calls you will have in flight at once. On a
// CPU module it runs the batch once.
func (m *Module) WarmUp(n, h, w int, lut *[3][256]float32, inflight int) error {
	if lut == nil {
		return &Error{Op: "warm up", Path: m.path, Msg: "nil normalisation table"}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return ErrClosed
	}
	var cerr *C.char
	C.torchc_module_warmup(m.handle, C.int64_t(n), C.int64_t(h), C.int64_t(w),
		(*C.float)(unsafe.Pointer(&lut[0][0])), C.int(inflight), &cerr)
	runtime.KeepAlive(lut)
	if msg, failed := takeError(cerr); failed {
		return &Error{Op: "warm up", Path: m.path, Msg: msg}
	}
	return nil
}

// Slots is the number of per-call slots (CUDA stream + pinned buffers) the
// module has made: the most Forward calls it has had in flight at once on
// its device path. 0 for a CPU module on its default host path.
func (m *Module) Slots() (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return 0, ErrClosed
	}
	var cerr *C.char
	n := C.torchc_module_slots(m.handle, &cerr)
	if msg, failed := takeError(cerr); failed {
		return 0, &Error{Op: "slots", Path: m.path, Msg: msg}
	}
	return int(n), nil
}

// setDevicePath sends a CPU module's Forward through the pipeline CUDA
// uses (slots, staging buffers, table gather as tensor ops), for tests.
func (m *Module) setDevicePath(on bool) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.handle == nil {
		return ErrClosed
	}
	v := C.int(0)
	if on {
		v = 1
	}
	var cerr *C.char
	C.torchc_module_set_device_path(m.handle, v, &cerr)
	if msg, failed := takeError(cerr); failed {
		return &Error{Op: "set device path", Path: m.path, Msg: msg}
	}
	return nil
}
