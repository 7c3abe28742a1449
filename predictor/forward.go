package predictor

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/torchgo/predict/binding"
)

// The model runs on a few inference threads that the Predictor owns for
// its whole life: goroutines locked to their OS threads, which warm the
// model up and then run every forward pass, for batch calls and
// single-image calls alike. LibTorch keeps per-thread state and glibc a
// malloc arena per thread: forward passes that hop OS threads grow RSS
// (gotorch #273), and a thread's first forward is slow even after another
// thread warmed the model. Owning the threads also bounds the forward
// passes in flight, across every caller, to WithInferenceWorkers.

// batchJob is one forward pass handed to an inference thread.
type batchJob struct {
	pixels []byte
	n      int
	reply  chan batchDone // buffered: the thread never waits for its caller
}

type batchDone struct {
	out *binding.Output
	err error
}

// forwarders is the pool of inference threads.
type forwarders struct {
	jobs    chan batchJob
	closing chan struct{}
	running sync.WaitGroup
}

// startForwarders starts `threads` inference threads, each warming the
// model up on its own thread first, and returns once all are warm; on a
// warm-up error the threads are stopped again.
func (p *Predictor) startForwarders(threads int) error {
	f := &forwarders{jobs: make(chan batchJob), closing: make(chan struct{})}
	warm := make(chan error, threads)
	for range threads {
		f.running.Add(1)
		go func() {
			defer f.running.Done()
			// Never unlocked: the thread, and LibTorch's state on it, end
			// with the goroutine.
			runtime.LockOSThread()
			warm <- p.warmUp()
			for {
				select {
				case j := <-f.jobs:
					out, err := p.module.Forward(j.pixels, j.n, p.outH, p.outW, p.table)
					j.reply <- batchDone{out, err}
				case <-f.closing:
					return
				}
			}
		}()
	}
	var err error
	for range threads {
		err = errors.Join(err, <-warm)
	}
	p.forwarders = f
	if err != nil {
		f.stop()
		return err
	}
	return nil
}

// warmUp runs black images through the model on the calling thread: on
// every device TorchScript's profiling executor optimises the graph on its
// second call, and the first call at a batch size grows the allocators
// (and, on CUDA, picks cuDNN kernels for the thread's stream). Two single
// images then one full batch make both the smallest and the largest batch
// run at full speed, and every size between them (measured in
// docs/BENCHMARKS.md).
func (p *Predictor) warmUp() error {
	for _, w := range []struct{ n, runs int }{{1, 2}, {p.cfg.batchSize, 1}} {
		if err := p.module.WarmUp(w.n, p.outH, p.outW, p.table, w.runs, 1); err != nil {
			return fmt.Errorf("predictor: warm-up: %w", err)
		}
	}
	return nil
}

// stop lets the inference threads finish their current batch and end.
func (f *forwarders) stop() {
	close(f.closing)
	f.running.Wait()
}

// forward runs one batch of n prepared images on an inference thread. A
// closed predictor is ErrClosed; any other failure is the batch's, a
// *BatchError.
func (p *Predictor) forward(pixels []byte, n int) (*binding.Output, error) {
	if p.cfg.onForward != nil {
		p.cfg.onForward(n)
	}
	j := batchJob{pixels: pixels, n: n, reply: make(chan batchDone, 1)}
	select {
	case p.forwarders.jobs <- j:
	case <-p.forwarders.closing:
		return nil, ErrClosed
	}
	d := <-j.reply
	switch {
	case errors.Is(d.err, binding.ErrClosed):
		return nil, ErrClosed
	case d.err != nil:
		return nil, &BatchError{Size: n, Err: d.err}
	}
	return d.out, nil
}
