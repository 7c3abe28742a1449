// Command predict classifies images with a TorchScript model, giving the
// same results as the equivalent PIL + torchvision + PyTorch script.
//
//	predict [flags] PATH...
//
// PATH is an image file, a directory (its image files, sorted by name) or
// "-" (paths read from stdin, one per line). Results go to stdout in input
// order; diagnostics to stderr.
//
// Exit status: 0 when every image was classified; 1 when some inputs
// failed (each has its own error line, and all others were printed);
// 2 when nothing could run (bad flags, unreadable model, no inputs).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/predictor"
	"github.com/torchgo/predict/preprocess"
)

const (
	exitOK      = 0
	exitPartial = 1
	exitFatal   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	model, labels, preset, device, format, progress string
	batchSize, topK, threads, workers               int
	logits, version, exif, deterministic, tallFirst bool
}

func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.model, "model", "build/resnet18.pt", "TorchScript model file")
	fs.StringVar(&o.labels, "labels", "", "class names, one per line (default: ImageNet names for a 1000-class model)")
	fs.StringVar(&o.preset, "preset", "resize224", "preprocessing: resize224 = Resize((224,224)); imagenet = Resize(256)+CenterCrop(224)")
	fs.StringVar(&o.device, "device", "auto", "auto, cpu, cuda or cuda:N")
	fs.StringVar(&o.format, "format", "table", "output: table, jsonl or csv")
	fs.IntVar(&o.batchSize, "batch-size", 32, "images per forward pass")
	fs.IntVar(&o.topK, "topk", 5, "classes listed per image (jsonl, csv)")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "LibTorch intra-op threads")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "decode/preprocess goroutines")
	fs.BoolVar(&o.logits, "logits", false, "include raw float32 logits (jsonl only)")
	fs.BoolVar(&o.exif, "exif-transpose", false, "apply EXIF orientation first (ImageOps.exif_transpose); Image.open does not")
	fs.BoolVar(&o.tallFirst, "tall-vertical-first", false, "resize images over 100x taller than wide vertically first, as Pillow >= 12.2 does (default: Pillow 9.4's order)")
	fs.BoolVar(&o.deterministic, "deterministic", false, "CUDA: no TF32, deterministic cuDNN (differs from PyTorch's defaults, so from the user's Python)")
	fs.StringVar(&o.progress, "progress", "auto", "progress line on stderr: auto (when stderr is a terminal), true, false")
	fs.BoolVar(&o.version, "version", false, "print LibTorch version, CUDA/cuDNN and devices, then exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: predict [flags] PATH...\n\nPATH: image file, directory (its image files, sorted) or - (paths on stdin).\nExit status: 0 all classified, 1 some inputs failed, 2 nothing could run.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs accepts flags before, between and after paths, as users type
// them ("predict a.jpg --format jsonl"); "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return paths, nil
		}
		if args[0] == "--" {
			return append(paths, args[1:]...), nil
		}
		paths = append(paths, args[0])
		args = args[1:]
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet(&o, stderr)
	paths, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitFatal
	}
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "predict: %v\n", err)
		return exitFatal
	}
	if o.version {
		return printVersion(stdout, stderr)
	}
	if o.logits && o.format != "jsonl" {
		return fatal(errors.New("--logits needs --format jsonl"))
	}
	showProgress, err := parseProgress(o.progress, stderr)
	if err != nil {
		return fatal(err)
	}
	dev, err := binding.ParseDevice(o.device)
	if err != nil {
		return fatal(err)
	}
	out, err := newWriter(o.format, stdout)
	if err != nil {
		return fatal(err)
	}
	inputs, err := expandInputs(paths, stdin)
	if err != nil {
		return fatal(err)
	}
	if len(inputs) == 0 {
		fs.Usage()
		return fatal(errors.New("no input images"))
	}

	transform, err := preprocess.Preset(o.preset)
	if err != nil {
		return fatal(err)
	}
	transform.TallVerticalFirst = o.tallFirst
	// LibTorch's settings are the process's: set before the model loads.
	if err := binding.SetThreads(o.threads); err != nil {
		return fatal(err)
	}
	if o.deterministic {
		if err := binding.SetCUDADeterministic(true); err != nil {
			return fatal(err)
		}
	}
	opts := []predictor.Option{
		predictor.WithDevice(dev),
		predictor.WithTransform(transform),
		predictor.WithBatchSize(o.batchSize),
		predictor.WithTopK(o.topK),
		predictor.WithWorkers(o.workers),
		predictor.WithLogits(o.logits),
		predictor.WithEXIFTranspose(o.exif),
	}
	if o.labels != "" {
		opts = append(opts, predictor.WithLabelsFile(o.labels))
	}
	p, err := predictor.New(o.model, opts...)
	if err != nil {
		return fatal(err)
	}
	defer p.Close()
	if info := p.ModelInfo(); info.RandomWeights() {
		seed := ""
		if info.Seed != nil {
			seed = fmt.Sprintf(" (seed %d)", *info.Seed)
		}
		fmt.Fprintf(stderr, "predict: WARNING: %s has RANDOM weights%s: its predictions are meaningless.\n"+
			"predict: export real ones with scripts/export_resnet18.py --pretrained, or --weights FILE.\n", o.model, seed)
	}

	failed := 0
	bar := newProgress(stderr, len(inputs))
	err = p.StreamFiles(ctx, inputs, func(r predictor.Result) error {
		if r.Err != nil {
			failed++
		}
		if showProgress {
			bar.add(r.Err != nil)
		}
		return out.write(r)
	})
	bar.finish()
	if ferr := out.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fatal(err)
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "predict: %d of %d inputs failed\n", failed, len(inputs))
		return exitPartial
	}
	return exitOK
}

