package predictor

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by every call on a closed Predictor, before it
// does any work.
var ErrClosed = errors.New("predictor: closed")

// ErrOverloaded is returned by the single-image calls (ClassifyBytes,
// ClassifyReader, ClassifyImage) when WithQueueSize requests are already
// admitted: the caller should shed load or retry later (HTTP 429 or 503).
// It comes at once, before any work on the request.
var ErrOverloaded = errors.New("predictor: overloaded: request queue is full")

// ErrNotFinite is the Err of a Result whose logits hold NaN or ±Inf: the
// model produced nothing usable for that input (the other inputs of its
// batch are unaffected). A server answers it as its own failure (HTTP 500).
var ErrNotFinite = errors.New("model output is not finite")

// Stage names where an input failed.
type Stage string

const (
	StageRead       Stage = "read"       // the file or reader could not be read (or is too large)
	StageDecode     Stage = "decode"     // the bytes are not an image we decode exactly
	StagePreprocess Stage = "preprocess" // resize/crop refused the image
)

// InputError means "this input is bad": it could not be read, decoded or
// preprocessed. The other inputs go on. Use errors.As to get it and
// errors.Is with decode.ErrTruncated, fs.ErrNotExist, ... to classify its
// cause. A server answers it with a client error (HTTP 400).
type InputError struct {
	Index int    // position in the input list
	Path  string // file name or the input's name; "" for unnamed inputs
	Stage Stage
	Err   error
}

func (e *InputError) Error() string {
	name := e.Path
	if name == "" {
		name = fmt.Sprintf("input %d", e.Index)
	}
	return fmt.Sprintf("%s: %s", name, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// BatchError means the model or its device failed on a batch whose inputs
// were all prepared without error: no input is at fault, and each input
// of the batch carries the same *BatchError. Err is the binding's
// *binding.Error; errors.Is(err, binding.ErrOutOfMemory),
// binding.ErrDevice, binding.ErrModel and binding.ErrBadOutput tell the
// causes apart. A server answers it with a server error (HTTP 500, or 503
// for binding.ErrOutOfMemory and binding.ErrDevice, which may pass).
type BatchError struct {
	Size int // inputs in the batch
	Err  error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("predictor: the model failed on a batch of %d: %v", e.Size, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
