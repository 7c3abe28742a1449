package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/predictor"
	pb "github.com/torchgo/predict/server/inferencepb"
)

// benchResults are the results of one classified image as the predictor
// gives them: 1000 logits and probabilities, the top 5.
func benchResults() []predictor.Result {
	r := predictor.Result{Logits: make([]float32, 1000), Probs: make([]float32, 1000)}
	for i := range r.Logits {
		r.Logits[i] = float32(i)*0.37 - 180.123
		r.Probs[i] = 1 / float32(1000+i)
	}
	for i := range 5 {
		r.Top = append(r.Top, predictor.Class{Index: 990 + i, Label: "Greater Swiss Mountain dog", Prob: r.Probs[990+i]})
	}
	return []predictor.Result{r}
}

// BenchmarkProtocol is the server's own work on a request of one 110 KB
// JPEG, the model aside: reading the request and writing every output,
// per protocol. The loopback round trip is measured by
// scripts/bench_serve.sh.
func BenchmarkProtocol(b *testing.B) {
	img, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	results := benchResults()
	s, err := New(nil, Config{ModelName: testModelName})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rest-json", func(b *testing.B) {
		body, _ := json.Marshal(jsonInfer([][]byte{img}))
		for b.Loop() {
			r := httptest.NewRequest("POST", inferPath, bytes.NewReader(body))
			q, f := parseREST(r, body)
			if f != nil {
				b.Fatal(f)
			}
			if f := s.writeREST(httptest.NewRecorder(), q, results); f != nil {
				b.Fatal(f)
			}
		}
	})
	b.Run("rest-binary", func(b *testing.B) {
		hdr, body := binaryInfer(b, [][]byte{img}, false)
		for b.Loop() {
			r := httptest.NewRequest("POST", inferPath, bytes.NewReader(body))
			r.Header = http.Header(hdr)
			q, f := parseREST(r, body)
			if f != nil {
				b.Fatal(f)
			}
			if f := s.writeREST(httptest.NewRecorder(), q, results); f != nil {
				b.Fatal(f)
			}
		}
	})
	b.Run("grpc", func(b *testing.B) {
		wire, _ := proto.Marshal(grpcInfer([][]byte{img}))
		for b.Loop() {
			var req pb.ModelInferRequest
			if err := proto.Unmarshal(wire, &req); err != nil {
				b.Fatal(err)
			}
			q, f := parseGRPC(&req)
			if f != nil {
				b.Fatal(f)
			}
			resp, f := s.grpcResponse("", q, results)
			if f != nil {
				b.Fatal(f)
			}
			if _, err := proto.Marshal(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
