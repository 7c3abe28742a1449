// Package predictor classifies images with a TorchScript model, giving the
// same logits as the user's Python pipeline
// (Image.open(p).convert("RGB") → torchvision transforms → model(batch)).
//
// Images are decoded and resized on the host by pure Go (and
// libjpeg-turbo), exactly as Pillow does; their uint8 pixels are batched,
// uploaded and normalised on the model's device by one C call per batch.
// One bad input yields an error in its own Result and never stops the rest.
package predictor

import (
	"context"
	"fmt"
	"image"
	"os"
	"strconv"
	"sync"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/preprocess"
)

// Predictor runs a loaded model over inputs. It is safe for concurrent use;
// Close releases the model once in-flight batches have finished.
type Predictor struct {
	cfg     config
	module  *binding.Module
	table   *[3][256]float32
	labels  []string
	classes int
	info    ModelInfo
	outW    int
	outH    int

	items, batches sync.Pool // pixel buffers: one image, one batch
	scratches      sync.Pool // *scratch for single-image calls
	service        *coalescer

	closeOnce sync.Once
}

// New loads a TorchScript classifier and prepares it: threads set, one
// warm-up batch run (which also checks the output shape and the labels).
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
	if err := binding.SetThreads(cfg.threads); err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	if _, err := os.Stat(modelPath); err != nil {
		return nil, fmt.Errorf("predictor: model: %w", err)
	}
	if cfg.deterministic {
		if err := binding.SetCUDADeterministic(true); err != nil {
			return nil, fmt.Errorf("predictor: %w", err)
		}
	}
	m, err := binding.Load(modelPath, cfg.device)
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	meta, err := m.Metadata()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("predictor: %w", err)
	}
	p := &Predictor{cfg: cfg, module: m, table: cfg.transform.Norm.Table(), info: parseModelInfo(meta)}
	p.outW, p.outH = cfg.transform.OutputSize()
	itemBytes := p.outW * p.outH * 3
	p.items.New = func() any { b := make([]byte, itemBytes); return &b }
	p.batches.New = func() any { b := make([]byte, 0, cfg.batchSize*itemBytes); return &b }
	p.scratches.New = func() any { return new(scratch) }
	if p.cfg.inferWorkers == 0 {
		// One batch at a time saturates the CPU's intra-op threads; on a
		// GPU a second one in flight overlaps upload and compute.
		p.cfg.inferWorkers = 1
		if m.Device().Kind == binding.CUDA {
			p.cfg.inferWorkers = 2
		}
	}
	if err := p.warmUp(); err != nil {
		m.Close()
		return nil, err
	}
	p.service = p.startCoalescer()
	return p, nil
}

// warmUp runs one black image through the model: the first TorchScript
// calls are slow, and the output width is needed to check the labels.
func (p *Predictor) warmUp() error {
	out, err := p.module.Forward(make([]byte, p.outW*p.outH*3), 1, p.outH, p.outW, p.table)
	if err != nil {
		return fmt.Errorf("predictor: warm-up: %w", err)
	}
	p.classes = out.Classes
	if p.module.Device().Kind == binding.CUDA {
		// cuDNN picks kernels per shape and each in-flight call has its
		// own stream and pinned buffers: prepare them all for full
		// batches now, not on the first real ones.
		if err := p.module.WarmUp(p.cfg.batchSize, p.outH, p.outW, p.table, p.cfg.inferWorkers); err != nil {
			return fmt.Errorf("predictor: warm-up: %w", err)
		}
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

// Close frees the model after in-flight batches finish. Running calls then
// end with ErrClosed.
func (p *Predictor) Close() error {
	p.closeOnce.Do(func() {
		p.service.stop()
		p.module.Close()
	})
	return nil
}

// Device is where the model runs.
func (p *Predictor) Device() binding.Device { return p.module.Device() }

// ModelInfo is what the model file says about itself, if anything.
func (p *Predictor) ModelInfo() ModelInfo { return p.info }

// Classes is the model's output width.
func (p *Predictor) Classes() int { return p.classes }

// Labels are the class names, index-aligned with the model's outputs.
func (p *Predictor) Labels() []string { return p.labels }

// Transform is the preprocessing applied to every input.
func (p *Predictor) Transform() preprocess.Transform { return p.cfg.transform }

// PredictFiles classifies image files. The result slice has one entry per
// path, in order; a file that cannot be read or decoded has its Err set.
// The returned error is for the whole call (cancelled context, closed
// predictor), in which case the results are incomplete.
func (p *Predictor) PredictFiles(ctx context.Context, paths []string) ([]Result, error) {
	return p.collect(ctx, p.files(paths))
}

// StreamFiles is PredictFiles delivering each result to fn as soon as it
// and every earlier one are done, in input order, so a long list never
// sits in memory. fn runs on one goroutine; an error from it stops the
// run and is returned.
func (p *Predictor) StreamFiles(ctx context.Context, paths []string, fn func(Result) error) error {
	return p.run(ctx, p.files(paths), fn)
}

// PredictBytes classifies encoded image files held in memory.
func (p *Predictor) PredictBytes(ctx context.Context, files [][]byte) ([]Result, error) {
	return p.collect(ctx, p.blobs(files))
}

// Predict classifies decoded images. Parity with Python covers the
// preprocessing from here on; see rgb.FromImage for how pixels are read.
func (p *Predictor) Predict(ctx context.Context, images []image.Image) ([]Result, error) {
	return p.collect(ctx, p.images(images))
}

func (p *Predictor) collect(ctx context.Context, src source) ([]Result, error) {
	results := make([]Result, src.n)
	err := p.run(ctx, src, func(r Result) error {
		results[r.Index] = r
		return nil
	})
	return results, err
}
