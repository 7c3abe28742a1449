package predictor

import "iter"

// reorder puts back in order values that arrive out of it, numbered 0, 1,
// 2, ...: each is handed out as soon as every one before it has been. The
// pipeline's batcher (prepared inputs, by input index) and emitter
// (results, by unit) use one each.
type reorder[T any] struct {
	pending map[int]T
	next    int
}

// add takes value number k and returns the values now due, in order.
func (r *reorder[T]) add(k int, v T) iter.Seq[T] {
	if r.pending == nil {
		r.pending = make(map[int]T)
	}
	r.pending[k] = v
	return func(yield func(T) bool) {
		for {
			v, ok := r.pending[r.next]
			if !ok {
				return
			}
			delete(r.pending, r.next)
			r.next++
			if !yield(v) {
				return
			}
		}
	}
}
