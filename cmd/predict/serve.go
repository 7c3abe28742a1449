package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/predictor"
	"github.com/torchgo/predict/server"
)

// serveOptions are predict serve's own flags, beside the model flags.
type serveOptions struct {
	modelName, modelVersion, host, maxBody string
	logFormat, logLevel                    string
	httpPort, grpcPort, queueSize          int
	inferenceWorkers                       int
	maxDelay, drainGrace, shutdownTimeout  time.Duration
}

func newServeFlagSet(o *options, so *serveOptions, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("predict serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addModelFlags(fs, o)
	fs.Lookup("model").Usage = "TorchScript model file, or a directory holding exactly one .pt (KServe mounts /mnt/models)"
	fs.StringVar(&so.modelName, "model-name", "", "the name clients address the model by (default: the model file's name without .pt)")
	fs.StringVar(&so.modelVersion, "model-version", "1", "the model's version")
	fs.StringVar(&so.host, "host", "", "address to listen on (default: every interface)")
	fs.IntVar(&so.httpPort, "http-port", 8080, "HTTP port: REST (Open Inference Protocol v2), /v1/classify, /metrics, the page at / (default: $PORT when set, else 8080; 0: any free port)")
	fs.IntVar(&so.grpcPort, "grpc-port", 8081, "gRPC port (inference.GRPCInferenceService, grpc.health.v1; 0: any free port, -1: none)")
	fs.DurationVar(&so.maxDelay, "max-delay", 2*time.Millisecond, "how long a batch waits for more requests to fill it")
	fs.IntVar(&so.queueSize, "queue-size", 0, "images admitted at once, more are refused with 429 / RESOURCE_EXHAUSTED (default: 4 batches)")
	fs.IntVar(&so.inferenceWorkers, "inference-workers", 0, "batches in the model at once (default: 1 on CPU, 2 on CUDA)")
	fs.StringVar(&so.maxBody, "max-body", "64MiB", "largest request accepted (413 / RESOURCE_EXHAUSTED above)")
	fs.DurationVar(&so.drainGrace, "drain-grace", 5*time.Second, "after SIGTERM: how long inference is still served while readiness reports 503")
	fs.DurationVar(&so.shutdownTimeout, "shutdown-timeout", 25*time.Second, "after SIGTERM: how long the whole drain may take before the server stops anyway (exit 1)")
	fs.StringVar(&so.logFormat, "log-format", "text", "log lines on stderr: text or json")
	fs.StringVar(&so.logLevel, "log-level", "info", "debug (a line per request), info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: predict serve [flags]\n\nAn inference server speaking the Open Inference Protocol (KServe v2) over HTTP and gRPC.\n"+
			"SIGTERM or SIGINT drains it: readiness fails at once, inference is served for --drain-grace, then\n"+
			"refused; work in flight finishes and the server exits 0 (1 when --shutdown-timeout ran out).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// runServe is predict serve. It listens at once (live, not ready), loads
// the model, turns ready, and drains when ctx ends (main cancels it on
// SIGTERM or SIGINT; a second signal exits at once).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	var so serveOptions
	fs := newServeFlagSet(&o, &so, stderr)
	if err := fs.Parse(args); err != nil {
		return parseFailed(err)
	}
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "predict serve: %v\n", err)
		return exitFatal
	}
	if fs.NArg() > 0 {
		return fatal(fmt.Errorf("unexpected argument %q: predict serve takes flags only", fs.Arg(0)))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.topKSet = set["topk"]
	s, err := o.checkModel(stderr)
	if err != nil {
		return fatal(err)
	}
	if !set["http-port"] {
		if port := os.Getenv("PORT"); port != "" {
			if so.httpPort, err = strconv.Atoi(port); err != nil {
				return fatal(fmt.Errorf("$PORT %q is not a port number", port))
			}
		}
	}
	maxBody, err := parseBytes(so.maxBody)
	if err != nil {
		return fatal(fmt.Errorf("--max-body: %w", err))
	}
	switch {
	case so.httpPort < 0 || so.httpPort > 65535:
		return fatal(fmt.Errorf("--http-port %d: want 0 to 65535", so.httpPort))
	case so.grpcPort < -1 || so.grpcPort > 65535:
		return fatal(fmt.Errorf("--grpc-port %d: want -1 (none) or 0 to 65535", so.grpcPort))
	case so.queueSize < 0 || so.inferenceWorkers < 0 || so.maxDelay < 0:
		return fatal(errors.New("--queue-size, --inference-workers and --max-delay cannot be negative"))
	}
	log, err := newLogger(stderr, so.logFormat, so.logLevel)
	if err != nil {
		return fatal(err)
	}
	model, err := resolveModel(o.model)
	if err != nil {
		return fatal(err)
	}
	name := so.modelName
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(model), filepath.Ext(model))
	}

	reg := server.NewRegistry()
	metrics := server.NewMetrics(reg, reg)
	srv, err := server.New(nil, server.Config{
		ModelName: name, ModelVersion: so.modelVersion, MaxBodyBytes: maxBody, Logger: log, Metrics: metrics, Version: version(),
	})
	if err != nil {
		return fatal(err)
	}
	l := listeners{log: log}
	defer l.close()
	if err := l.listen(srv, so); err != nil {
		return fatal(err)
	}

	// The model loads while the server answers: live, not ready.
	if err := o.setUpLibTorch(); err != nil {
		return fatal(err)
	}
	opts := append(o.predictorOptions(s, o.batchSize), server.PredictorOptions(metrics)...)
	opts = append(opts, predictor.WithMaxDelay(so.maxDelay))
	if so.queueSize > 0 {
		opts = append(opts, predictor.WithQueueSize(so.queueSize))
	}
	if so.inferenceWorkers > 0 {
		opts = append(opts, predictor.WithInferenceWorkers(so.inferenceWorkers))
	}
	p, err := predictor.New(model, opts...)
	if err != nil {
		log.Error("loading the model failed", "model", model, "error", err)
		return exitFatal
	}
	defer p.Close()
	warnRandomWeights(stderr, model, p)
	threads, _ := binding.Threads()
	st := p.Startup()
	srv.SetPredictor(p)
	log.Info("ready", "model", model, "name", name, "device", p.Device().String(), "threads", threads, "batch_size", p.BatchSize(),
		"queue_size", p.QueueSize(), "load", st.Load, "warm_up", st.WarmUp, "check", st.Check, "plan", p.ForwardPlan())

	select {
	case <-ctx.Done():
	case err := <-l.failed:
		log.Error("serving failed", "error", err)
		return exitFatal
	}
	return drain(context.Cause(ctx), srv, &l, p, so, log)
}

