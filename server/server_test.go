package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/predictor"
	pb "github.com/torchgo/predict/server/inferencepb"
)

func grpcCode(err error) codes.Code { return status.Code(err) }

func healthOf(t *testing.T, h *harness) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	r, err := healthpb.NewHealthClient(h.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	return r.Status
}

// The lifecycle a Kubernetes pod sees: live at once; ready only once the
// model is loaded; while draining, not ready but still serving; then
// refusing. REST, gRPC and grpc.health.v1 agree at every step.
func TestLifecycle(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, nil, m, Config{})
	ctx := context.Background()
	expect := func(step string, ready bool, inferStatus int) {
		t.Helper()
		code, _ := h.get(t, "/v2/health/live")
		assert.Equal(t, 200, code, step)
		code, body := h.get(t, "/v2/health/ready")
		assert.Equal(t, readyStatus(ready), code, "%s: %s", step, body)
		code, _ = h.get(t, "/v2/models/"+testModelName+"/ready")
		assert.Equal(t, readyStatus(ready), code, step)
		live, err := h.grpc.ServerLive(ctx, &pb.ServerLiveRequest{})
		require.NoError(t, err)
		assert.True(t, live.Live, step)
		sr, err := h.grpc.ServerReady(ctx, &pb.ServerReadyRequest{})
		require.NoError(t, err)
		assert.Equal(t, ready, sr.Ready, step)
		mr, err := h.grpc.ModelReady(ctx, &pb.ModelReadyRequest{Name: testModelName})
		require.NoError(t, err)
		assert.Equal(t, ready, mr.Ready, step)
		want := healthpb.HealthCheckResponse_NOT_SERVING
		if ready {
			want = healthpb.HealthCheckResponse_SERVING
		}
		assert.Equal(t, want, healthOf(t, h), step)
		resp, body := h.postJSON(t, inferPath, jsonInfer(data[:1]))
		assert.Equal(t, inferStatus, resp.StatusCode, "%s: %s", step, body)
		_, err = h.grpc.ModelInfer(ctx, grpcInfer(data[:1]))
		if inferStatus == 200 {
			assert.NoError(t, err, step)
		} else {
			assert.Equal(t, codes.Unavailable, grpcCode(err), "%s: %v", step, err)
		}
	}
	expect("loading", false, 503)
	h.srv.SetPredictor(newPredictor(t, m))
	expect("loaded", true, 200)
	h.srv.Drain()
	expect("draining", false, 200)
	h.srv.Refuse()
	expect("refusing", false, 503)
}

func TestMetadata(t *testing.T) {
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{ModelVersion: "7"})
	code, body := h.get(t, "/v2")
	require.Equal(t, 200, code)
	assert.JSONEq(t, `{"name":"predict","version":"dev","extensions":["binary_tensor_data"]}`, string(body))
	want := `{"name":"resnet18","versions":["7"],"platform":"pytorch_torchscript",
		"inputs":[{"name":"image","datatype":"BYTES","shape":[-1]}],
		"outputs":[{"name":"logits","datatype":"FP32","shape":[-1,1000]},{"name":"probabilities","datatype":"FP32","shape":[-1,1000]},
		{"name":"top_classes","datatype":"INT64","shape":[-1,5]},{"name":"top_probs","datatype":"FP32","shape":[-1,5]},
		{"name":"top_labels","datatype":"BYTES","shape":[-1,5]}]}`
	for _, path := range []string{"/v2/models/resnet18", "/v2/models/resnet18/versions/7"} {
		code, body = h.get(t, path)
		require.Equal(t, 200, code, path)
		assert.JSONEq(t, want, string(body), path)
	}
	for _, path := range []string{"/v2/models/resnet50", "/v2/models/resnet18/versions/1", "/v2/models/resnet50/ready"} {
		code, body = h.get(t, path)
		assert.Equal(t, 404, code, path)
		assert.Contains(t, string(body), `"error"`, path)
	}
	md, err := h.grpc.ModelMetadata(context.Background(), &pb.ModelMetadataRequest{Name: testModelName})
	require.NoError(t, err)
	assert.Equal(t, "pytorch_torchscript", md.Platform)
	assert.Equal(t, []int64{-1, 1000}, md.Outputs[0].Shape)
	_, err = h.grpc.ModelMetadata(context.Background(), &pb.ModelMetadataRequest{Name: "resnet50"})
	assert.Equal(t, codes.NotFound, grpcCode(err))
	sm, err := h.grpc.ServerMetadata(context.Background(), &pb.ServerMetadataRequest{})
	require.NoError(t, err)
	assert.Equal(t, []string{"binary_tensor_data"}, sm.Extensions)
}

