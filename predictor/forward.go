package predictor

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/torchgo/predict/binding"
)

// The model runs on a few inference workers that the Predictor owns for
// its whole life: goroutines locked to their OS threads, which warm the
// model up and then run every forward pass, for batch calls and
// single-image calls alike. LibTorch keeps per-thread state and glibc a
// malloc arena per thread: forward passes that hop OS threads grow RSS
// (gotorch #273), and a thread's first forward is slow even after another
// thread warmed the model. Owning the threads also bounds the forward
// passes in flight, across every caller, to the number of workers
// (WithInferenceWorkers).

// batchJob is one forward pass handed to an inference worker, in parts of
// sub images (0: whole).
type batchJob struct {
	pixels []byte
	n, sub int
	reply  chan batchDone // buffered: the thread never waits for its caller
}

type batchDone struct {
	out *binding.Output
	err error
}

// inferenceWorkers are the Predictor's inference workers: WithInferenceWorkers
// of them on each device, all taking batches from one queue.
type inferenceWorkers struct {
	jobs    chan batchJob
	closing chan struct{}
	running sync.WaitGroup
}

// lanes is how many batches can be in the model at once: the inference
// workers of every device.
func (p *Predictor) lanes() int { return p.cfg.inferenceWorkers * len(p.modules) }

// startInferenceWorkers starts n inference workers on each device, each
// warming the model up on its own thread first, and returns once all are
// warm; on a warm-up error the workers are stopped again. full is the
// batch shape full batches will run as (the batch size, or its
// sub-batches), 0 to leave it to the sub-batch check, which runs full
// batches anyway.
func (p *Predictor) startInferenceWorkers(n, full int) error {
	f := &inferenceWorkers{jobs: make(chan batchJob), closing: make(chan struct{})}
	warm := make(chan error, n*len(p.modules))
	for dev, m := range p.modules {
		for range n {
			f.running.Add(1)
			go func() {
				defer f.running.Done()
				// Never unlocked: the thread, and LibTorch's state on it,
				// end with the goroutine.
				runtime.LockOSThread()
				if p.threads > 0 {
					if err := binding.SetThreads(p.threads); err != nil {
						warm <- err
						return
					}
				}
				warm <- p.warmUp(m, full)
				for {
					select {
					case j := <-f.jobs:
						j.reply <- p.runJob(dev, m, j)
					case <-f.closing:
						return
					}
				}
			}()
		}
	}
	var err error
	for range n * len(p.modules) {
		err = errors.Join(err, <-warm)
	}
	p.inference = f
	if err != nil {
		f.stop()
		return err
	}
	return nil
}

// runJob is one forward pass on device dev's module.
func (p *Predictor) runJob(dev int, m *binding.Module, j batchJob) batchDone {
	if hook := p.cfg.onDeviceForward; hook != nil {
		if err := hook(dev, j.n); err != nil {
			return batchDone{err: err}
		}
	}
	out, err := m.ForwardSubBatched(j.pixels, j.n, p.outH, p.outW, p.table, j.sub)
	return batchDone{out, err}
}

// warmUp runs black images through the model on the calling thread: on
// every device TorchScript's profiling executor optimises the graph on its
// second call, and the first call at a batch size grows the allocators
// (and, on CUDA, picks cuDNN kernels for the thread's stream). Two single
// images then one full batch (of full images) make both the smallest and
// the largest batch run at full speed, and every size between them
// (measured in docs/BENCHMARKS.md).
func (p *Predictor) warmUp(m *binding.Module, full int) error {
	if err := m.WarmUp(1, p.outH, p.outW, p.table, 2, 1); err != nil {
		return fmt.Errorf("predictor: warm-up: %w", err)
	}
	if full > 0 {
		if err := m.WarmUp(full, p.outH, p.outW, p.table, 1, 1); err != nil {
			return fmt.Errorf("predictor: warm-up: %w", err)
		}
	}
	return nil
}

// stop lets the inference workers finish their current batch and end.
func (f *inferenceWorkers) stop() {
	close(f.closing)
	f.running.Wait()
}

