// Command loadgen loads predict serve on loopback, or the predictor in
// process, with single-image requests from concurrent clients, and prints
// one JSON line of figures per (target, concurrency): throughput and
// latency percentiles. Bounded in count and in time. Results go to
// docs/BENCHMARKS.md (scripts/bench_serve.sh).
//
//	loadgen -target rest-json -url http://127.0.0.1:8080 -model-name resnet18
//	loadgen -target grpc -grpc 127.0.0.1:8081 -model-name resnet18
//	loadgen -target inprocess -model build/resnet18-seed0.pt
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/predictor"
	pb "github.com/torchgo/predict/server/inferencepb"
)

type cell struct {
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	ImagesPerS  float64 `json:"images_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	FirstError  string  `json:"first_error,omitempty"`
}

// call sends one request and reports its failure.
type call func(ctx context.Context) error

func main() {
	target := flag.String("target", "rest-json", "inprocess, rest-json, rest-binary or grpc")
	url := flag.String("url", "http://127.0.0.1:8080", "REST base URL (loopback)")
	grpcAddr := flag.String("grpc", "127.0.0.1:8081", "gRPC address (loopback)")
	modelName := flag.String("model-name", "resnet18", "the model's name on the server")
	model := flag.String("model", "build/resnet18-seed0.pt", "inprocess: the TorchScript model")
	threads := flag.Int("threads", runtime.NumCPU(), "inprocess: LibTorch intra-op threads")
	maxDelay := flag.Duration("max-delay", 2*time.Millisecond, "inprocess: the predictor's batching delay (as predict serve's --max-delay)")
	image := flag.String("image", "testdata/images/rocket.jpg", "the image every request sends")
	levels := flag.String("concurrency", "1,8,64", "client counts, one cell each")
	perClient := flag.Int("requests-per-client", 8, "requests each client sends per cell (at least -min-requests in all)")
	minRequests := flag.Int("min-requests", 48, "requests per cell at least")
	warm := flag.Int("warm-up", 16, "requests sent before the first cell, not measured")
	limit := flag.Duration("time-limit", 60*time.Second, "a cell stops sending after this long")
	flag.Parse()
	if err := run(*target, *url, *grpcAddr, *modelName, *model, *threads, *maxDelay, *image, *levels, *perClient, *minRequests, *warm, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(target, url, grpcAddr, modelName, model string, threads int, maxDelay time.Duration, image, levels string,
	perClient, minRequests, warm int, limit time.Duration) error {
	img, err := os.ReadFile(image)
	if err != nil {
		return err
	}
	var conc []int
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("bad -concurrency %q", levels)
		}
		conc = append(conc, n)
	}
	do, closeFn, err := newCall(target, url, grpcAddr, modelName, model, threads, maxDelay, img, slices.Max(conc))
	if err != nil {
		return err
	}
	defer closeFn()
	for range warm {
		if err := do(context.Background()); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, c := range conc {
		enc.Encode(measure(target, do, c, max(c*perClient, minRequests), limit))
	}
	return nil
}

// measure runs n requests from c clients, at most for limit.
func measure(target string, do call, c, n int, limit time.Duration) cell {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	lat := make([][]time.Duration, c)
	errs := make([]int, c)
	var first atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for k := range c {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				t0 := time.Now()
				if err := do(ctx); err != nil {
					errs[k]++
					first.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[k] = append(lat[k], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	out := cell{Target: target, Concurrency: c, Requests: len(all), Seconds: elapsed.Seconds(),
		ImagesPerS: float64(len(all)) / elapsed.Seconds(), P50ms: pct(0.50), P90ms: pct(0.90), P99ms: pct(0.99)}
	for _, e := range errs {
		out.Errors += e
	}
	if s, ok := first.Load().(string); ok {
		out.FirstError = s
	}
	return out
}

// newCall prepares the request of the target once, so that a call spends
// its time on the wire and the server, not on encoding.
func newCall(target, url, grpcAddr, modelName, model string, threads int, maxDelay time.Duration, img []byte, clients int) (call, func(), error) {
	loopback := func(addr string) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%s is not a loopback address", addr)
		}
		return nil
	}
	infer := url + "/v2/models/" + modelName + "/infer"
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
	post := func(body []byte, header http.Header) call {
		return func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, "POST", infer, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header = header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			out, err := io.ReadAll(resp.Body)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d: %s", resp.StatusCode, out)
			}
			return err
		}
	}
	input := map[string]any{"name": "image", "datatype": "BYTES", "shape": []int{1}}
	switch target {
	case "inprocess":
		if err := binding.SetThreads(threads); err != nil {
			return nil, nil, err
		}
		p, err := predictor.New(model, predictor.WithDevice(binding.Device{Kind: binding.CPU}), predictor.WithLogits(true),
			predictor.WithProbabilities(true), predictor.WithMaxDelay(maxDelay))
		if err != nil {
			return nil, nil, err
		}
		return func(ctx context.Context) error { _, err := p.ClassifyBytes(ctx, img); return err }, func() { p.Close() }, nil
	case "rest-json":
		if err := loopback(strings.TrimPrefix(url, "http://")); err != nil {
			return nil, nil, err
		}
		input["data"] = []string{base64.StdEncoding.EncodeToString(img)}
		body, _ := json.Marshal(map[string]any{"inputs": []any{input}})
		return post(body, http.Header{"Content-Type": {"application/json"}}), func() {}, nil
	case "rest-binary":
		if err := loopback(strings.TrimPrefix(url, "http://")); err != nil {
			return nil, nil, err
		}
		data := binary.LittleEndian.AppendUint32(nil, uint32(len(img)))
		data = append(data, img...)
		input["parameters"] = map[string]any{"binary_data_size": len(data)}
		head, _ := json.Marshal(map[string]any{"inputs": []any{input}, "parameters": map[string]any{"binary_data_output": true}})
		h := http.Header{"Content-Type": {"application/octet-stream"}, "Inference-Header-Content-Length": {strconv.Itoa(len(head))}}
		return post(append(head, data...), h), func() {}, nil
	case "grpc":
		if err := loopback(grpcAddr); err != nil {
			return nil, nil, err
		}
		conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, err
		}
		c := pb.NewGRPCInferenceServiceClient(conn)
		raw := append(binary.LittleEndian.AppendUint32(nil, uint32(len(img))), img...)
		req := &pb.ModelInferRequest{ModelName: modelName,
			Inputs:           []*pb.ModelInferRequest_InferInputTensor{{Name: "image", Datatype: "BYTES", Shape: []int64{1}}},
			RawInputContents: [][]byte{raw}}
		return func(ctx context.Context) error { _, err := c.ModelInfer(ctx, req); return err }, func() { conn.Close() }, nil
	}
	return nil, nil, errors.New("unknown -target " + target)
}