// Bad requests are the client's fault (400, INVALID_ARGUMENT), and say
// what is wrong: a bad image by its index in the input, every one of
// them.
func TestBadRequests(t *testing.T) {
	_, data := images(t)
	bad := []byte("not an image at all")
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})
	cases := map[string]struct {
		body any
		want string
	}{
		"bad images":     {jsonInfer([][]byte{data[0], bad, data[1], bad}), "element 1: not an image"},
		"no input":       {map[string]any{"inputs": []any{}}, "want one input"},
		"wrong name":     {map[string]any{"inputs": []map[string]any{{"name": "x", "datatype": "BYTES", "shape": []int{1}, "data": []string{"AA=="}}}}, "want one input"},
		"wrong datatype": {map[string]any{"inputs": []map[string]any{{"name": "image", "datatype": "FP32", "shape": []int{1}, "data": []float32{1}}}}, "want one input"},
		"shape mismatch": {map[string]any{"inputs": []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{2}, "data": []string{"AA=="}}}}, "shape says 2 elements, data holds 1"},
		"bad shape":      {map[string]any{"inputs": []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{1, 2, 3}, "data": []string{"AA=="}}}}, "want [N]"},
		"not base64":     {map[string]any{"inputs": []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{1}, "data": []string{"%%%"}}}}, "not base64"},
		"unknown output": {jsonInfer(data[:1], map[string]any{"name": "embedding"}), `unknown output "embedding"`},
		"bad timeout":    {map[string]any{"parameters": map[string]any{"timeout": "soon"}, "inputs": []any{}}, "timeout"},
	}
	for name, c := range cases {
		resp, body := h.postJSON(t, inferPath, c.body)
		assert.Equal(t, 400, resp.StatusCode, name)
		assert.Contains(t, errorOf(t, body), c.want, name)
	}
	resp, body := h.postJSON(t, inferPath, jsonInfer([][]byte{data[0], bad, data[1], bad}))
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, errorOf(t, body), "element 3: not an image", "every bad image is named")
	resp, body = h.post(t, inferPath, nil, []byte("{not json"))
	assert.Equal(t, 400, resp.StatusCode, string(body))

	_, err := h.grpc.ModelInfer(context.Background(), grpcInfer([][]byte{data[0], bad}))
	assert.Equal(t, codes.InvalidArgument, grpcCode(err))
	assert.Contains(t, err.Error(), "element 1: not an image")
	req := grpcInfer(data[:1])
	req.Inputs[0].Datatype = "FP32"
	_, err = h.grpc.ModelInfer(context.Background(), req)
	assert.Equal(t, codes.InvalidArgument, grpcCode(err))
	req = grpcInfer(data[:1])
	req.ModelName = "resnet50"
	_, err = h.grpc.ModelInfer(context.Background(), req)
	assert.Equal(t, codes.NotFound, grpcCode(err))
	resp, _ = h.postJSON(t, "/v2/models/resnet50/infer", jsonInfer(data[:1]))
	assert.Equal(t, 404, resp.StatusCode)
}

