package predictor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/rgb"
)

// inputFunc describes input i: its name and how to load it.
type inputFunc func(i int) (name string, load func() (*rgb.Image, Stage, error))

// prepared is one input after decode and preprocessing: OutputSize pixels
// (uint8 HWC) or the error that stopped it.
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
	items []prepared
	batch []byte // ok × H × W × 3
	ok    int
}

// run is the pipeline, under one errgroup:
//
//	feeder → workers (read, decode, resize/crop) → batcher (input order)
//	→ inference (one C call per batch) → emit (input order)
//
// The window semaphore bounds how many inputs are between the feeder and
// the batcher, so memory is bounded by the pipeline depth, not the input
// count. Batches are the successful inputs in input order, chunked by the
// batch size: the same composition as the Python reference.
func (p *Predictor) run(ctx context.Context, n int, input inputFunc, emit func(Result) error) error {
	if n == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	bs := p.cfg.batchSize
	itemBytes := p.outW * p.outH * 3
	window := make(chan struct{}, bs+2*p.cfg.workers)
	jobs := make(chan int)
	done := make(chan prepared, cap(window))
	units := make(chan unit, 1)
	itemPool := sync.Pool{New: func() any { return make([]byte, itemBytes) }}

	g.Go(func() error { // feeder
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})

	var workers sync.WaitGroup
	for w := 0; w < min(p.cfg.workers, n); w++ {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			for i := range jobs {
				item := p.prepare(i, input, &itemPool)
				select {
				case done <- item:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(done) }()

	g.Go(func() error { // batcher: restores input order, forms batches
		defer close(units)
		pending := make(map[int]prepared)
		var cur unit
		send := func(u unit) error {
			select {
			case units <- u:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		next := 0
		for item := range done {
			pending[item.index] = item
			for {
				it, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				<-window
				cur.items = append(cur.items, it)
				if it.err != nil {
					if cur.ok == 0 { // nothing to wait for: report it now
						if err := send(cur); err != nil {
							return err
						}
						cur = unit{}
					}
					continue
				}
				if cur.batch == nil {
					cur.batch = make([]byte, 0, bs*itemBytes)
				}
				cur.batch = append(cur.batch, it.pix...)
				itemPool.Put(it.pix)
				cur.items[len(cur.items)-1].pix = nil
				cur.ok++
				if cur.ok == bs {
					if err := send(cur); err != nil {
						return err
					}
					cur = unit{}
				}
			}
		}
		if len(cur.items) > 0 {
			return send(cur)
		}
		return nil
	})

	emitted := 0
	g.Go(func() error { // inference, then results in input order
		counted := func(r Result) error {
			emitted++
			return emit(r)
		}
		for u := range units {
			if err := p.infer(u, counted); err != nil {
				return err
			}
		}
		return nil
	})

	if err := g.Wait(); err != nil {
		return err
	}
	if emitted < n { // a stage stopped early without an error of its own
		if err := parent.Err(); err != nil {
			return err
		}
		return fmt.Errorf("predictor: internal error: %d of %d results", emitted, n)
	}
	return nil
}

// prepare loads and preprocesses input i; failures become InputErrors.
func (p *Predictor) prepare(i int, input inputFunc, pool *sync.Pool) prepared {
	name, load := input(i)
	img, stage, err := load()
	if err == nil {
		pix := pool.Get().([]byte)
		if err = p.cfg.transform.Apply(img, pix); err == nil {
			return prepared{index: i, name: name, pix: pix}
		}
		pool.Put(pix)
		stage = StagePreprocess
	}
	return prepared{index: i, name: name, err: &InputError{Index: i, Path: name, Stage: stage, Err: err}}
}

// infer runs one unit's batch and emits its results in input order. A
// model failure fails the batch's inputs, not the run; a closed module
// ends the run.
func (p *Predictor) infer(u unit, emit func(Result) error) error {
	var out *binding.Output
	var ferr error
	if u.ok > 0 {
		out, ferr = p.module.Forward(u.batch, u.ok, p.outH, p.outW, p.table)
		if errors.Is(ferr, binding.ErrClosed) {
			return ErrClosed
		}
	}
	row := 0
	for _, it := range u.items {
		r := Result{Index: it.index, Path: it.name, Err: it.err}
		switch {
		case it.err != nil:
		case ferr != nil:
			r.Err = &InputError{Index: it.index, Path: it.name, Stage: StageInference, Err: ferr}
		default:
			logits, probs := out.Row(row)
			r.Top = topK(probs, p.cfg.topK, p.labels)
			if p.cfg.logits {
				r.Logits = logits
			}
		}
		if it.err == nil {
			row++
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}
