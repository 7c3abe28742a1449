package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/torchgo/predict/predictor"
)

// The model's one input, and the outputs it answers with, in the order
// they come back when a request names none.
const inputName = "image"

var outputNames = []string{"logits", "probabilities", "top_classes", "top_probs", "top_labels"}

// Platform is what model metadata reports: a TorchScript model, as
// Triton's PyTorch backend names it.
const Platform = "pytorch_torchscript"

// tensorMeta describes one input or output.
type tensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// modelMeta is the model's metadata: -1 stands for the batch dimension,
// and for the class count until the model is loaded.
func (s *Server) modelMeta() (inputs, outputs []tensorMeta) {
	classes, k := int64(-1), int64(-1)
	if p := s.pred.Load(); p != nil {
		classes, k = int64(p.Classes()), int64(p.TopK())
	}
	inputs = []tensorMeta{{inputName, "BYTES", []int64{-1}}}
	outputs = []tensorMeta{
		{"logits", "FP32", []int64{-1, classes}},
		{"probabilities", "FP32", []int64{-1, classes}},
		{"top_classes", "INT64", []int64{-1, k}},
		{"top_probs", "FP32", []int64{-1, k}},
		{"top_labels", "BYTES", []int64{-1, k}},
	}
	return inputs, outputs
}

// checkModel answers whether name and version (""; any) address the
// model.
func (s *Server) checkModel(name, version string) *failure {
	if name != s.cfg.ModelName {
		return fail(notFound, fmt.Sprintf("unknown model %q (this server serves %q)", name, s.cfg.ModelName))
	}
	if version != "" && version != s.cfg.ModelVersion {
		return fail(notFound, fmt.Sprintf("unknown version %q of model %q (it has version %q)", version, name, s.cfg.ModelVersion))
	}
	return nil
}

// timeoutParam is the request's "timeout" parameter, in microseconds as
// Triton reads it; 0 when absent.
func timeoutParam(us int64, ok bool) (time.Duration, *failure) {
	if !ok {
		return 0, nil
	}
	if us <= 0 || us > math.MaxInt64/int64(time.Microsecond) {
		return 0, fail(badRequest, fmt.Sprintf("parameter timeout %d: want a positive number of microseconds", us))
	}
	return time.Duration(us) * time.Microsecond, nil
}

// unavailable is why the server takes no inference request now, or nil.
func (s *Server) unavailable() *failure {
	switch {
	case s.pred.Load() == nil:
		return fail(unavailable, "the model is still loading")
	case s.refuse.Load():
		return fail(unavailable, "the server is shutting down")
	}
	return nil
}

// classify runs each image through the predictor as its own ClassifyBytes
// call, so that the predictor batches them with every other request's,
// and returns the results in order, or why the request failed: the
// client's deadline or departure first, then a full queue, a closing
// predictor, the images that are bad (all of them, by index), a model
// failure.
func (s *Server) classify(ctx context.Context, images [][]byte, timeout time.Duration) ([]predictor.Result, *failure) {
	if f := s.unavailable(); f != nil {
		return nil, f
	}
	p := s.pred.Load()
	switch {
	case len(images) == 0:
		return nil, fail(badRequest, fmt.Sprintf("input %q holds no image", inputName))
	case len(images) > p.QueueSize():
		return nil, fail(badRequest, fmt.Sprintf("%d images in one request, more than the server queues at once (%d): send fewer per request", len(images), p.QueueSize()))
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	results := make([]predictor.Result, len(images))
	errs := make([]error, len(images))
	var wg sync.WaitGroup
	for i, img := range images {
		wg.Go(func() {
			results[i], errs[i] = p.ClassifyBytes(run, img)
			var ie *predictor.InputError
			if errs[i] != nil && !errors.As(errs[i], &ie) {
				stop() // the request fails whatever the other images give
			}
		})
	}
	wg.Wait()
	for i := range results {
		if errs[i] == nil {
			s.m.observeImage(results[i].Timing)
		}
	}
	return results, classifyFailure(ctx, errs)
}

func classifyFailure(ctx context.Context, errs []error) *failure {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fail(deadline, "deadline exceeded before the request was served")
	case ctx.Err() != nil:
		return fail(cancelled, "request cancelled")
	}
	var bad []string
	var model error
	for i, err := range errs {
		var ie *predictor.InputError
		switch {
		case err == nil:
		case errors.Is(err, predictor.ErrOverloaded):
			return fail(overloaded, "the server's queue is full: retry later")
		case errors.Is(err, predictor.ErrClosed):
			return fail(unavailable, "the server is shutting down")
		case errors.As(err, &ie):
			bad = append(bad, fmt.Sprintf("element %d: %s", i, predictor.Result{Err: err}.ErrorText()))
		case errors.Is(err, context.Canceled):
			// another element's failure stopped this one
		case model == nil:
			model = err
		}
	}
	if len(bad) > 0 {
		return fail(badRequest, fmt.Sprintf("input %q: %s", inputName, strings.Join(bad, "; ")))
	}
	if model != nil {
		return fail(internal, "inference failed: "+model.Error())
	}
	return nil
}

