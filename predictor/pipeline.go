package predictor

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/rgb"
)

// prepared is one input after decode and preprocessing: OutputSize pixels
// (uint8 HWC, from the predictor's pool) or the error that stopped it.
type prepared struct {
	index int
	name  string
	pix   []byte
	err   error
}

// unit is what reaches the inference stage, in input order: the inputs
// since the previous unit, of which `ok` (at most the batch size) were
// prepared and have their pixels in batch, the others failed earlier and
// pass through. A failure is never held back behind a batch that has not
// started filling, nor moved ahead of one that has.
type unit struct {
	seq   int
	items []prepared
	batch *[]byte // ok × H × W × 3, from the predictor's pool
	ok    int
}

// done is a unit's results, on their way to the emitter.
type done struct {
	seq     int
	results []Result
}

// job is one input and its position in the list.
type job struct {
	index int
	in    Input
}

// run is the pipeline, under one errgroup:
//
//	feeder → workers (read, decode, resize/crop) → batcher (input order)
//	→ inference ×k (one C call per batch) → emitter (input order)
//
// When ctx ends, work not yet in the model stops at once; the batch in
// the model finishes and its results are emitted (in order, as far as no
// earlier input is missing), then run returns ctx's error.
//
// The window semaphore bounds how many inputs are between the feeder and
// the batcher, and the channels between the later stages are short, so
// memory is bounded by the pipeline depth, not by the input count. While
// one batch runs through the model the workers prepare the next. Batches
// are the successful inputs in input order, chunked by the batch size: the
// same composition as the Python reference.
func (p *Predictor) run(ctx context.Context, inputs iter.Seq[Input], emit func(Result) error) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	bs := p.cfg.batchSize
	window := make(chan struct{}, bs+2*p.cfg.workers)
	jobs := make(chan job)
	preparedc := make(chan prepared, cap(window))
	units := make(chan unit, 1)
	donec := make(chan done, p.lanes())

	// The feeder counts the inputs in fed, read after g.Wait.
	fed := 0
	g.Go(func() error { // feeder
		defer close(jobs)
		for in := range inputs {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- job{fed, in}:
				fed++
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})

	var workers sync.WaitGroup
	for range p.cfg.workers {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			var s scratch
			for j := range jobs {
				item := p.prepare(ctx, j.index, j.in, &s)
				if err := ctx.Err(); err != nil { // a cancelled input is not a bad one
					p.putItem(item.pix)
					return err
				}
				select {
				case preparedc <- item:
				case <-ctx.Done():
					p.putItem(item.pix)
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(preparedc) }()

	g.Go(func() error { // batcher: restores input order, forms batches
		defer close(units)
		var cur unit
		send := func() error {
			select {
			case units <- cur:
				cur = unit{seq: cur.seq + 1}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var order reorder[prepared]
		for item := range preparedc {
			for it := range order.add(item.index, item) {
				<-window
				if it.err != nil {
					cur.items = append(cur.items, it)
					if cur.ok == 0 { // nothing to wait for: report it now
						if err := send(); err != nil {
							return err
						}
					}
					continue
				}
				if cur.batch == nil {
					cur.batch = p.getBatch()
				}
				*cur.batch = append(*cur.batch, it.pix...)
				p.putItem(it.pix)
				it.pix = nil
				cur.items = append(cur.items, it)
				cur.ok++
				if cur.ok == bs {
					if err := send(); err != nil {
						return err
					}
				}
			}
		}
		if len(cur.items) > 0 {
			return send()
		}
		return nil
	})

	// Once ctx ends, no further batch enters the model, but the one in it
	// completes (a forward pass cannot be interrupted) and its results are
	// still delivered: the emitter drains donec until it closes, unless it
	// stopped itself (emitGone).
	emitGone := make(chan struct{})
	var inferring sync.WaitGroup
	for range p.lanes() {
		inferring.Add(1)
		g.Go(func() error {
			defer inferring.Done()
			for u := range units {
				if ctx.Err() != nil {
					if u.batch != nil {
						p.putBatch(u.batch)
					}
					continue
				}
				results, err := p.infer(u)
				if err != nil {
					return err
				}
				select {
				case donec <- done{u.seq, results}:
				case <-emitGone:
					return nil
				}
			}
			return nil
		})
	}
	go func() { inferring.Wait(); close(donec) }()

	emitted := 0
	g.Go(func() error { // emitter: results in input order
		defer close(emitGone)
		var order reorder[[]Result]
		for d := range donec {
			for rs := range order.add(d.seq, d.results) {
				for _, r := range rs {
					emitted++
					if err := emit(r); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})

	if err := g.Wait(); err != nil {
		return err
	}
	if emitted < fed { // a stage stopped early without an error of its own
		if err := parent.Err(); err != nil {
			return err
		}
		return fmt.Errorf("predictor: internal error: %d of %d results", emitted, fed)
	}
	return nil
}

// prepare loads and preprocesses one input into a pooled pixel buffer;
// failures become InputErrors (or the context's error, when ctx ended the
// work: the caller checks ctx first). The decode and the resize run
// within the memory budget, taking what the input's header says they
// need.
func (p *Predictor) prepare(ctx context.Context, i int, in Input, s *scratch) prepared {
	fail := func(stage Stage, err error) prepared {
		return prepared{index: i, name: in.name, err: &InputError{Index: i, Path: in.name, Stage: stage, Err: err}}
	}
	var data []byte
	var need int64
	if in.kind == imageInput {
		if in.img != nil {
			b := in.img.Bounds()
			need = 3*int64(b.Dx())*int64(b.Dy()) + p.cfg.transform.ScratchBytes(b.Dx(), b.Dy())
		}
	} else {
		var err error
		if data, err = p.read(ctx, in, s); err != nil {
			return fail(StageRead, err)
		}
		if need, err = p.decodeNeed(data); err != nil {
			return fail(StageDecode, err)
		}
	}
	held, err := p.memory.acquire(ctx, need)
	if err != nil {
		return fail(StageDecode, err)
	}
	defer p.memory.release(held, need)

	var img *rgb.Image
	if in.kind == imageInput {
		img, err = p.fromImage(in.img)
	} else {
		img, err = decode.BytesContext(ctx, data, p.cfg.decode)
	}
	if err != nil {
		return fail(StageDecode, err)
	}
	pix := p.getItem()
	if err := p.cfg.transform.ApplyContext(ctx, img, pix, &s.pre); err != nil {
		p.putItem(pix)
		return fail(StagePreprocess, err)
	}
	return prepared{index: i, name: in.name, pix: pix}
}

// infer runs one unit's batch and returns its results in input order. A
// model failure fails the batch's inputs, not the run; a closed module
// ends the run.
func (p *Predictor) infer(u unit) ([]Result, error) {
	var out *binding.Output
	var ferr error
	if u.ok > 0 {
		out, ferr = p.forward(*u.batch, u.ok)
		p.putBatch(u.batch)
		if errors.Is(ferr, ErrClosed) {
			return nil, ErrClosed
		}
	}
	results := make([]Result, len(u.items))
	row := 0
	for j, it := range u.items {
		if it.err != nil {
			results[j] = Result{Index: it.index, Path: it.name, Err: it.err}
			continue
		}
		results[j] = p.result(it, out, row, ferr)
		row++
	}
	return results, nil
}

// result is the Result of a prepared input that went through the model as
// row `row` of out, or failed with the batch's error ferr.
func (p *Predictor) result(it prepared, out *binding.Output, row int, ferr error) Result {
	r := Result{Index: it.index, Path: it.name}
	if ferr != nil {
		r.Err = ferr
		return r
	}
	logits, probs := out.Row(row)
	if !finite(logits) {
		r.Err = ErrNotFinite
		return r
	}
	r.Top = topK(probs, p.cfg.topK, p.labels)
	if p.cfg.logits {
		r.Logits = logits
	}
	if p.cfg.probs {
		r.Probs = probs
	}
	return r
}

// Pixel buffers are pooled so the steady state allocates no pixel memory:
// one per prepared image (OutputSize), one per batch.

func (p *Predictor) getItem() []byte { return *p.items.Get().(*[]byte) }

func (p *Predictor) putItem(b []byte) {
	if b != nil {
		p.items.Put(&b)
	}
}

func (p *Predictor) getBatch() *[]byte {
	b := p.batches.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

func (p *Predictor) putBatch(b *[]byte) { p.batches.Put(b) }

// finite reports whether no value is NaN or ±Inf.
func finite(v []float32) bool {
	for _, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return false
		}
	}
	return true
}