// forward runs one batch of n prepared images on an inference worker,
// full batches in the sub-batches the load check chose. A closed
// predictor is ErrClosed; any other failure is the batch's, a *BatchError.
func (p *Predictor) forward(pixels []byte, n int) (*binding.Output, error) {
	if p.cfg.onForward != nil {
		p.cfg.onForward(n)
	}
	sub := 0
	if n == p.cfg.batchSize {
		sub = p.plan.sub
	}
	start := time.Now()
	out, err := p.forwardIn(pixels, n, sub)
	if p.cfg.observeBatch != nil && err != ErrClosed {
		p.cfg.observeBatch(n, time.Since(start))
	}
	return out, err
}

func (p *Predictor) forwardIn(pixels []byte, n, sub int) (*binding.Output, error) {
	j := batchJob{pixels: pixels, n: n, sub: sub, reply: make(chan batchDone, 1)}
	select {
	case p.inference.jobs <- j:
	case <-p.inference.closing:
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

// autoSubBatch is the part size tried for full CPU batches when the caller
// leaves the choice to the predictor: on this project's CPU benchmark
// (docs/BENCHMARKS.md) ResNet18 runs as fast in parts of 8 as whole, with
// a quarter of the activations.
const autoSubBatch = 8

// forwardPlan is how full batches run, and why.
type forwardPlan struct {
	sub    int    // parts of full batches; 0: whole
	reason string // for ForwardPlan
}

// planForward decides whether full batches run in parts: only where a
// check proves it exact here, for this model, these threads and this
// machine. It runs one full batch of seeded noise whole and in parts, on
// an inference worker, and keeps the parts only if every logit is equal
// bit for bit; with WithCheckCache a verdict found there for the same
// model, LibTorch, threads, shapes and CPU stands in for the run (whose
// whole batch would set the process's peak memory). Partial batches
// always run whole, as the user's Python runs them. An explicit
// WithSubBatch that fails the check fails New.
func (p *Predictor) planForward(check forwardCheck) error {
	b, sub := p.cfg.batchSize, check.sub
	if sub == 0 {
		p.plan = forwardPlan{reason: fmt.Sprintf("batches of %d run whole", b)}
		return nil
	}
	exact, how := check.exact, "checked at load"
	if check.cached {
		how = "checked on an earlier load: " + check.file
	} else {
		var err error
		if exact, err = p.checkSubBatch(b, sub); err != nil {
			return err
		}
		check.save(exact)
	}
	if !exact {
		if p.cfg.subBatch != 0 {
			return fmt.Errorf("predictor: sub-batches of %d change this model's logits here (checked against whole batches of %d): parity with the user's Python would be lost", sub, b)
		}
		p.plan = forwardPlan{reason: fmt.Sprintf("batches of %d run whole: sub-batches of %d change the logits (%s)", b, sub, how)}
		return nil
	}
	p.plan = forwardPlan{sub: sub, reason: fmt.Sprintf(
		"full batches of %d run in sub-batches of %d (bit-identical to whole batches, %s); partial batches whole", b, sub, how)}
	return nil
}

// checkDevices keeps, of several devices, those whose logits for a full
// batch of noise are the first device's bit for bit, so that a result
// does not depend on the device its batch met; it says which in the
// forward plan.
func (p *Predictor) checkDevices() error {
	if len(p.modules) == 1 {
		return nil
	}
	b := p.cfg.batchSize
	px := noise(b * p.outH * p.outW * 3)
	var want []float32
	kept := p.modules[:0:0]
	var dropped []string
	for i, m := range p.modules {
		out, err := m.ForwardSubBatched(px, b, p.outH, p.outW, p.table, 0)
		if err != nil {
			return fmt.Errorf("predictor: device check on %s: %w", m.Device(), err)
		}
		if i == 0 {
			want = out.Logits
		}
		if sameBits(want, out.Logits) {
			kept = append(kept, m)
			continue
		}
		dropped = append(dropped, m.Device().String())
		m.Close()
	}
	p.modules, p.module = kept, kept[0]
	switch {
	case len(dropped) == 0:
		p.devicesNote = fmt.Sprintf("; batches dealt across %s (the same logits on each, checked at load)", deviceNames(kept))
	case len(kept) == 1:
		p.devicesNote = fmt.Sprintf("; on %s alone: %s gave other logits (checked at load)", deviceNames(kept), strings.Join(dropped, ", "))
	default:
		p.devicesNote = fmt.Sprintf("; batches dealt across %s (the same logits on each, checked at load); not %s, which gave other logits",
			deviceNames(kept), strings.Join(dropped, ", "))
	}
	return nil
}

func deviceNames(ms []*binding.Module) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Device().String()
	}
	return strings.Join(names, ", ")
}

