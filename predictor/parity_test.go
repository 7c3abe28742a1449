package predictor

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/testenv"
)

// inputs lists the shipped images and bad files, bad ones in the middle so
// that failures interleave with batches; paths are relative to the
// repository root, as the reference script prints them.
func inputs(t *testing.T) []string {
	t.Helper()
	good, err := filepath.Glob(testenv.Path("testdata", "images", "*"))
	require.NoError(t, err)
	bad, err := filepath.Glob(testenv.Path("testdata", "bad", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, good)
	require.NotEmpty(t, bad)
	var out []string
	rel := func(p string) string {
		r, err := filepath.Rel(testenv.Root(), p)
		require.NoError(t, err)
		return r
	}
	half := len(good) / 2
	for _, p := range good[:half] {
		out = append(out, rel(p))
	}
	for _, p := range bad {
		out = append(out, rel(p))
	}
	for _, p := range good[half:] {
		out = append(out, rel(p))
	}
	return append(out, "testdata/no-such-file.jpg")
}

// chdirRoot makes the relative input paths resolve.
func chdirRoot(t *testing.T) {
	t.Helper()
	t.Chdir(testenv.Root())
}

// TestParityWithReference is the product's promise: for every shipped
// image, both presets, batch sizes 1 and 32, the Go logits and
// probabilities are bit-identical to scripts/reference.py's, the same
// inputs fail, and results come in input order.
func TestParityWithReference(t *testing.T) {
	model := testenv.Model(t)
	testenv.Python(t)
	chdirRoot(t)
	paths := inputs(t)
	for _, preset := range []string{"resize224", "imagenet"} {
		for _, bs := range []int{1, 32} {
			t.Run(preset+"/batch"+strconv.Itoa(bs), func(t *testing.T) {
				want := testenv.Reference(t, append([]string{"--model", model, "--preset", preset,
					"--batch-size", strconv.Itoa(bs), "--logits", "--topk", "5", "--"}, paths...)...)
				require.Equal(t, len(paths), len(want), "reference.py lines")

				p, err := New(model, WithDevice(binding.Device{Kind: binding.CPU}), WithPreset(preset),
					WithBatchSize(bs), WithLogits(true), WithWorkers(3))
				require.NoError(t, err)
				defer p.Close()
				got, err := p.PredictFiles(context.Background(), paths)
				require.NoError(t, err)
				require.Len(t, got, len(paths))

				for i, w := range want {
					g := got[i]
					require.Equal(t, w.Path, g.Path, "result %d out of order", i)
					assert.Equal(t, i, g.Index)
					if w.Error != "" {
						assert.Error(t, g.Err, "%s: Python failed (%s), Go did not", w.Path, w.Error)
						continue
					}
					require.NoError(t, g.Err, w.Path)
					require.Len(t, g.Logits, len(w.Logits))
					diff := 0
					for j, n := range w.Logits {
						if math.Float32bits(testenv.Float32(t, n)) != math.Float32bits(g.Logits[j]) {
							diff++
						}
					}
					assert.Zero(t, diff, "%s: logits differing from Python", w.Path)
					require.Len(t, g.Top, len(w.Top))
					for j, c := range w.Top {
						assert.Equal(t, c.Index, g.Top[j].Index, w.Path)
						assert.Equal(t, c.Label, g.Top[j].Label, w.Path)
						assert.Equal(t, math.Float32bits(testenv.Float32(t, c.Prob)), math.Float32bits(g.Top[j].Prob), "%s: prob", w.Path)
					}
				}
			})
		}
	}
}

// In-memory inputs (bytes, and images decoded by package decode) give the
// same logits as files.
func TestBytesAndFilesAgree(t *testing.T) {
	model := testenv.Model(t)
	chdirRoot(t)
	paths, err := filepath.Glob("testdata/images/*")
	require.NoError(t, err)
	p, err := New(model, WithDevice(binding.Device{Kind: binding.CPU}), WithLogits(true), WithBatchSize(4))
	require.NoError(t, err)
	defer p.Close()

	files, err := p.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	blobs := make([][]byte, len(paths))
	for i, path := range paths {
		blobs[i], err = os.ReadFile(path)
		require.NoError(t, err)
	}
	mem, err := p.PredictBytes(context.Background(), blobs)
	require.NoError(t, err)
	for i := range paths {
		require.NoError(t, files[i].Err)
		require.NoError(t, mem[i].Err)
		assert.Equal(t, files[i].Logits, mem[i].Logits, paths[i])
		assert.Equal(t, "", mem[i].Path)
	}
}
