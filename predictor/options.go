package predictor

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/preprocess"
)

// config is what the options set; defaults in defaults().
type config struct {
	device     binding.Device
	devices    []binding.Device // WithDevices; nil: device alone
	batchSize  int
	topK       int
	labels     []string
	labelsFile string
	transform  preprocess.Transform
	// transformSet: WithTransform was given, so the model file's own
	// transform (ModelInfo.Transform) does not replace it.
	transformSet bool
	workers      int
	logits       bool
	probs        bool
	decode       decode.Options // bomb limit, EXIF transpose
	maxInput     int64          // bytes read from a file, reader or blob at most
	memory       int64          // memory budget for decoding and resizing; 0: defaultMemoryBudget

	threadsCheck     int           // WithThreadsCheck; 0: none
	inferenceWorkers int           // 0: 1 on CPU, 2 on CUDA
	subBatch         int           // 0: automatic (planForward)
	checkCache       string        // where sub-batch check verdicts are kept; "": nowhere
	maxDelay         time.Duration // Classify*: how long a batch waits to fill
	queueSize        int           // Classify*: requests admitted at most

	observeBatch func(size int, compute time.Duration) // WithBatchObserver

	onForward func(n int) // tests: called before each forward pass of n images
	// tests: called on device i's inference worker before each forward
	// pass of n images; an error fails that batch as the device would.
	onDeviceForward func(device, n int) error
}

// DefaultMaxInputSize is the largest input read by default: well above
// real image files (Pillow's pixel limit as an uncompressed RGB BMP is
// about 540 MB).
const DefaultMaxInputSize = 1 << 30

func defaults() config {
	return config{
		device:    binding.Device{Kind: binding.Auto},
		batchSize: 32,
		transform: preprocess.Resize224(),
		workers:   runtime.NumCPU(),
		maxInput:  DefaultMaxInputSize,
		maxDelay:  2 * time.Millisecond,
	}
}

// Option configures New. Options copy what they are given: changing a
// slice after passing it changes nothing.
type Option func(*config) error

// WithDevices runs the model on several devices at once, a module loaded
// on each: batches go to whichever device is free, each device running
// WithInferenceWorkers of them at a time, and results stay in input
// order. At load one batch of noise runs on every device; a device whose
// logits differ from the first's by a bit is not used (ForwardPlan says
// so), so that the results are the same whichever device a batch meets.
// A batch that fails on one device fails alone (*BatchError); the others
// go on. Each device is named once, Auto not at all.
func WithDevices(devs ...binding.Device) Option {
	return func(c *config) error {
		if len(devs) == 0 {
			return errors.New("WithDevices: no device")
		}
		for i, d := range devs {
			if d.Kind == binding.Auto {
				return errors.New("WithDevices: name the devices (cpu, cuda:N), not auto")
			}
			if slices.Contains(devs[:i], d) {
				return fmt.Errorf("WithDevices: %s named twice", d)
			}
		}
		c.devices = slices.Clone(devs)
		return nil
	}
}

// withDeviceForward sets the onDeviceForward test hook.
func withDeviceForward(f func(device, n int) error) Option {
	return func(c *config) error { c.onDeviceForward = f; return nil }
}

// withDeviceList is WithDevices without its checks: tests run several CPU
// modules through the multi-device path.
func withDeviceList(devs ...binding.Device) Option {
	return func(c *config) error { c.devices = slices.Clone(devs); return nil }
}

// WithDevice selects where the model runs (default: Auto, CUDA when present).
func WithDevice(d binding.Device) Option {
	return func(c *config) error { c.device, c.devices = d, nil; return nil }
}

// WithBatchSize sets how many images go through the model at once
// (default 32, as in the user's Python pipeline).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("batch size must be >= 1, got %d", n)
		}
		c.batchSize = n
		return nil
	}
}

// WithTopK sets how many classes each result lists; New fails when the
// model has fewer classes. By default results list 5, or every class of a
// model with fewer.
func WithTopK(k int) Option {
	return func(c *config) error {
		if k < 1 {
			return fmt.Errorf("top-k must be >= 1, got %d", k)
		}
		c.topK = k
		return nil
	}
}

// WithLabels names the classes, one per model output. By default a model
// with 1000 outputs gets the ImageNet names and any other model its class
// indices ("0", "1", ...).
func WithLabels(labels []string) Option {
	labels = slices.Clone(labels)
	return func(c *config) error { c.labels = labels; return nil }
}

// WithLabelsFile reads the class names from a file (see LoadLabels).
func WithLabelsFile(path string) Option {
	return func(c *config) error { c.labelsFile = path; return nil }
}

// WithThreadsCheck tries n LibTorch intra-op threads instead of
// LibTorch's own default count (binding.DefaultThreads), which the user's
// unconfigured PyTorch runs with: at load, a full batch of noise and a
// single image run at both counts, and n is kept only if every logit has
// the same bits (batch sizes between the two are not run);
// otherwise the inference workers run at the default. Some models' CPU logits depend on the thread
// count (EfficientNet's do on Debian's LibTorch), so a faster setting is
// used only where it is proved exact. The thread count is LibTorch's,
// for the whole process. ForwardPlan says what was chosen and why.
func WithThreadsCheck(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithThreadsCheck(%d): want at least 1", n)
		}
		c.threadsCheck = n
		return nil
	}
}

