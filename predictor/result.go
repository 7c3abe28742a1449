package predictor

import (
	"encoding/json"
	"errors"
	"time"
)

// Class is one scored class.
type Class struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"` // softmax probability, as torch.softmax gives it
}

// Result is the outcome for one input, at the input's position. It is the
// caller's: nothing in it is shared with the Predictor or other Results.
type Result struct {
	Index int    // position in the input list
	Path  string // file name or the input's name; "" for unnamed inputs

	// Top lists the TopK most probable classes, most probable first (ties:
	// lower index first). Empty when Err is set.
	Top []Class

	// Logits are the model's raw outputs, kept only WithLogits(true).
	Logits []float32

	// Probs are the softmax probabilities of every class, as torch.softmax
	// gives them, kept only WithProbabilities(true).
	Probs []float32

	// Timing is where a ClassifyBytes, ClassifyReader or ClassifyImage
	// call's time went; zero for the batch calls.
	Timing Timing

	// Err is an *InputError when this input is bad, a *BatchError when the
	// model failed on the batch holding it, or ErrNotFinite when the model's
	// output for it is not finite; the others are unaffected.
	Err error
}

// Timing is where a single-image call's time went.
type Timing struct {
	Preprocess time.Duration // from admission to the queue: the wait for a decoding turn, read, decode, resize
	Queue      time.Duration // in the queue until its batch started
	Compute    time.Duration // its batch's forward pass
	BatchSize  int           // images in that batch
}

// MarshalJSON writes the object predict --format jsonl prints for r (the
// schema scripts/reference.py writes too): {"path", "top", "logits"} for
// a classified input (logits only when kept), {"path", "error"} for a
// failed one, the error without the path. float32 values are written as
// the shortest decimals that read back as the same float32.
func (r Result) MarshalJSON() ([]byte, error) {
	type line struct {
		Path   string    `json:"path"`
		Top    []Class   `json:"top,omitempty"`
		Logits []float32 `json:"logits,omitempty"`
		Error  string    `json:"error,omitempty"`
	}
	if r.Err != nil {
		return json.Marshal(line{Path: r.Path, Error: r.ErrorText()})
	}
	return json.Marshal(line{Path: r.Path, Top: r.Top, Logits: r.Logits})
}

// ErrorText is r.Err's message without the input's path, which every
// output format prints apart; "" when r succeeded.
func (r Result) ErrorText() string {
	if r.Err == nil {
		return ""
	}
	var ie *InputError
	if errors.As(r.Err, &ie) {
		return ie.Err.Error()
	}
	return r.Err.Error()
}

// Best is the most probable class; the zero Class when the input failed.
func (r Result) Best() Class {
	if len(r.Top) == 0 {
		return Class{}
	}
	return r.Top[0]
}

// topK returns the k largest probabilities, ordered by (-prob, index).
func topK(probs []float32, k int, labels []string) []Class {
	k = min(k, len(probs))
	idx := make([]int, 0, k+1)
	for i, p := range probs {
		if len(idx) == k && p <= probs[idx[k-1]] {
			continue
		}
		// insert keeping descending order; equal probs keep the lower
		// index first because it was inserted earlier
		pos := len(idx)
		for pos > 0 && probs[idx[pos-1]] < p {
			pos--
		}
		idx = append(idx, 0)
		copy(idx[pos+1:], idx[pos:])
		idx[pos] = i
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	out := make([]Class, len(idx))
	for j, i := range idx {
		out[j] = Class{Index: i, Prob: probs[i]}
		if i < len(labels) {
			out[j].Label = labels[i]
		}
	}
	return out
}
