package predictor

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by calls on a closed Predictor.
var ErrClosed = errors.New("predictor: closed")

// Stage names where an input failed.
type Stage string

const (
	StageRead       Stage = "read"       // the file could not be read
	StageDecode     Stage = "decode"     // the bytes are not an image we decode exactly
	StagePreprocess Stage = "preprocess" // resize/crop refused the image
	StageInference  Stage = "inference"  // the model failed on the batch holding it
)

// InputError is the failure of one input; the others go on. Use errors.As
// to get it and errors.Is with decode.ErrTruncated, fs.ErrNotExist, ... to
// classify its cause.
type InputError struct {
	Index int    // position in the input list
	Path  string // file name, or "" for in-memory inputs
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