// WithTransform sets the preprocessing. By default it is the model
// file's own (ModelInfo.Transform, which scripts/export_torchvision.py
// records), else preprocess.Resize224().
func WithTransform(t preprocess.Transform) Option {
	return func(c *config) error {
		if err := t.Validate(); err != nil {
			return err
		}
		c.transform, c.transformSet = t, true
		return nil
	}
}

// WithPreset selects a named preprocessing preset (preprocess.Presets):
// "resize224" (the default) or "resize256-crop224" (alias "imagenet").
func WithPreset(name string) Option {
	return func(c *config) error {
		t, err := preprocess.Preset(name)
		if err != nil {
			return err
		}
		c.transform = t
		return nil
	}
}

// WithWorkers sets how many goroutines decode and preprocess images in
// each batch call, and how many single-image calls may decode at once
// (default: the number of CPUs).
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("workers must be >= 1, got %d", n)
		}
		c.workers = n
		return nil
	}
}

// WithLogits keeps each input's raw logits in its Result.
func WithLogits(keep bool) Option {
	return func(c *config) error { c.logits = keep; return nil }
}

// WithProbabilities keeps each input's softmax probabilities, every
// class's, in its Result.
func WithProbabilities(keep bool) Option {
	return func(c *config) error { c.probs = keep; return nil }
}

// WithBatchObserver has fn called after every forward pass with its batch
// size and how long it took (a failed pass included), for metrics. It is
// called from the predictor's goroutines, concurrently, and must not block.
func WithBatchObserver(fn func(size int, compute time.Duration)) Option {
	return func(c *config) error { c.observeBatch = fn; return nil }
}

// WithDecodeLimits sets the decompression-bomb limit (default, and the
// zero Limits: Pillow's).
func WithDecodeLimits(l decode.Limits) Option {
	return func(c *config) error { c.decode.Limits = l; return nil }
}

// WithMaxInputSize bounds the bytes read from one file, reader or
// in-memory input (default DefaultMaxInputSize); a larger input fails at
// StageRead without being read.
func WithMaxInputSize(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max input size must be >= 1, got %d", n)
		}
		c.maxInput = n
		return nil
	}
}

// WithMemoryBudget bounds the memory that images being decoded and
// resized hold at once, shared by every worker and single-image call
// (default: half of the machine's memory, or of the process's cgroup
// limit when lower). Each image takes what its header says its decode and
// resize need at their peak before it starts, and waits while that much
// is not free; one needing more than the whole budget runs alone. Any mix
// of inputs then runs within the budget plus the model's own memory.
func WithMemoryBudget(bytes int64) Option {
	return func(c *config) error {
		if bytes < 1 {
			return fmt.Errorf("memory budget must be >= 1 byte, got %d", bytes)
		}
		c.memory = bytes
		return nil
	}
}

// WithPillow decodes files as the given Pillow release reads them (the
// default is 9.4, Debian 12's): decode.ParsePillow names one, and
// docs/PARITY.md lists what changes with it. From 12.2 on, New also
// resizes very tall images vertically first (Transform.TallVerticalFirst),
// as that release does.
func WithPillow(v decode.Pillow) Option {
	return func(c *config) error { c.decode.Pillow = v; return nil }
}

// WithEXIFTranspose rotates/flips images by their EXIF orientation first,
// as ImageOps.exif_transpose does. Off by default: Image.open does not, so
// the default matches the plain Python pipeline.
func WithEXIFTranspose(on bool) Option {
	return func(c *config) error { c.decode.EXIFTranspose = on; return nil }
}

// WithInferenceWorkers sets how many batches may be in the model at once
// (default 1 on CPU, where LibTorch's threads already share one batch; 2
// on CUDA, so upload and compute overlap).
func WithInferenceWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("inference workers must be >= 1, got %d", n)
		}
		c.inferenceWorkers = n
		return nil
	}
}

// WithMaxDelay bounds how long a single-image call (ClassifyBytes,
// ClassifyImage) waits for others to share its batch (default 2ms).
func WithMaxDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("max delay must be >= 0, got %v", d)
		}
		c.maxDelay = d
		return nil
	}
}

// WithQueueSize bounds how many single-image calls are admitted at once,
// from their admission until their batch starts (decoding, waiting to
// decode, waiting for a batch); beyond it they fail at once with
// ErrOverloaded (default 4 batches).
func WithQueueSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("queue size must be >= 1, got %d", n)
		}
		c.queueSize = n
		return nil
	}
}

// withForwardHook calls f(n) before each forward pass of n images (tests).
func withForwardHook(f func(n int)) Option {
	return func(c *config) error { c.onForward = f; return nil }
}

// WithSubBatch runs full batches through the model in parts of n images:
// the activations then need memory for n images, not the batch size. It
// is used only if, at load, a full batch run whole and in parts gives
// bit-identical logits (New fails otherwise); partial batches always run
// whole. The default (0) tries parts of 8 on the CPU, keeps them only if
// the check passes, and runs whole batches on CUDA; n >= the batch size
// never splits. ForwardPlan says what was chosen.
func WithSubBatch(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("sub-batch size must be >= 0, got %d", n)
		}
		c.subBatch = n
		return nil
	}
}

// WithCheckCache keeps the verdicts of the sub-batch check (WithSubBatch)
// in dir, one small file per model, LibTorch, thread count, shape and CPU:
// a later New with the same ones uses the verdict instead of running a
// whole batch at load, whose activations would set the process's peak
// memory. Off by default; predict uses $XDG_CACHE_HOME/predict.
func WithCheckCache(dir string) Option {
	return func(c *config) error { c.checkCache = dir; return nil }
}