// checkSubBatch runs a batch of b noise images whole and in parts of sub
// and compares the logits bit for bit.
func (p *Predictor) checkSubBatch(b, sub int) (bool, error) {
	px := noise(b * p.outH * p.outW * 3)
	whole, err := p.forwardIn(px, b, 0)
	if err != nil {
		return false, fmt.Errorf("predictor: sub-batch check: %w", err)
	}
	parts, err := p.forwardIn(px, b, sub)
	if err != nil {
		return false, fmt.Errorf("predictor: sub-batch check: %w", err)
	}
	return sameBits(whole.Logits, parts.Logits), nil
}

// checkThreads is WithThreadsCheck, before the inference workers start:
// on a thread of its own it runs a full batch of noise and a single image
// at LibTorch's default count and at n, each after a warm-up pass, and sets n for the
// workers only if every logit has the same bits. LibTorch fixes a
// thread's count when the thread first computes, so the workers set the
// chosen count on their own threads (startInferenceWorkers).
func (p *Predictor) checkThreads(m *binding.Module, modelPath string, n int) error {
	type verdict struct {
		cur    int
		same   bool
		cached string // the cache file the verdict came from
		err    error
	}
	done := make(chan verdict, 1)
	go func() {
		// Never unlocked: the thread, with the counts set on it, ends with
		// the goroutine.
		runtime.LockOSThread()
		cur, err := binding.DefaultThreads()
		if err != nil || cur == n {
			done <- verdict{cur, true, "", err}
			return
		}
		file := p.threadsCheckFile(modelPath, cur, n)
		if cached, exact := readVerdict(file); cached {
			done <- verdict{cur, exact, file, nil}
			return
		}
		// A full batch and a single image: the sizes every run has (a
		// last partial batch, a service's lone request, falls between).
		b := p.cfg.batchSize
		px := noise(b * p.outH * p.outW * 3)
		run := func(threads int) ([]float32, error) {
			if err := binding.SetThreads(threads); err != nil {
				return nil, err
			}
			var logits []float32
			for _, size := range []int{b, 1} {
				in := px[:size*p.outH*p.outW*3]
				if _, err := m.ForwardSubBatched(in, size, p.outH, p.outW, p.table, 0); err != nil {
					return nil, err
				}
				out, err := m.ForwardSubBatched(in, size, p.outH, p.outW, p.table, 0)
				if err != nil {
					return nil, err
				}
				logits = append(logits, out.Logits...)
			}
			return logits, nil
		}
		base, err := run(cur)
		if err != nil {
			done <- verdict{cur, false, "", err}
			return
		}
		more, err := run(n)
		same := err == nil && sameBits(base, more)
		if err == nil {
			saveVerdict(file, same)
		}
		done <- verdict{cur, same, "", err}
	}()
	v := <-done
	if v.err != nil {
		return fmt.Errorf("predictor: threads check: %w", v.err)
	}
	how := "checked at load"
	if v.cached != "" {
		how = "checked on an earlier load: " + v.cached
	}
	switch {
	case v.cur == n:
		p.threads, p.threadsNote = n, fmt.Sprintf("%d intra-op threads (LibTorch's count); ", n)
	case v.same:
		p.threads, p.threadsNote = n, fmt.Sprintf("%d intra-op threads (bit-identical to LibTorch's %d, %s); ", n, v.cur, how)
	default:
		p.threads, p.threadsNote = v.cur, fmt.Sprintf("%d intra-op threads (LibTorch's count): %d change this model's logits (%s); ", v.cur, n, how)
	}
	return binding.SetThreads(p.threads)
}

// subBatchToCheck is the part size planForward will check, 0 for none.
func (p *Predictor) subBatchToCheck() int {
	sub := p.cfg.subBatch
	if sub == 0 {
		if p.module.Device().Kind != binding.CPU {
			return 0
		}
		sub = autoSubBatch
	}
	if sub >= p.cfg.batchSize {
		return 0
	}
	return sub
}

// noise is n bytes of a fixed pseudo-random sequence (xorshift64*): test
// images that exercise every sample value, the same on every run.
func noise(n int) []byte {
	out := make([]byte, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range out {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		out[i] = byte((x * 0x2545f4914f6cdd1d) >> 56)
	}
	return out
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
