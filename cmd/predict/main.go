// Command predict classifies images with a TorchScript model, giving the
// same results as the equivalent PIL + torchvision + PyTorch script.
//
//	predict [flags] PATH...
//
// PATH is an image file, a directory (its image files, sorted by name) or
// "-" (paths read from stdin, one per line). Results go to stdout in input
// order, each as soon as it and the ones before it are done; diagnostics
// to stderr.
//
// A PATH may also be a storage URL (s3://, gs://, azblob://, file://,
// mem://): an object, or with a trailing "/" the objects under that
// prefix. --output writes the results to a file or an object, --resume
// continues an interrupted run's output, --shard takes one part of the
// list, and predict merge joins the parts' outputs into one run's.
//
// Exit status: 0 when every image was classified; 1 when some inputs
// failed (each has its own error line, and all others were printed);
// 2 when nothing could run (bad flags, unreadable model, no inputs);
// 75 when the infrastructure failed (storage unreachable, device lost):
// what was done is written, and a rerun with --resume continues;
// 130 or 143 after SIGINT or SIGTERM: the first one lets the batch in the
// model finish and print, starts nothing more, and exits; a second one
// exits at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/storage"
	"github.com/torchgo/predict/predictor"
	"github.com/torchgo/predict/preprocess"
)

const (
	exitOK      = 0
	exitPartial = 1
	exitFatal   = 2
	exitRetry   = 75 // sysexits' EX_TEMPFAIL: the infrastructure failed, worth retrying
)

// Upper bounds of the numeric flags: beyond them a run only wastes memory
// or threads.
const (
	maxBatchSize     = 4096
	maxWorkersPerCPU = 8
)

