package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/torchgo/predict/internal/testenv"
	pb "github.com/torchgo/predict/server/inferencepb"
)

// grpcurl, a generic gRPC client that knows the service only from the
// repository's .proto, gets the reference's logits too.
func TestGRPCurl(t *testing.T) {
	grpcurl := testenv.Tool(t, "grpcurl", "make test installs it: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4")
	model := testenv.Model(t)
	testenv.Python(t)
	paths, data := images(t)
	want := testenv.Reference(t, append([]string{"--model", model, "--logits", "--"}, paths...)...)
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})

	var contents []string
	for _, b := range data {
		contents = append(contents, base64.StdEncoding.EncodeToString(b))
	}
	req, err := json.Marshal(map[string]any{
		"model_name": testModelName,
		"id":         "grpcurl",
		"inputs":     []map[string]any{{"name": "image", "datatype": "BYTES", "shape": []int{len(data)}, "contents": map[string]any{"bytes_contents": contents}}},
		"outputs":    []map[string]any{{"name": "logits"}, {"name": "top_labels"}},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, grpcurl, "-plaintext", "-import-path", testenv.Path("proto"), "-proto", "open_inference_grpc.proto",
		"-max-msg-sz", "67108864", "-d", "@", h.addr, "inference.GRPCInferenceService/ModelInfer")
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var resp pb.ModelInferResponse
	require.NoError(t, protojson.Unmarshal(out, &resp))
	assert.Equal(t, "grpcurl", resp.Id)
	require.Len(t, resp.Outputs, 2)
	require.Equal(t, "logits", resp.Outputs[0].Name)
	logits := float32s(resp.RawOutputContents[0])
	require.Len(t, logits, len(paths)*1000)
	for i, ref := range want {
		diff := 0
		for j, v := range ref.Logits {
			if math.Float32bits(testenv.Float32(t, v)) != math.Float32bits(logits[i*1000+j]) {
				diff++
			}
		}
		assert.Zero(t, diff, "%s: logits differing from Python", ref.Path)
	}
	labels := byteStrings(t, resp.RawOutputContents[1])
	assert.Equal(t, want[0].Top[0].Label, labels[0])

	// Errors come back with the protocol's status codes.
	cmd = exec.CommandContext(ctx, grpcurl, "-plaintext", "-import-path", testenv.Path("proto"), "-proto", "open_inference_grpc.proto",
		"-d", `{"model_name":"resnet50"}`, h.addr, "inference.GRPCInferenceService/ModelInfer")
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "NotFound")
}

// The page, in a real headless Chromium: choose an image, and the top
// class it shows is the reference's.
func TestPageInBrowser(t *testing.T) {
	chromium := testenv.Tool(t, "chromium", "make test installs Debian's chromium")
	model := testenv.Model(t)
	testenv.Python(t)
	paths, _ := images(t)
	want := testenv.Reference(t, "--model", model, "--", paths[0])
	m := testMetrics()
	h := newHarness(t, newPredictor(t, m), m, Config{})

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	// The allocator's deadline bounds the whole browser.
	limit, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancel := chromedp.NewExecAllocator(limit, opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(h.url+"/")))
	model0, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#model")))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{paths[0]}),
		chromedp.WaitReady(chromedp.CSS(`body[data-done="true"]`)),
	))
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#result li .label")))
	require.NoError(t, err)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#result li").length`))
	require.NoError(t, err)
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	require.NoError(t, err)
	assert.Equal(t, testModelName, model0)
	assert.Equal(t, want[0].Top[0].Label, label)
	assert.Equal(t, 5, rows)
	assert.Contains(t, status, " ms")
}
