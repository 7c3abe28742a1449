package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// torchvision's classifier families, each exported with seeded weights and
// its weights' own transform (make models: scripts/export_torchvision.py),
// run by predict at its defaults — the transform and class names the file
// carries, LibTorch's thread count unless the load check proves more
// exact — and by scripts/reference.py at its defaults: bit for bit.
// EfficientNet's logits depend on the thread count here, so this also
// holds predict to the user's default of threads. Two photos in batches
// of two keep the big models (ViT-B/16 runs a minute on two CPUs) within
// make test's time.
func TestModelZooMatchesReference(t *testing.T) {
	images := []string{testenv.Path("testdata", "images", "rocket.jpg"), testenv.Path("testdata", "images", "chelsea.png")}
	for _, name := range []string{"resnet50", "mobilenet_v3_small", "efficientnet_b0", "convnext_tiny", "regnet_y_400mf", "vit_b_16", "swin_t"} {
		t.Run(name, func(t *testing.T) {
			model := testenv.ZooModel(t, name)
			args := append([]string{"--model", model, "--batch-size", "2", "--logits", "--"}, images...)
			want := testenv.Reference(t, args...)
			code, out, stderr := predict(t, "", append([]string{"--format", "jsonl", "--device", "cpu"}, args...)...)
			require.Equal(t, exitOK, code, stderr)
			assertSameAsReference(t, testenv.ParseJSONL(t, []byte(out)), want)
		})
	}
}

// The transform flags give torchvision's transforms with those arguments,
// as reference.py's same flags do, for every interpolation.
func TestTransformFlagsMatchReference(t *testing.T) {
	model := testenv.Model(t)
	images := testenv.Images(t)
	for _, flags := range [][]string{
		{"--resize", "200", "--crop", "180", "--interpolation", "bicubic"},
		{"--resize", "150x210", "--interpolation", "nearest", "--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5"},
		{"--resize", "160", "--max-size", "190", "--crop", "170x150", "--interpolation", "lanczos"},
		{"--resize", "224", "--crop", "224", "--interpolation", "box"},
		{"--resize", "230x230", "--interpolation", "hamming"},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			args := append(append([]string{"--model", model, "--logits"}, flags...), append([]string{"--"}, images...)...)
			want := testenv.Reference(t, args...)
			code, out, stderr := predict(t, "", append([]string{"--format", "jsonl", "--device", "cpu"}, args...)...)
			require.Equal(t, exitOK, code, stderr)
			assertSameAsReference(t, testenv.ParseJSONL(t, []byte(out)), want)
		})
	}
	for _, bad := range [][]string{
		{"--resize", "0"}, {"--resize", "2x"}, {"--crop", "x3"}, {"--interpolation", "area"},
		{"--mean", "1,2"}, {"--std", "1,0,1"}, {"--resize", "300", "--max-size", "200"},
	} {
		code, _, stderr := predict(t, "", append(append([]string{"--model", model, "--device", "cpu"}, bad...), images[0])...)
		assert.Equal(t, exitFatal, code, "%v: %s", bad, stderr)
	}
}

// A flag that changes the transform a model file carries says so.
func TestModelTransformOverridesAreStated(t *testing.T) {
	model := testenv.ZooModel(t, "mobilenet_v3_small")
	img := testenv.Images(t)[0]
	code, _, stderr := predict(t, "", "--model", model, "--device", "cpu", "--interpolation", "bicubic", img)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "--interpolation bicubic overrides the model file's transform")
	code, _, stderr = predict(t, "", "--model", model, "--device", "cpu", "--preset", "resize224", img)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "--preset resize224 replaces the transform")
	code, _, stderr = predict(t, "", "--model", model, "--device", "cpu", "--interpolation", "bilinear", img)
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stderr, "overrides", "the model's own value: nothing to say")
}

// predict compare: bit-identical files agree; one logit a float32 step
// away differs unless --max-ulp allows it; an input on one side only is
// reported.
func TestCompare(t *testing.T) {
	dir := t.TempDir()
	a := `{"path": "x.jpg", "top": [{"index": 0, "label": "a", "prob": 0.75}], "logits": [1.5, -2.25]}
{"path": "bad.jpg", "error": "OSError: truncated"}
`
	b := strings.Replace(a, "-2.25", "-2.2500002", 1)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	pa, pb, pc := write("a.jsonl", a), write("b.jsonl", b), write("c.jsonl", strings.SplitAfter(a, "\n")[0])

	code, out, _ := predict(t, "", "compare", pa, pa)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "2 inputs: 1 bit-identical, 1 both failed\n", out)

	code, out, _ = predict(t, "", "compare", pa, pb)
	assert.Equal(t, exitPartial, code)
	assert.Contains(t, out, "x.jpg: differ (max |Δ| 2.38418579")
	assert.Contains(t, out, "1 ULP, top-1 agrees)")

	code, _, _ = predict(t, "", "compare", "--max-ulp", "1", pa, pb)
	assert.Equal(t, exitOK, code)

	code, out, _ = predict(t, "", "compare", pa, pc)
	assert.Equal(t, exitPartial, code)
	assert.Contains(t, out, "bad.jpg: missing: only in the first")

	code, _, stderr := predict(t, "", "compare", pa)
	assert.Equal(t, exitFatal, code, stderr)
	code, _, stderr = predict(t, "", "compare", pa, filepath.Join(dir, "none.jsonl"))
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "none.jsonl")
}

// A model file whose predict.json does not parse is refused, not read
// with the default transform.
func TestBrokenModelInfoFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.pt")
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	w, err := zw.Create("broken/extra/predict.json")
	require.NoError(t, err)
	_, err = w.Write([]byte(`{"seed": 1.5, "transform": {"resize": [256]}}`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	code, _, stderr := predict(t, "", "--model", path, "--device", "cpu", testenv.Images(t)[0])
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "predict.json")
}