func main() {
	ctx, stop := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		stop(interrupted{s})
		s = <-sigs
		os.Exit(interrupted{s}.exitCode())
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// interrupted is the cause of a run stopped by a signal.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.sig.String() }

// exitCode is the shell's 128 + signal number: 130 for SIGINT, 143 for
// SIGTERM.
func (i interrupted) exitCode() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

type options struct {
	model, labels, device, format, progress         string
	pillow                                          string
	tf                                              transformOptions
	maxInput, memory, checkCache                    string
	output, shard                                   string
	batchSize, topK, threads, workers, subBatch     int
	checkpoint                                      time.Duration
	logits, version, exif, deterministic, tallFirst bool
	verbose, topKSet, resume, allowInputErrors      bool
}

func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addModelFlags(fs, o)
	fs.StringVar(&o.format, "format", "table", "output: table, jsonl or csv")
	fs.BoolVar(&o.logits, "logits", false, "include raw float32 logits (jsonl only)")
	fs.StringVar(&o.progress, "progress", "auto", "progress line on stderr: auto (when stderr is a terminal), true, false")
	fs.BoolVar(&o.version, "version", false, "print LibTorch version, CUDA/cuDNN and devices, then exit")
	fs.StringVar(&o.output, "output", "", "write the results to this file or storage URL instead of stdout, each as soon as it is done")
	fs.BoolVar(&o.resume, "resume", false, "keep the results --output already holds for these inputs and do the rest (jsonl or csv; a missing output starts afresh)")
	fs.StringVar(&o.shard, "shard", "", "I/N: take the I-th (from 0) of N contiguous parts of the input list; auto/N: I from $"+jobIndexEnv)
	fs.DurationVar(&o.checkpoint, "checkpoint", 30*time.Second, "how often results are made durable: a storage URL --output is uploaded, a file synced")
	fs.BoolVar(&o.allowInputErrors, "allow-input-errors", false, "exit 0, not 1, when some inputs failed (each still has its error line)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: predict [flags] PATH...\n       predict serve [flags]   (an inference server: predict serve -h)\n"+
			"       predict merge [--output OUT] SHARD-OUTPUT...   (join the outputs of --shard runs: predict merge -h)\n\n"+
			"PATH: image file, directory (its image files, sorted), - (paths on stdin), or a storage URL\n"+
			"(s3://, gs://, azblob://, file://, mem://; ending in / for the objects under a prefix).\n"+
			"Exit status: 0 all classified, 1 some inputs failed, 2 nothing could run, 75 infrastructure\n"+
			"failed (retry, with --resume), 130/143 interrupted.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// addModelFlags defines the flags of the model and how it runs, which
// predict and predict serve share.
func addModelFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.model, "model", "build/resnet18.pt", "TorchScript model file")
	fs.StringVar(&o.labels, "labels", "", "class names, one per line (default: ImageNet names for a 1000-class model)")
	addTransformFlags(fs, &o.tf)
	fs.StringVar(&o.device, "device", "auto", "auto (CUDA if present), cpu, cuda (every visible GPU), cuda:N, or a list: cuda:0,cuda:2")
	fs.IntVar(&o.batchSize, "batch-size", 32, fmt.Sprintf("images per forward pass (at most %d)", maxBatchSize))
	fs.IntVar(&o.subBatch, "sub-batch", 0, "run full batches through the model in parts of N images, if a check at load proves the logits unchanged (0: CPU tries 8; N >= batch size: never)")
	fs.IntVar(&o.topK, "topk", 5, "classes listed per image (at most the model's classes; default: 5, or all of a smaller model's)")
	fs.IntVar(&o.threads, "threads", 0, "LibTorch intra-op threads, as torch.set_num_threads(N) in your Python (default 0: LibTorch's own count, as unconfigured PyTorch runs, raised to the CPUs only where a check at load proves the logits unchanged)")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), fmt.Sprintf("decode/preprocess goroutines (at most %d per CPU)", maxWorkersPerCPU))
	fs.StringVar(&o.maxInput, "max-input-size", formatBytes(predictor.DefaultMaxInputSize), "largest input file read; larger ones fail without being read (bytes, or with KiB, MiB, GiB)")
	fs.StringVar(&o.checkCache, "check-cache", defaultCheckCache(), "where the verdicts of the sub-batch check are kept, so later runs skip it (\"\": nowhere)")
	fs.StringVar(&o.memory, "memory-budget", "auto", "memory for decoded images and resize buffers, shared by all workers (bytes, KiB/MiB/GiB; auto: half of the machine's or the cgroup's memory)")
	fs.BoolVar(&o.exif, "exif-transpose", false, "apply EXIF orientation first (ImageOps.exif_transpose); Image.open does not")
	fs.StringVar(&o.pillow, "pillow", "9.4", "read and resize images as this Pillow release does: 9.4 (Debian 12), 10.x, 11.x, 12.x, debian12 or debian13 (docs/PARITY.md lists what differs)")
	fs.BoolVar(&o.tallFirst, "tall-vertical-first", false, "resize images over 100x taller than wide vertically first, as Pillow >= 12.2 does (implied by --pillow 12.2 and later)")
	fs.BoolVar(&o.deterministic, "deterministic", false, "CUDA: no TF32, deterministic cuDNN (differs from PyTorch's defaults, so from the user's Python)")
	fs.BoolVar(&o.verbose, "verbose", false, "say on stderr how the model runs (device, threads, batches, warm-up)")
}

