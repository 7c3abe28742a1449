// Package predictor classifies images with a TorchScript model, giving the
// same logits as the user's Python pipeline
// (Image.open(p).convert("RGB") → torchvision transforms → model(batch)).
//
// Images are decoded and resized on the host by pure Go (and
// libjpeg-turbo), exactly as Pillow does; their uint8 pixels are batched,
// uploaded and normalised on the model's device by one C call per batch.
// One bad input yields an error in its own Result and never stops the rest.
//
// # Errors
//
// A Result's Err is an *InputError when that input is bad (a client's
// fault: HTTP 400), or a *BatchError when the model or device failed on
// the batch holding it (the server's: HTTP 500/503). The calls themselves
// return ErrClosed after Close, ErrOverloaded when the single-image queue
// is full (HTTP 429), and the context's error when it ends first.
//
// # Process-wide settings
//
// LibTorch's thread count and CUDA math belong to the process: set them
// once with binding.SetThreads and binding.SetCUDADeterministic before
// New. New changes neither, so by default a program runs with LibTorch's
// own thread count, which is what the user's unconfigured PyTorch uses.
package predictor

import (
	"context"
	"errors"
	"fmt"
	"image"
	"iter"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/preprocess"
)

// Predictor runs a loaded model over inputs. It is safe for concurrent use
// by any number of goroutines; Close releases the model once in-flight
// batches have finished.
type Predictor struct {
	cfg     config
	module  *binding.Module   // modules[0]: the one the checks and metadata use
	modules []*binding.Module // one per device (WithDevices)
	table   *[3][256]float32  // the transform's preprocess.Table, as binding takes it
	labels  []string
	classes int
	info    ModelInfo

	threads     int    // intra-op threads WithThreadsCheck chose; 0: LibTorch's, unset
	threadsNote string // what WithThreadsCheck chose, for ForwardPlan
	outW        int
	outH        int

	items, batches sync.Pool // pixel buffers: one image, one batch
	scratches      sync.Pool // *scratch for single-image calls
	memory         *memoryBudget
	inference      *inferenceWorkers
	plan           forwardPlan
	devicesNote    string // ForwardPlan's word on several devices
	coalescer      *coalescer
	startup        Startup

	closed    atomic.Bool
	closeOnce sync.Once
}

// New loads a TorchScript classifier and prepares it: the model is warmed
// up at the batch sizes it will run, on each inference worker (which also
// checks its output and the labels), so the first real batch runs at full
// speed, and on the CPU full batches are checked to run exactly in parts
// (WithSubBatch). This costs two forward passes of one image and two of a
// full batch: about 2.3 s for ResNet18 at batch 32 on two CPU cores.
func New(modelPath string, opts ...Option) (*Predictor, error) {
	cfg := defaults()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("predictor: %w", err)
		}
	}
	if err := cfg.transform.Validate(); err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	if cfg.labelsFile != "" {
		l, err := LoadLabels(cfg.labelsFile)
		if err != nil {
			return nil, fmt.Errorf("predictor: %w", err)
		}
		cfg.labels = l
	}
	if _, err := os.Stat(modelPath); err != nil {
		return nil, fmt.Errorf("predictor: model: %w", err)
	}
	start := time.Now()
	modules, err := loadModules(modelPath, cfg)
	if err != nil {
		return nil, err
	}
	m := modules[0]
	closeAll := func() {
		for _, m := range modules {
			m.Close()
		}
	}
	meta, err := m.Metadata()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("predictor: %w", err)
	}
	info, err := parseModelInfo(meta)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("predictor: %s: %w", modelPath, err)
	}
	if !cfg.transformSet && info.Transform != nil {
		// The weights' own preprocessing, as the exporter recorded it.
		if cfg.transform, err = info.Transform.PreprocessTransform(); err != nil {
			closeAll()
			return nil, fmt.Errorf("predictor: %s: %w", modelPath, err)
		}
	}
	if cfg.decode.Pillow.AtLeast(12, 2) {
		cfg.transform.TallVerticalFirst = true // Pillow 12.2's resize order
	}
	if cfg.labels == nil && len(info.Categories) > 0 {
		cfg.labels = info.Categories
	}
	p := &Predictor{cfg: cfg, module: m, modules: modules, table: (*[3][256]float32)(cfg.transform.Norm.Table()), info: info}
	p.startup.Load = time.Since(start)
	p.outW, p.outH = cfg.transform.OutputSize()
	itemBytes := p.outW * p.outH * 3
	p.items.New = func() any { b := make([]byte, itemBytes); return &b }
	// Batch buffers grow with the batches actually formed: a large batch
	// size costs nothing until that many images come.
	p.batches.New = func() any { b := make([]byte, 0, itemBytes); return &b }
	p.scratches.New = func() any { return new(scratch) }
	budget := p.cfg.memory
	if budget == 0 {
		budget = defaultMemoryBudget()
	}
	p.memory = newMemoryBudget(budget)
	if p.cfg.inferenceWorkers == 0 {
		// One batch at a time saturates the CPU's intra-op threads; on a
		// GPU a second one in flight overlaps upload and compute.
		p.cfg.inferenceWorkers = 1
		if m.Device().Kind == binding.CUDA {
			p.cfg.inferenceWorkers = 2
		}
	}
	if p.cfg.threadsCheck > 0 {
		// Before the sub-batch check, whose verdict holds for a thread count.
		if err := p.checkThreads(m, modelPath, p.cfg.threadsCheck); err != nil {
			closeAll()
			return nil, err
		}
	}
	// Each inference worker warms the shape full batches will run as;
	// a lone worker gets it from the sub-batch check when that runs.
	check := p.lookupCheck(modelPath)
	workers, full := p.cfg.inferenceWorkers, p.cfg.batchSize
	switch {
	case check.cached && check.exact:
		full = check.sub
	case check.sub > 0 && !check.cached && workers == 1:
		full = 0
	}
	start = time.Now()
	if err := p.checkDevices(); err != nil {
		closeAll()
		return nil, err
	}
	if err := p.startInferenceWorkers(workers, full); err != nil {
		closeAll()
		return nil, err
	}
	p.startup.WarmUp = time.Since(start)
	start = time.Now()
	err = p.setLabels()
	if err == nil {
		err = p.planForward(check)
	}
	p.startup.Check = time.Since(start)
	if err != nil {
		p.inference.stop()
		closeAll()
		return nil, err
	}
	p.coalescer = p.startCoalescer()
	return p, nil
}