// The binary tensor data extension: inputs after the JSON, length-prefixed
// or (a single image) raw; outputs chosen and sent as binary one by one;
// the id echoed.
func TestBinaryTensorData(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})
	resp, out := h.postJSON(t, inferPath, jsonInfer(data[:1]))
	_, want := decodeV2(t, resp, out)

	hdr, body := binaryInfer(t, data[:1], true)
	resp, out = h.post(t, inferPath, hdr, body)
	require.Equal(t, 200, resp.StatusCode, string(out))
	assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
	_, got := decodeV2(t, resp, out)
	assert.Equal(t, want, got, "a raw element reads as a length-prefixed one")

	// Some outputs binary, one as JSON, in the order asked for; the id.
	head, _ := json.Marshal(map[string]any{
		"id":     "req-42",
		"inputs": []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{2}, "parameters": map[string]any{"binary_data_size": len(lengthPrefixed(data[:2]))}}},
		"outputs": []map[string]any{
			{"name": "top_labels", "parameters": map[string]any{"binary_data": true}},
			{"name": "top_classes"},
		},
	})
	resp, out = h.post(t, inferPath, http.Header{headerJSONLength: {itoa(len(head))}}, append(head, lengthPrefixed(data[:2])...))
	require.Equal(t, 200, resp.StatusCode, string(out))
	r, raw := decodeV2(t, resp, out)
	assert.Equal(t, "req-42", r.ID)
	require.Len(t, r.Outputs, 2)
	assert.Equal(t, "top_labels", r.Outputs[0].Name)
	assert.Equal(t, []int64{2, 5}, r.Outputs[0].Shape)
	assert.Nil(t, r.Outputs[0].Data)
	assert.Equal(t, "top_classes", r.Outputs[1].Name)
	assert.NotNil(t, r.Outputs[1].Data)
	assert.Len(t, byteStrings(t, raw["top_labels"]), 10)

	resp, out = h.post(t, inferPath, http.Header{headerJSONLength: {"99999"}}, head)
	assert.Equal(t, 400, resp.StatusCode, string(out))
}

// errorOf is the message of a {"error": ...} body.
func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error string }
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.NotEmpty(t, e.Error, string(body))
	return e.Error
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// A body over the limit is refused before it is read in full (413,
// RESOURCE_EXHAUSTED).
func TestBodyLimit(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{MaxBodyBytes: 4096})
	big := bytes.Repeat([]byte{0xff}, 8192)
	resp, body := h.postJSON(t, inferPath, jsonInfer([][]byte{big}))
	assert.Equal(t, 413, resp.StatusCode, string(body))
	resp, body = h.post(t, "/v1/classify", nil, big)
	assert.Equal(t, 413, resp.StatusCode, string(body))
	_, err := h.grpc.ModelInfer(context.Background(), grpcInfer([][]byte{big}))
	assert.Equal(t, codes.ResourceExhausted, grpcCode(err))
	resp, _ = h.postJSON(t, inferPath, jsonInfer([][]byte{data[0][:100]}))
	assert.NotEqual(t, 413, resp.StatusCode, "a small body is read")
}

// A full queue answers 429 with Retry-After at once (RESOURCE_EXHAUSTED);
// the requests admitted are served. A request with more images than the
// queue holds is a client error.
func TestOverload(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m, predictor.WithQueueSize(2), predictor.WithBatchSize(1), predictor.WithWorkers(1)), m, Config{})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			resp, body := h.postJSON(t, inferPath, jsonInfer(data[i%len(data):i%len(data)+1]))
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == 429 {
				assert.Equal(t, "1", resp.Header.Get("Retry-After"))
				assert.Contains(t, errorOf(t, body), "queue is full")
			}
		})
	}
	wg.Wait()
	assert.Positive(t, statuses[429], "%v", statuses)
	assert.Positive(t, statuses[200], "%v", statuses)
	assert.Equal(t, 24, statuses[200]+statuses[429], "%v", statuses)

	resp, body := h.postJSON(t, inferPath, jsonInfer(data[:3]))
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, errorOf(t, body), "more than the server queues at once (2)")
}

// A request's deadline (the timeout parameter, in microseconds; the gRPC
// deadline) and its client's departure stop its queued work.
func TestDeadlinesAndCancellation(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})
	req := jsonInfer(data[:1])
	req["parameters"] = map[string]any{"timeout": 1}
	resp, body := h.postJSON(t, inferPath, req)
	assert.Equal(t, 504, resp.StatusCode, string(body))

	g := grpcInfer(data[:1])
	g.Parameters = map[string]*pb.InferParameter{"timeout": {ParameterChoice: &pb.InferParameter_Int64Param{Int64Param: 1}}}
	_, err := h.grpc.ModelInfer(context.Background(), g)
	assert.Equal(t, codes.DeadlineExceeded, grpcCode(err))
	ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
	defer cancel()
	_, err = h.grpc.ModelInfer(ctx, grpcInfer(data[:1]))
	assert.Equal(t, codes.DeadlineExceeded, grpcCode(err))

	// A client that leaves: the request ends as cancelled, its images are
	// dropped, and the server goes on serving.
	many := make([][]byte, 64)
	for i := range many {
		many[i] = data[i%len(data)]
	}
	b, _ := json.Marshal(jsonInfer(many))
	cctx, ccancel := context.WithCancel(context.Background())
	hr, _ := http.NewRequestWithContext(cctx, "POST", h.url+inferPath, bytes.NewReader(b))
	go func() { time.Sleep(100 * time.Millisecond); ccancel() }()
	_, err = http.DefaultClient.Do(hr)
	require.Error(t, err)
	require.Eventually(t, func() bool {
		_, body := h.get(t, "/metrics")
		return strings.Contains(string(body), `predict_requests_total{outcome="cancelled",protocol="rest"} 1`)
	}, 10*time.Second, 20*time.Millisecond)
	resp, _ = h.postJSON(t, inferPath, jsonInfer(data[:1]))
	assert.Equal(t, 200, resp.StatusCode)
}