// parseArgs accepts flags before, between and after paths, as users type
// them ("predict a.jpg --format jsonl"); "--" ends the flags for good:
// everything after it is a path, even "-x.jpg".
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		// Parse consumed a "--" just before rest when it stopped there.
		if k := len(args) - len(rest); k > 0 && args[k-1] == "--" {
			return append(paths, rest...), nil
		}
		if len(rest) == 0 {
			return paths, nil
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// parseFailed is the exit code of a command line the flag package
// refused (and explained): 0 for -h, which asked for that.
func parseFailed(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitFatal
}

// settings are the flags checked and turned into what the run needs.
type settings struct {
	devices   []binding.Device
	transform preprocess.Transform
	labels    []string // the model file's class names, if it has them
	pillow    decode.Pillow
	maxInput  int64
	memory    int64 // 0: the predictor's default
	progress  bool
	shard     shard
}

// check validates the flags, bounds included, before anything runs.
func (o *options) check(stderr io.Writer) (settings, error) {
	if o.logits && o.format != "jsonl" {
		return settings{}, errors.New("--logits needs --format jsonl")
	}
	if err := checkFormat(o.format); err != nil {
		return settings{}, err
	}
	switch {
	case o.resume && o.output == "":
		return settings{}, errors.New("--resume needs --output")
	case o.resume && o.format == "table":
		return settings{}, errors.New("--resume needs --format jsonl or csv")
	case o.checkpoint <= 0:
		return settings{}, fmt.Errorf("--checkpoint %v: want a positive duration", o.checkpoint)
	}
	s, err := o.checkModel(stderr)
	if err != nil {
		return s, err
	}
	if s.shard, err = parseShard(o.shard); err != nil {
		return s, err
	}
	if s.progress, err = parseProgress(o.progress, stderr); err != nil {
		return s, err
	}
	return s, nil
}

// checkModel validates the flags addModelFlags defines.
func (o *options) checkModel(stderr io.Writer) (settings, error) {
	var s settings
	var err error
	switch cpus := runtime.NumCPU(); {
	case o.batchSize < 1 || o.batchSize > maxBatchSize:
		return s, fmt.Errorf("--batch-size %d: want 1 to %d", o.batchSize, maxBatchSize)
	case o.threads < 0 || o.threads > cpus:
		return s, fmt.Errorf("--threads %d: want 1 to %d (the CPUs this process may use), or 0 for LibTorch's count", o.threads, cpus)
	case o.workers < 1 || o.workers > maxWorkersPerCPU*cpus:
		return s, fmt.Errorf("--workers %d: want 1 to %d (%d per CPU)", o.workers, maxWorkersPerCPU*cpus, maxWorkersPerCPU)
	case o.topK < 1:
		return s, fmt.Errorf("--topk %d: want at least 1", o.topK)
	case o.subBatch < 0:
		return s, fmt.Errorf("--sub-batch %d: want 0 (automatic) or more", o.subBatch)
	}
	if s.devices, err = parseDevices(o.device); err != nil {
		return s, err
	}
	if s.maxInput, err = parseBytes(o.maxInput); err != nil {
		return s, fmt.Errorf("--max-input-size: %w", err)
	}
	if o.memory != "auto" {
		if s.memory, err = parseBytes(o.memory); err != nil {
			return s, fmt.Errorf("--memory-budget: %w", err)
		}
	}
	if s.transform, s.labels, err = o.tf.transform(o.model, stderr); err != nil {
		return s, err
	}
	if s.pillow, err = decode.ParsePillow(o.pillow); err != nil {
		return s, fmt.Errorf("--pillow: %w", err)
	}
	s.transform.TallVerticalFirst = o.tallFirst || s.pillow.AtLeast(12, 2)
	return s, nil
}

// predictorOptions are the predictor's options from the model flags.
func (o *options) predictorOptions(s settings, batchSize int) []predictor.Option {
	opts := []predictor.Option{
		devicesOption(o.device, s.devices),
		predictor.WithTransform(s.transform),
		predictor.WithBatchSize(batchSize),
		predictor.WithWorkers(o.workers),
		predictor.WithEXIFTranspose(o.exif),
		predictor.WithPillow(s.pillow),
		predictor.WithMaxInputSize(s.maxInput),
		predictor.WithSubBatch(o.subBatch),
		predictor.WithCheckCache(o.checkCache),
	}
	if o.threads == 0 {
		opts = append(opts, predictor.WithThreadsCheck(runtime.NumCPU()))
	}
	if o.topKSet {
		opts = append(opts, predictor.WithTopK(o.topK))
	}
	if s.memory > 0 {
		opts = append(opts, predictor.WithMemoryBudget(s.memory))
	}
	switch {
	case o.labels != "":
		opts = append(opts, predictor.WithLabelsFile(o.labels))
	case len(s.labels) > 0:
		opts = append(opts, predictor.WithLabels(s.labels))
	}
	return opts
}

// parseDevices reads --device: one device, or several separated by
// commas.
func parseDevices(v string) ([]binding.Device, error) {
	var out []binding.Device
	for _, part := range strings.Split(v, ",") {
		d, err := binding.ParseDevice(part)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if len(out) > 1 && slices.ContainsFunc(out, func(d binding.Device) bool { return d.Kind == binding.Auto }) {
		return nil, fmt.Errorf("--device %s: name the devices of a list", v)
	}
	return out, nil
}

// devicesOption is where the model runs: "cuda" and "auto" on a machine
// with several visible GPUs are all of them, batches dealt across them.
func devicesOption(flag string, devs []binding.Device) predictor.Option {
	if f := strings.ToLower(strings.TrimSpace(flag)); len(devs) == 1 && (f == "cuda" || f == "auto") && binding.CUDABuilt() {
		if gpus, err := binding.CUDADevices(); err == nil && len(gpus) > 1 {
			devs = nil
			for _, g := range gpus {
				devs = append(devs, binding.Device{Kind: binding.CUDA, Index: g.Index})
			}
		}
	}
	if len(devs) > 1 {
		return predictor.WithDevices(devs...)
	}
	return predictor.WithDevice(devs[0])
}

// setUpLibTorch makes LibTorch's process-wide settings, before a model
// loads.
func (o *options) setUpLibTorch() error {
	if o.threads > 0 {
		if err := binding.SetThreads(o.threads); err != nil {
			return err
		}
	}
	if o.deterministic {
		return binding.SetCUDADeterministic(true)
	}
	return nil
}

// warnRandomWeights says so when the model says its weights are random.
func warnRandomWeights(w io.Writer, model string, p *predictor.Predictor) {
	info := p.ModelInfo()
	if !info.RandomWeights() {
		return
	}
	seed := ""
	if info.Seed != nil {
		seed = fmt.Sprintf(" (seed %d)", *info.Seed)
	}
	fmt.Fprintf(w, "predict: WARNING: %s has RANDOM weights%s: its predictions are meaningless.\n"+
		"predict: export real ones with scripts/export_resnet18.py --pretrained, or --weights FILE.\n", model, seed)
}

// run is the command. Cancelling ctx (main does, on the first SIGINT or
// SIGTERM, with an interrupted cause) stops the run: the batch in the
// model finishes and prints, nothing else starts, and run returns the
// signal's exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		return runServe(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "compare" {
		return runCompare(ctx, args[1:], stdout, stderr)
	}
	var o options
	fs := newFlagSet(&o, stderr)
	paths, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err)
	}
	fs.Visit(func(f *flag.Flag) { o.topKSet = o.topKSet || f.Name == "topk" })
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "predict: %v\n", err)
		return exitFatal
	}
	if o.version {
		return printVersion(stdout, stderr)
	}
	s, err := o.check(stderr)
	if err != nil {
		return fatal(err)
	}
	store := &storage.Store{}
	defer store.Close()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "predict: %v\n", err)
		return failureCode(err)
	}
	all, err := expandInputs(ctx, paths, stdin, store)
	if err != nil {
		if code, ok := stopped(ctx); ok {
			return code
		}
		return fail(err)
	}
	if len(all) == 0 {
		fs.Usage()
		return fatal(errors.New("no input images"))
	}
	lo, hi := s.shard.bounds(len(all))
	inputs := all[lo:hi]
	// The batch size of the whole run, resumed or not: the batches are
	// the uninterrupted run's.
	batchSize := min(o.batchSize, max(len(inputs), 1))

	var dst io.Writer = stdout
	var out *outputFile
	prior := written{}
	if o.output != "" {
		if out, err = openOutput(ctx, store, o.output, o.resume, o.checkpoint); err != nil {
			return fail(fmt.Errorf("--output: %w", err))
		}
		defer out.f.Close()
		if o.resume {
			if prior, err = resumeOutput(out, o.format, inputs, batchSize); err != nil {
				return fatal(fmt.Errorf("--resume: %s: %w", o.output, err))
			}
			if len(prior.results) > 0 {
				fmt.Fprintf(stderr, "predict: resuming %s: %d of %d inputs done\n", o.output, len(prior.results), len(inputs))
			}
		}
		dst = out
	}
	done, failed := len(prior.results), 0
	for _, r := range prior.results {
		if r.failed {
			failed++
		}
	}
	todo := inputs[done:]
	// finish makes the output durable and says how the run ended.
	finish := func(code int) int {
		if out != nil {
			if err := out.Close(); err != nil {
				fmt.Fprintf(stderr, "predict: --output: %v\n", err)
				return exitRetry
			}
		}
		if code != exitOK {
			return code
		}
		if failed > 0 {
			fmt.Fprintf(stderr, "predict: %d of %d inputs failed\n", failed, len(inputs))
			if !o.allowInputErrors {
				return exitPartial
			}
		}
		return exitOK
	}
	w, err := newWriter(o.format, dst, names(inputs), prior.header > 0)
	if err != nil {
		return finish(fail(err))
	}
	if len(todo) == 0 {
		return finish(exitOK)
	}

	// LibTorch's settings are the process's: set before the model loads.
	if err := o.setUpLibTorch(); err != nil {
		return fatal(err)
	}
	opts := append(o.predictorOptions(s, batchSize), predictor.WithLogits(o.logits))
	p, err := predictor.New(o.model, opts...)
	if err != nil {
		return fatal(err)
	}
	defer p.Close()
	if code, ok := stopped(ctx); ok {
		return finish(code)
	}
	warnRandomWeights(stderr, o.model, p)
	if o.verbose {
		describe(stderr, o, p)
	}

	// When ctx ends (a signal), the batch in the model finishes and
	// prints; nothing else starts. A result that failed for the
	// infrastructure's sake is not written: the run stops before it, and
	// a resumed run does it again.
	bar := newProgress(stderr, len(todo))
	sources := func(yield func(predictor.Input) bool) {
		for _, src := range todo {
			if !yield(src.input(store, s.maxInput)) {
				return
			}
		}
	}
	for r, err := range p.Stream(ctx, sources) {
		if _, sig := stopped(ctx); sig && err != nil {
			break // the run's own end, reported below
		}
		if err == nil && infrastructure(r.Err) {
			bar.finish()
			fmt.Fprintf(stderr, "predict: %v\npredict: stopped after %d of %d inputs; run again with --resume to go on\n", r.Err, done, len(inputs))
			return finish(exitRetry)
		}
		if err == nil {
			done++
			if r.Err != nil {
				failed++
			}
			if s.progress {
				bar.add(r.Err != nil)
			}
			err = w.write(r)
		}
		if err != nil {
			bar.finish()
			if out != nil {
				fmt.Fprintf(stderr, "predict: --output: %v\n", err)
				return finish(exitRetry)
			}
			return fatal(err)
		}
	}
	bar.finish()
	if err := w.flush(); err != nil {
		return finish(fatal(err))
	}
	if code, ok := stopped(ctx); ok {
		fmt.Fprintf(stderr, "predict: %v: %d of %d inputs done\n", context.Cause(ctx), done, len(inputs))
		return finish(code)
	}
	return finish(exitOK)
}