// defaultTopK is how many classes a result lists unless WithTopK says.
const defaultTopK = 5

// setLabels checks the labels and top-k against the output width warm-up
// learnt.
func (p *Predictor) setLabels() error {
	p.classes = p.module.Classes()
	switch {
	case p.cfg.topK == 0:
		p.cfg.topK = min(defaultTopK, p.classes)
	case p.cfg.topK > p.classes:
		return fmt.Errorf("predictor: top-k %d for a model with %d classes", p.cfg.topK, p.classes)
	}
	switch {
	case p.cfg.labels != nil && len(p.cfg.labels) != p.classes:
		return fmt.Errorf("predictor: %d labels for a model with %d outputs", len(p.cfg.labels), p.classes)
	case p.cfg.labels != nil:
		p.labels = p.cfg.labels
	case p.classes == 1000:
		p.labels = ImageNetLabels()
	default:
		p.labels = make([]string, p.classes)
		for i := range p.labels {
			p.labels[i] = strconv.Itoa(i)
		}
	}
	return nil
}

// Close frees the model after in-flight batches finish; single-image calls
// still waiting get ErrClosed. It is idempotent and always returns nil;
// every call made after it starts returns ErrClosed without doing work.
func (p *Predictor) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.coalescer.stop()
		p.inference.stop()
		for _, m := range p.modules {
			m.Close()
		}
	})
	return nil
}

// Device is where the model runs: the first of its devices.
func (p *Predictor) Device() binding.Device { return p.module.Device() }

// Devices are the devices the model runs on, batches dealt across them:
// one, unless WithDevices named several and the check at load kept them.
func (p *Predictor) Devices() []binding.Device {
	out := make([]binding.Device, len(p.modules))
	for i, m := range p.modules {
		out[i] = m.Device()
	}
	return out
}