// selectOutputs resolves the outputs a request names (none: all), in the
// order it names them.
func selectOutputs(names []string) ([]string, *failure) {
	if len(names) == 0 {
		return outputNames, nil
	}
	for _, n := range names {
		if !isOutput(n) {
			return nil, fail(badRequest, fmt.Sprintf("unknown output %q (want %s)", n, strings.Join(outputNames, ", ")))
		}
	}
	return names, nil
}

func isOutput(name string) bool {
	for _, n := range outputNames {
		if n == name {
			return true
		}
	}
	return false
}

// tensor is one output: exactly one of its value slices is set, by
// datatype.
type tensor struct {
	name, datatype string
	shape          []int64
	fp32           []float32
	int64s         []int64
	strs           []string
}

// makeOutput builds output name from the results of a successful request.
func makeOutput(name string, results []predictor.Result) (tensor, *failure) {
	n := int64(len(results))
	t := tensor{name: name}
	switch name {
	case "logits", "probabilities":
		t.datatype = "FP32"
		for _, r := range results {
			row := r.Logits
			if name == "probabilities" {
				row = r.Probs
			}
			if row == nil {
				return t, fail(internal, fmt.Sprintf("output %q: the predictor does not keep it (server.PredictorOptions)", name))
			}
			t.fp32 = append(t.fp32, row...)
		}
		t.shape = []int64{n, int64(len(t.fp32)) / n}
	case "top_classes", "top_probs", "top_labels":
		k := int64(len(results[0].Top))
		t.shape = []int64{n, k}
		for _, r := range results {
			for _, c := range r.Top {
				switch name {
				case "top_classes":
					t.int64s = append(t.int64s, int64(c.Index))
				case "top_probs":
					t.fp32 = append(t.fp32, c.Prob)
				default:
					t.strs = append(t.strs, labelOf(c))
				}
			}
		}
		t.datatype = map[string]string{"top_classes": "INT64", "top_probs": "FP32", "top_labels": "BYTES"}[name]
	}
	return t, nil
}

// labelOf is a class's label, or its index where the model has none.
func labelOf(c predictor.Class) string {
	if c.Label != "" {
		return c.Label
	}
	return strconv.Itoa(c.Index)
}

// raw is the tensor's binary form: elements little-endian, row-major; a
// BYTES element as a 4-byte little-endian length and its bytes.
func (t tensor) raw() []byte {
	switch {
	case t.fp32 != nil:
		b := make([]byte, 4*len(t.fp32))
		for i, v := range t.fp32 {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	case t.int64s != nil:
		b := make([]byte, 8*len(t.int64s))
		for i, v := range t.int64s {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
		}
		return b
	}
	var b []byte
	for _, s := range t.strs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// jsonData is the tensor's elements as JSON encodes them: float32 as the
// shortest decimal that reads back as the same float32.
func (t tensor) jsonData() any {
	switch {
	case t.fp32 != nil:
		return t.fp32
	case t.int64s != nil:
		return t.int64s
	}
	return t.strs
}

// splitBytes reads a BYTES tensor of n elements in its binary form. A
// single element that does not parse so is taken as it stands: some
// clients send one image without the length prefix.
func splitBytes(b []byte, n int) ([][]byte, *failure) {
	out := make([][]byte, 0, n)
	rest := b
	for len(rest) >= 4 && len(out) < n {
		size := binary.LittleEndian.Uint32(rest)
		if uint64(size) > uint64(len(rest)-4) {
			break
		}
		out = append(out, rest[4:4+size])
		rest = rest[4+size:]
	}
	if len(out) == n && len(rest) == 0 {
		return out, nil
	}
	if n == 1 {
		return [][]byte{b}, nil
	}
	return nil, fail(badRequest, fmt.Sprintf("input %q: binary data is not %d length-prefixed elements", inputName, n))
}

// imageCount checks the one input against the model's contract, a BYTES
// tensor named image of shape [N] (or [N, 1]), and returns N.
func imageCount(name, datatype string, shape []int64) (int, *failure) {
	if name != inputName || datatype != "BYTES" {
		return 0, wrongInputs()
	}
	ok := len(shape) == 1 && shape[0] >= 0 || len(shape) == 2 && shape[0] >= 0 && shape[1] == 1
	if !ok || shape[0] > math.MaxInt32 {
		return 0, fail(badRequest, fmt.Sprintf("input %q: shape %v, want [N]: N encoded images", inputName, shape))
	}
	return int(shape[0]), nil
}

func wrongInputs() *failure {
	return fail(badRequest, fmt.Sprintf("want one input, %q, of datatype BYTES and shape [N]: N encoded image files", inputName))
}