// failureCode is the exit code of a failure before any input ran:
// storage that stays unreachable is worth a retry; anything else is the
// caller's to fix.
func failureCode(err error) int {
	var u *storage.UnavailableError
	if errors.As(err, &u) {
		return exitRetry
	}
	return exitFatal
}

// infrastructure reports whether a result failed for want of the
// machinery, not for its input or the model: storage unavailable, the
// device lost or out of memory. Such a failure is worth a retry, later or
// elsewhere.
func infrastructure(err error) bool {
	var u *storage.UnavailableError
	var b *predictor.BatchError
	return errors.As(err, &u) || errors.As(err, &b) && (errors.Is(err, binding.ErrDevice) || errors.Is(err, binding.ErrOutOfMemory))
}

// resumeOutput reads what the output already holds, keeps the results
// the resumed run keeps (resumePoint) and cuts the rest.
func resumeOutput(out *outputFile, format string, inputs []source, batch int) (written, error) {
	size, err := out.size()
	if err != nil {
		return written{}, err
	}
	w, err := scanOutput(out.f, size, format)
	if err != nil {
		return w, err
	}
	keep, err := resumePoint(w, inputs, batch)
	if err != nil {
		return w, err
	}
	w.results = w.results[:keep]
	end := w.header
	if keep > 0 {
		end = w.results[keep-1].end
	}
	return w, out.cut(end)
}

func names(inputs []source) []string {
	n := make([]string, len(inputs))
	for i, s := range inputs {
		n[i] = s.name
	}
	return n
}

// defaultCheckCache is $XDG_CACHE_HOME/predict (or ~/.cache/predict), ""
// when there is no such place.
func defaultCheckCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "predict")
}

// stopped reports whether ctx was cancelled by a signal, and that signal's
// exit code.
func stopped(ctx context.Context) (int, bool) {
	var i interrupted
	if errors.As(context.Cause(ctx), &i) {
		return i.exitCode(), true
	}
	return 0, false
}

// describe is --verbose: how the model runs.
func describe(w io.Writer, o options, p *predictor.Predictor) {
	threads := p.Threads()
	fmt.Fprintf(w, "predict: %s on %s, %d intra-op threads, %d decode workers, batches of %d\n",
		o.model, p.Device(), threads, o.workers, p.BatchSize())
	fmt.Fprintf(w, "predict: %s\n", p.ForwardPlan())
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