// loadModules loads the model on each device.
func loadModules(modelPath string, cfg config) ([]*binding.Module, error) {
	devs := cfg.devices
	if devs == nil {
		devs = []binding.Device{cfg.device}
	}
	var out []*binding.Module
	for _, d := range devs {
		m, err := binding.Load(modelPath, d)
		if err != nil {
			for _, m := range out {
				m.Close()
			}
			return nil, fmt.Errorf("predictor: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ModelInfo is what the model file says about itself, if anything.
func (p *Predictor) ModelInfo() ModelInfo { return p.info }

// Classes is the model's output width.
func (p *Predictor) Classes() int { return p.classes }

// Labels returns a copy of the class names, index-aligned with the
// model's outputs.
func (p *Predictor) Labels() []string { return slices.Clone(p.labels) }

// Transform is the preprocessing applied to every input.
func (p *Predictor) Transform() preprocess.Transform { return p.cfg.transform }

// Startup is how long New took, step by step.
type Startup struct {
	Load   time.Duration // reading the TorchScript file onto the device
	WarmUp time.Duration // the warm-up passes on every inference worker
	Check  time.Duration // the sub-batch check (0 when none ran, or its verdict was cached)
}

// Startup says how long New took.
func (p *Predictor) Startup() Startup { return p.startup }

// TopK is how many classes each Result lists (WithTopK, clipped to the
// model's classes).
func (p *Predictor) TopK() int { return min(p.cfg.topK, p.classes) }

// BatchSize is the most images one forward pass takes.
func (p *Predictor) BatchSize() int { return p.cfg.batchSize }

// SubBatch is the part size full batches run in (see WithSubBatch); 0
// when they run whole.
func (p *Predictor) SubBatch() int { return p.plan.sub }

// MemoryBudget is the memory images being decoded and resized may hold at
// once (WithMemoryBudget).
func (p *Predictor) MemoryBudget() int64 { return p.memory.size }

// Threads is the LibTorch intra-op thread count the inference workers run
// with: the one WithThreadsCheck chose, else LibTorch's.
func (p *Predictor) Threads() int {
	if p.threads > 0 {
		return p.threads
	}
	n, _ := binding.Threads()
	return n
}

// ForwardPlan says in words how batches run through the model and why,
// for logs and --verbose.
func (p *Predictor) ForwardPlan() string { return p.threadsNote + p.plan.reason + p.devicesNote }

// PredictFiles classifies image files. The result slice has one entry per
// path, in order; a file that cannot be read or decoded has its Err set.
// The returned error is for the whole call (cancelled context, closed
// predictor), in which case the results are those done by then: once ctx
// ends, no further batch enters the model, the one in it finishes and its
// results are kept.
func (p *Predictor) PredictFiles(ctx context.Context, paths []string) ([]Result, error) {
	return p.collect(ctx, len(paths), Files(paths))
}

// StreamFiles is PredictFiles delivering each result to fn as soon as it
// and every earlier one are done, in input order, so a long list never
// sits in memory. fn runs on one goroutine; an error from it stops the
// run and is returned.
func (p *Predictor) StreamFiles(ctx context.Context, paths []string, fn func(Result) error) error {
	return p.run(ctx, Files(paths), fn)
}

// Stream classifies any inputs — files, bytes, readers, images, mixed —
// and yields each result as soon as it and every earlier one are done, in
// input order. inputs is consumed lazily, on another goroutine, as the
// pipeline has room, so it may be endless (a walk of a directory tree, a
// queue). err is nil while results come; if the whole run fails
// (cancelled context, closed predictor) the last pair yielded is a zero
// Result and that error, after the results of the batch that was in the
// model. Breaking out of the loop stops the run.
//
//	for r, err := range p.Stream(ctx, predictor.Files(paths)) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(r.Path, r.Best().Label)
//	}
func (p *Predictor) Stream(ctx context.Context, inputs iter.Seq[Input]) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		results := make(chan Result)
		errc := make(chan error, 1)
		gone := make(chan struct{}) // the loop broke
		go func() {
			defer close(results)
			errc <- p.run(ctx, inputs, func(r Result) error {
				select {
				case results <- r:
					return nil
				case <-gone:
					return errStreamStopped
				}
			})
		}()
		for r := range results {
			if !yield(r, nil) {
				close(gone)
				cancel()
				for range results {
				}
				return
			}
		}
		if err := <-errc; err != nil {
			yield(Result{}, err)
		}
	}
}

// errStreamStopped ends a Stream whose loop broke.
var errStreamStopped = errors.New("predictor: stream stopped")

// PredictBytes classifies encoded image files held in memory.
func (p *Predictor) PredictBytes(ctx context.Context, files [][]byte) ([]Result, error) {
	return p.collect(ctx, len(files), blobInputs(files))
}

// Predict classifies decoded images. Parity with Python covers the
// preprocessing from here on; see rgb.FromImage for how pixels are read.
func (p *Predictor) Predict(ctx context.Context, images []image.Image) ([]Result, error) {
	return p.collect(ctx, len(images), imageInputs(images))
}

func (p *Predictor) collect(ctx context.Context, n int, inputs iter.Seq[Input]) ([]Result, error) {
	results := make([]Result, 0, n)
	err := p.run(ctx, inputs, func(r Result) error {
		results = append(results, r)
		return nil
	})
	return results, err
}