// drain is the graceful shutdown: readiness off at once, inference served
// for the grace window so load balancers notice, then refused; in-flight
// work finishes, the servers close, the model is released.
func drain(cause error, srv *server.Server, l *listeners, p *predictor.Predictor, so serveOptions, log *slog.Logger) int {
	deadline := time.Now().Add(so.shutdownTimeout)
	log.Info("shutting down", "cause", cause, "drain_grace", so.drainGrace, "shutdown_timeout", so.shutdownTimeout)
	srv.Drain()
	time.Sleep(min(so.drainGrace, so.shutdownTimeout))
	srv.Refuse()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	clean := l.shutdown(ctx)
	p.Close()
	if !clean {
		log.Error("shutdown timeout: requests still in flight were cut off")
		return exitPartial
	}
	log.Info("stopped")
	return exitOK
}

// resolveModel is the model file: the path itself, or the one .pt file in
// a directory.
func resolveModel(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--model: %w", err)
	}
	if !st.IsDir() {
		return path, nil
	}
	found, err := filepath.Glob(filepath.Join(path, "*.pt"))
	if err != nil {
		return "", err
	}
	if len(found) != 1 {
		return "", fmt.Errorf("--model %s: a directory must hold exactly one .pt file, it holds %d", path, len(found))
	}
	return found[0], nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// version is the binary's module version, "dev" when built from a
// working tree.
func version() string {
	if v := buildVersion(); v != "" && v != "(devel)" {
		return v
	}
	return "dev"
}

// listeners are the HTTP and gRPC servers and their sockets.
type listeners struct {
	log    *slog.Logger
	http   *http.Server
	grpc   *grpc.Server
	failed chan error // a server that stopped on its own
}

func (l *listeners) listen(srv *server.Server, so serveOptions) error {
	l.failed = make(chan error, 2)
	hl, err := net.Listen("tcp", net.JoinHostPort(so.host, strconv.Itoa(so.httpPort)))
	if err != nil {
		return err
	}
	l.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := l.http.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
			l.failed <- err
		}
	}()
	grpcAddr := "none"
	if so.grpcPort >= 0 {
		gl, err := net.Listen("tcp", net.JoinHostPort(so.host, strconv.Itoa(so.grpcPort)))
		if err != nil {
			return err
		}
		l.grpc = grpc.NewServer(srv.GRPCServerOptions()...)
		srv.RegisterGRPC(l.grpc)
		go func() {
			if err := l.grpc.Serve(gl); err != nil {
				l.failed <- err
			}
		}()
		grpcAddr = gl.Addr().String()
	}
	l.log.Info("listening", "http", hl.Addr().String(), "grpc", grpcAddr)
	return nil
}

// shutdown closes both servers, letting requests in flight finish until
// ctx ends; it reports whether they all did.
func (l *listeners) shutdown(ctx context.Context) bool {
	clean := true
	done := make(chan struct{})
	if l.grpc != nil {
		go func() { l.grpc.GracefulStop(); close(done) }()
	} else {
		close(done)
	}
	if l.http != nil {
		if err := l.http.Shutdown(ctx); err != nil {
			clean = false
			l.http.Close()
		}
	}
	select {
	case <-done:
	case <-ctx.Done():
		clean = false
		l.grpc.Stop()
	}
	l.http, l.grpc = nil, nil
	return clean
}

// close stops whatever is still running, at once.
func (l *listeners) close() {
	if l.http != nil {
		l.http.Close()
	}
	if l.grpc != nil {
		l.grpc.Stop()
	}
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Version
	}
	return ""
}
