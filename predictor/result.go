package predictor

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

	// Err is an *InputError when this input is bad, a *BatchError when the
	// model failed on the batch holding it, or ErrNotFinite when the model's
	// output for it is not finite; the others are unaffected.
	Err error
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
