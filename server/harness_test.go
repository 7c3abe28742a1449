package server

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/predictor"
	pb "github.com/torchgo/predict/server/inferencepb"
)

// harness is a Server on real sockets of 127.0.0.1: REST through
// httptest, gRPC through a grpc.Server and a client connected to it.
type harness struct {
	srv     *Server
	metrics *Metrics
	url     string // http://127.0.0.1:PORT
	addr    string // the gRPC address
	grpc    pb.GRPCInferenceServiceClient
	conn    *grpc.ClientConn
}

const testModelName = "resnet18"

// newHarness serves p (nil: loading) under cfg, whose ModelName defaults to
// testModelName and Metrics to m (which p should report to).
func newHarness(t *testing.T, p *predictor.Predictor, m *Metrics, cfg Config) *harness {
	t.Helper()
	if cfg.ModelName == "" {
		cfg.ModelName = testModelName
	}
	cfg.Metrics = m
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := New(p, cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := grpc.NewServer(srv.GRPCServerOptions()...)
	srv.RegisterGRPC(g)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &harness{srv: srv, metrics: cfg.Metrics, url: hs.URL, addr: l.Addr().String(), grpc: pb.NewGRPCInferenceServiceClient(conn), conn: conn}
}

// testMetrics are metrics on a registry of their own.
func testMetrics() *Metrics {
	reg := NewRegistry()
	return NewMetrics(reg, reg)
}

// newPredictor loads the test model on the CPU as a server runs it.
func newPredictor(t *testing.T, m *Metrics, opts ...predictor.Option) *predictor.Predictor {
	t.Helper()
	model := testenv.Model(t)
	all := append([]predictor.Option{predictor.WithDevice(binding.Device{Kind: binding.CPU}), predictor.WithWorkers(2)}, PredictorOptions(m)...)
	p, err := predictor.New(model, append(all, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// images are the shipped test images, sorted, with their contents.
func images(t *testing.T) ([]string, [][]byte) {
	t.Helper()
	paths, err := filepath.Glob(testenv.Path("testdata", "images", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	var data [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		data = append(data, b)
	}
	return paths, data
}

// jsonInfer is a v2 JSON inference request for images, base64 in the
// data; outputs (none: all) may ask for binary data.
func jsonInfer(images [][]byte, outputs ...map[string]any) map[string]any {
	var data []string
	for _, b := range images {
		data = append(data, base64.StdEncoding.EncodeToString(b))
	}
	req := map[string]any{"inputs": []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{len(images)}, "data": data}}}
	if len(outputs) > 0 {
		req["outputs"] = outputs
	}
	return req
}

// post sends body to the server and returns the status and body.
func (h *harness) post(t *testing.T, path string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", h.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func (h *harness) postJSON(t *testing.T, path string, v any) (*http.Response, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return h.post(t, path, http.Header{"Content-Type": {"application/json"}}, b)
}

func (h *harness) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(h.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// inferPath is the infer endpoint of the test model.
const inferPath = "/v2/models/" + testModelName + "/infer"

// v2Output is one output of a v2 response, data kept as JSON numbers
// (so float32 values compare bit for bit) or strings.
type v2Output struct {
	Name       string          `json:"name"`
	Datatype   string          `json:"datatype"`
	Shape      []int64         `json:"shape"`
	Parameters map[string]int  `json:"parameters"`
	Data       json.RawMessage `json:"data"`
}

type v2Response struct {
	ID           string     `json:"id"`
	ModelName    string     `json:"model_name"`
	ModelVersion string     `json:"model_version"`
	Outputs      []v2Output `json:"outputs"`
	Error        string     `json:"error"`
}

// decodeV2 reads a v2 response, JSON or with binary data after the JSON,
// and returns each output as raw little-endian bytes.
func decodeV2(t *testing.T, resp *http.Response, body []byte) (v2Response, map[string][]byte) {
	t.Helper()
	head, bin := body, []byte(nil)
	if h := resp.Header.Get(headerJSONLength); h != "" {
		var n int
		_, err := fmt.Sscan(h, &n)
		require.NoError(t, err)
		head, bin = body[:n], body[n:]
	}
	var r v2Response
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&r), string(head))
	raw := map[string][]byte{}
	for _, o := range r.Outputs {
		if n, ok := o.Parameters["binary_data_size"]; ok {
			require.LessOrEqual(t, n, len(bin))
			raw[o.Name], bin = bin[:n], bin[n:]
			continue
		}
		raw[o.Name] = jsonToRaw(t, o)
	}
	require.Empty(t, bin, "binary data left over")
	return r, raw
}

// jsonToRaw turns an output's JSON data into the binary form, so that
// both encodings are checked the same way.
func jsonToRaw(t *testing.T, o v2Output) []byte {
	t.Helper()
	var b []byte
	switch o.Datatype {
	case "FP32":
		var vs []json.Number
		require.NoError(t, json.Unmarshal(o.Data, &vs))
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(testenv.Float32(t, v)))
		}
	case "INT64":
		var vs []int64
		require.NoError(t, json.Unmarshal(o.Data, &vs))
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	case "BYTES":
		var vs []string
		require.NoError(t, json.Unmarshal(o.Data, &vs))
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	default:
		t.Fatalf("datatype %s", o.Datatype)
	}
	return b
}

// float32s and int64s read raw little-endian tensors; byteStrings a raw
// BYTES tensor.
func float32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func int64s(b []byte) []int64 {
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func byteStrings(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 4)
		n := binary.LittleEndian.Uint32(b)
		require.LessOrEqual(t, int(n), len(b)-4)
		out = append(out, string(b[4:4+n]))
		b = b[4+n:]
	}
	return out
}

// lengthPrefixed is images as a binary BYTES tensor.
func lengthPrefixed(images [][]byte) []byte {
	var b []byte
	for _, im := range images {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(im)))
		b = append(b, im...)
	}
	return b
}

// binaryInfer is a v2 request carrying images as binary data, every
// output asked for as binary.
func binaryInfer(t testing.TB, images [][]byte, raw bool) (http.Header, []byte) {
	t.Helper()
	data := lengthPrefixed(images)
	if raw {
		require.Len(t, images, 1)
		data = images[0]
	}
	head, err := json.Marshal(map[string]any{
		"parameters": map[string]any{"binary_data_output": true},
		"inputs":     []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{len(images)}, "parameters": map[string]any{"binary_data_size": len(data)}}},
	})
	require.NoError(t, err)
	h := http.Header{"Content-Type": {"application/octet-stream"}, headerJSONLength: {fmt.Sprint(len(head))}}
	return h, append(head, data...)
}

// grpcInfer is a ModelInferRequest for images in raw_input_contents.
func grpcInfer(images [][]byte) *pb.ModelInferRequest {
	return &pb.ModelInferRequest{
		ModelName:        testModelName,
		Inputs:           []*pb.ModelInferRequest_InferInputTensor{{Name: "image", Datatype: "BYTES", Shape: []int64{int64(len(images))}}},
		RawInputContents: [][]byte{lengthPrefixed(images)},
	}
}