// POST /v1/classify answers with the objects predict --format jsonl
// prints: one for a raw body, an array for multipart files.
func TestClassifyEndpoint(t *testing.T) {
	paths, data := images(t)
	model := testenv.Model(t)
	testenv.Python(t)
	want := testenv.Reference(t, "--model", model, "--", paths[0])
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})

	resp, body := h.post(t, "/v1/classify", http.Header{"Content-Type": {"image/jpeg"}}, data[0])
	require.Equal(t, 200, resp.StatusCode, string(body))
	got := testenv.ParseJSONL(t, body)
	require.Len(t, got, 1)
	assert.Equal(t, want[0].Top, got[0].Top)
	assert.Empty(t, got[0].Logits)

	resp, body = h.post(t, "/v1/classify?logits=true", nil, data[0])
	require.Equal(t, 200, resp.StatusCode)
	assert.Len(t, testenv.ParseJSONL(t, body)[0].Logits, 1000)

	resp, body = h.post(t, "/v1/classify", nil, []byte("nope"))
	assert.Equal(t, 400, resp.StatusCode)
	assert.JSONEq(t, `{"path":"","error":"not an image (no known image signature)"}`, string(body))

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for _, f := range []struct {
		name string
		data []byte
	}{{"a.jpg", data[0]}, {"b.txt", []byte("nope")}, {"c.jpg", data[1]}} {
		fw, err := w.CreateFormFile("file", f.name)
		require.NoError(t, err)
		fw.Write(f.data)
	}
	w.Close()
	resp, body = h.post(t, "/v1/classify", http.Header{"Content-Type": {w.FormDataContentType()}}, mp.Bytes())
	require.Equal(t, 200, resp.StatusCode, string(body))
	var arr []struct {
		Path  string          `json:"path"`
		Top   json.RawMessage `json:"top"`
		Error string          `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &arr))
	require.Len(t, arr, 3)
	assert.Equal(t, "a.jpg", arr[0].Path)
	assert.NotEmpty(t, arr[0].Top)
	assert.Equal(t, "b.txt", arr[1].Path)
	assert.Contains(t, arr[1].Error, "not an image")
	assert.NotEmpty(t, arr[2].Top)
}

// /metrics has the request, latency, queue, batch and startup metrics and
// the Go and process collectors.
func TestMetrics(t *testing.T) {
	_, data := images(t)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})
	h.postJSON(t, inferPath, jsonInfer(data[:3]))
	h.postJSON(t, inferPath, jsonInfer([][]byte{[]byte("x")}))
	h.grpc.ModelInfer(context.Background(), grpcInfer(data[:1]))
	code, body := h.get(t, "/metrics")
	require.Equal(t, 200, code)
	text := string(body)
	for _, want := range []string{
		`predict_requests_total{outcome="ok",protocol="rest"} 1`,
		`predict_requests_total{outcome="bad_request",protocol="rest"} 1`,
		`predict_requests_total{outcome="ok",protocol="grpc"} 1`,
		`predict_request_duration_seconds_count{protocol="rest"} 2`,
		`predict_queue_duration_seconds_count 4`,
		`predict_preprocess_duration_seconds_count 4`,
		`predict_compute_duration_seconds_count`,
		`predict_batch_size_sum`,
		`predict_inflight_requests 0`,
		`predict_queue_depth 0`,
		`predict_model_startup_seconds{step="warm_up"}`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		assert.Contains(t, text, want)
	}
}
