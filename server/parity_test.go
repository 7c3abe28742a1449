package server

import (
	"context"
	"math"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/predictor"
)

// wire is one way of asking the server for every output of images.
type wire struct {
	name  string
	infer func(t *testing.T, h *harness, images [][]byte) map[string][]byte
}

var wires = []wire{
	{"rest-json", func(t *testing.T, h *harness, images [][]byte) map[string][]byte {
		resp, body := h.postJSON(t, inferPath, jsonInfer(images))
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		_, raw := decodeV2(t, resp, body)
		return raw
	}},
	{"rest-binary", func(t *testing.T, h *harness, images [][]byte) map[string][]byte {
		hdr, body := binaryInfer(t, images, false)
		resp, out := h.post(t, inferPath, hdr, body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		require.NotEmpty(t, resp.Header.Get(headerJSONLength))
		r, raw := decodeV2(t, resp, out)
		for _, o := range r.Outputs {
			assert.Nil(t, o.Data, "%s: sent as JSON though binary was asked for", o.Name)
		}
		return raw
	}},
	{"grpc", func(t *testing.T, h *harness, images [][]byte) map[string][]byte {
		resp, err := h.grpc.ModelInfer(context.Background(), grpcInfer(images))
		require.NoError(t, err)
		require.Len(t, resp.RawOutputContents, len(resp.Outputs))
		raw := map[string][]byte{}
		for i, o := range resp.Outputs {
			raw[o.Name] = resp.RawOutputContents[i]
		}
		return raw
	}},
}

// Parity over the wire: the logits and probabilities the server returns,
// over REST JSON, REST binary and gRPC, are bit-identical to
// scripts/reference.py's for every shipped image, both presets, and the
// top classes, their probabilities and labels are the reference's.
func TestParityOverTheWire(t *testing.T) {
	model := testenv.Model(t)
	testenv.Python(t)
	paths, data := images(t)
	rel := make([]string, len(paths))
	for i, p := range paths {
		r, err := filepath.Rel(testenv.Root(), p)
		require.NoError(t, err)
		rel[i] = r
	}
	for _, preset := range []string{"resize224", "resize256-crop224"} {
		t.Run(preset, func(t *testing.T) {
			// All classes listed: the reference's full softmax, sorted.
			want := testenv.Reference(t, append([]string{"--model", model, "--preset", preset, "--logits", "--topk", "1000", "--"}, rel...)...)
			require.Len(t, want, len(paths))
			m := testMetrics()
			h := newHarness(t, newPredictor(t, m, predictor.WithPreset(preset)), m, Config{})
			for _, w := range wires {
				t.Run(w.name, func(t *testing.T) {
					raw := w.infer(t, h, data)
					logits, probs := float32s(raw["logits"]), float32s(raw["probabilities"])
					classes, topProbs := int64s(raw["top_classes"]), float32s(raw["top_probs"])
					labels := byteStrings(t, raw["top_labels"])
					n := len(paths)
					require.Len(t, logits, n*1000)
					require.Len(t, probs, n*1000)
					require.Len(t, classes, n*5)
					require.Len(t, topProbs, n*5)
					require.Len(t, labels, n*5)
					for i, ref := range want {
						require.Empty(t, ref.Error, ref.Path)
						diff := 0
						for j, v := range ref.Logits {
							if math.Float32bits(testenv.Float32(t, v)) != math.Float32bits(logits[i*1000+j]) {
								diff++
							}
						}
						assert.Zero(t, diff, "%s: logits differing from Python", ref.Path)
						diff = 0
						for _, c := range ref.Top {
							if math.Float32bits(testenv.Float32(t, c.Prob)) != math.Float32bits(probs[i*1000+c.Index]) {
								diff++
							}
						}
						assert.Zero(t, diff, "%s: probabilities differing from Python", ref.Path)
						for j, c := range ref.Top[:5] {
							assert.Equal(t, int64(c.Index), classes[i*5+j], ref.Path)
							assert.Equal(t, math.Float32bits(testenv.Float32(t, c.Prob)), math.Float32bits(topProbs[i*5+j]), ref.Path)
							assert.Equal(t, c.Label, labels[i*5+j], ref.Path)
						}
					}
				})
			}
		})
	}
}