// parseProgress decides whether to show the progress line: "auto" shows
// it only when stderr is a terminal.
func parseProgress(v string, stderr io.Writer) (bool, error) {
	switch v {
	case "auto":
		return isTerminal(stderr), nil
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("bad --progress %q: want auto, true or false", v)
}

// printVersion is the startup check users need when a GPU is not used:
// which LibTorch, whether it has CUDA, what it sees.
func printVersion(stdout, stderr io.Writer) int {
	v, err := binding.Version()
	if err != nil {
		fmt.Fprintf(stderr, "predict: %v\n", err)
		return exitFatal
	}
	threads, _ := binding.Threads()
	fmt.Fprintf(stdout, "LibTorch %s (shim ABI %d), intra-op threads %d\n", v, binding.ABIVersion, threads)
	if !binding.CUDABuilt() {
		fmt.Fprintln(stdout, "CUDA: not built in (CPU-only LibTorch)")
		return exitOK
	}
	rt, _ := binding.CUDARuntimeVersion()
	cudnn, _ := binding.CuDNNVersion()
	fmt.Fprintf(stdout, "CUDA runtime %s, cuDNN %s\n", orNone(binding.FormatCUDAVersion(rt, false)), orNone(binding.FormatCUDAVersion(cudnn, true)))
	devs, err := binding.CUDADevices()
	if err != nil {
		fmt.Fprintf(stderr, "predict: %v\n", err)
		return exitFatal
	}
	if len(devs) == 0 {
		fmt.Fprintln(stdout, "CUDA devices: none visible (driver missing, or CUDA_VISIBLE_DEVICES)")
	}
	for _, d := range devs {
		fmt.Fprintf(stdout, "cuda:%d %s (compute capability %d.%d, %.0f GiB)\n", d.Index, d.Name, d.Major, d.Minor, float64(d.MemoryBytes)/(1<<30))
	}
	if m, err := binding.CUDAMathSettings(); err == nil {
		fmt.Fprintf(stdout, "CUDA math: TF32 cuDNN %v, TF32 cuBLAS %v, deterministic cuDNN %v, cuDNN benchmark %v\n",
			m.TF32CuDNN, m.TF32CuBLAS, m.DeterministicCuDNN, m.BenchmarkCuDNN)
	}
	return exitOK
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
