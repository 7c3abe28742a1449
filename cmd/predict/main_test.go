package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/storage"
	"github.com/torchgo/predict/internal/testenv"
)

func predict(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// assertSameAsReference compares jsonl from predict and reference.py:
// same paths in the same order, same failures, bit-identical logits and
// probabilities, same labels.
func assertSameAsReference(t *testing.T, got, want []testenv.Line) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.Path, g.Path, "line %d", i)
		if w.Error != "" || g.Error != "" {
			assert.True(t, w.Error != "" && g.Error != "", "%s: Python error %q, Go error %q", w.Path, w.Error, g.Error)
			continue
		}
		require.Len(t, g.Logits, len(w.Logits), w.Path)
		for j := range w.Logits {
			if math.Float32bits(testenv.Float32(t, w.Logits[j])) != math.Float32bits(testenv.Float32(t, g.Logits[j])) {
				t.Errorf("%s: logit %d: Python %s, Go %s", w.Path, j, w.Logits[j], g.Logits[j])
				break
			}
		}
		require.Len(t, g.Top, len(w.Top), w.Path)
		for j := range w.Top {
			assert.Equal(t, w.Top[j].Index, g.Top[j].Index, w.Path)
			assert.Equal(t, w.Top[j].Label, g.Top[j].Label, w.Path)
			assert.Equal(t, math.Float32bits(testenv.Float32(t, w.Top[j].Prob)), math.Float32bits(testenv.Float32(t, g.Top[j].Prob)), w.Path)
		}
	}
}

// Parity on the shipped images: `predict --format jsonl --logits` equals scripts/reference.py bit for bit, at batch size 1
// and at the default 32, with the documented partial-failure exit code.
func TestJSONLMatchesReference(t *testing.T) {
	model := testenv.Model(t)
	testenv.Python(t)
	t.Chdir(testenv.Root())
	for _, bs := range []string{"1", "32"} {
		t.Run("batch"+bs, func(t *testing.T) {
			args := []string{"--model", model, "--batch-size", bs, "--logits", "testdata/images", "testdata/bad", "testdata/missing.jpg"}
			want := testenv.Reference(t, args...)
			code, out, stderr := predict(t, "", append([]string{"--format", "jsonl", "--device", "cpu"}, args...)...)
			assert.Equal(t, exitPartial, code, stderr)
			assert.Contains(t, stderr, "5 of 20 inputs failed")
			assert.Contains(t, stderr, "RANDOM weights", "the seeded model must be flagged")
			assertSameAsReference(t, testenv.ParseJSONL(t, []byte(out)), want)
		})
	}
}

// The built binary runs without LD_LIBRARY_PATH (RUNPATH to lib/) and
// prints the same as the in-process run.
func TestBuiltBinary(t *testing.T) {
	model := testenv.Model(t)
	bin := builtBinary(t)
	cmd := exec.Command(bin, "--model", model, "--format", "jsonl", "--logits", "testdata/images")
	cmd.Dir = testenv.Root()
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	out, err := cmd.Output()
	require.NoError(t, err)
	t.Chdir(testenv.Root())
	code, inproc, _ := predict(t, "", "--model", model, "--format", "jsonl", "--logits", "testdata/images")
	require.Equal(t, exitOK, code)
	assert.Equal(t, inproc, string(out))
}

func TestExitCodes(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	t.Chdir(testenv.Root())
	img := "testdata/images/video-001.jpeg"

	code, out, stderr := predict(t, "", "--model", model, "--device", "cpu", img)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, img)
	assert.Empty(t, stderr, "a model without metadata gets no warning")

	for name, args := range map[string][]string{
		"unknown flag":       {"--nope", img},
		"missing model":      {"--model", "testdata/missing.pt", img},
		"not torchscript":    {"--model", testenv.TestModel(t, "not_torchscript.pt"), img},
		"logits not jsonl":   {"--model", model, "--logits", img},
		"bad format":         {"--model", model, "--format", "xml", img},
		"bad device":         {"--model", model, "--device", "tpu", img},
		"bad preset":         {"--model", model, "--preset", "nope", img},
		"no inputs":          {"--model", model},
		"labels of bad size": {"--model", model, "--labels", "predictor/imagenet_classes.txt", img},
	} {
		code, _, stderr := predict(t, "", args...)
		assert.Equal(t, exitFatal, code, "%s: %s", name, stderr)
		assert.NotEmpty(t, stderr, name)
	}
}

func TestTableAndCSV(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	t.Chdir(testenv.Root())
	args := []string{"--model", model, "--device", "cpu", "--topk", "3", "testdata/images/video-001.jpeg", "testdata/bad/empty.jpg"}

	code, out, _ := predict(t, "", append([]string{"--format", "table"}, args...)...)
	assert.Equal(t, exitPartial, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.Regexp(t, `^PATH\s+INDEX\s+PROB\s+LABEL$`, lines[0])
	assert.Regexp(t, `^testdata/images/video-001.jpeg\s+\d\s+0\.\d{4}\s+\d$`, lines[1])
	assert.Contains(t, lines[2], "error: empty file")
	col := strings.Index(lines[0], "LABEL")
	for _, l := range lines[1:] { // columns fixed up front: the label starts where LABEL does
		assert.True(t, l[col-1] == ' ' && l[col] != ' ', "misaligned row %q", l)
	}

	code, out, _ = predict(t, "", append([]string{"--format", "csv"}, args...)...)
	assert.Equal(t, exitPartial, code)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+3+1)
	assert.Equal(t, []string{"path", "rank", "index", "label", "prob", "error"}, rows[0])
	for i, r := range rows[1:4] {
		assert.Equal(t, strconv.Itoa(i+1), r[1])
		_, err := strconv.ParseFloat(r[4], 32)
		assert.NoError(t, err)
	}
	assert.Equal(t, "empty file", rows[4][5])
}

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.PNG", "a.jpg", "notes.txt", ".hidden.jpg"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.jpg"), 0o755))
	got, err := expandInputs(context.Background(), []string{dir, "-", "missing.jpg"}, strings.NewReader("x.jpg\n\ny.png\r\n"), &storage.Store{})
	require.NoError(t, err)
	assert.Equal(t, []string{dir + "/.hidden.jpg", dir + "/a.jpg", dir + "/b.PNG", "x.jpg", "y.png", "missing.jpg"}, names(got))

	// Flags may follow paths.
	var o options
	fs := newFlagSet(&o, &bytes.Buffer{})
	paths, err := parseArgs(fs, []string{"a.jpg", "--format", "jsonl", "b.jpg", "--", "--c.jpg"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.jpg", "b.jpg", "--c.jpg"}, paths)
	assert.Equal(t, "jsonl", o.format)
}

// A directory expands to the same files, in the same order, as in
// scripts/reference.py: both hold the list of extensions Pillow registers.
func TestDirectoryExpansionMatchesReference(t *testing.T) {
	model := testenv.Model(t)
	dir := t.TempDir()
	names := []string{"notes.txt", "layers.xcf", "Upper.JPG"}
	for _, ext := range decode.Extensions() {
		names = append(names, "f"+ext)
	}
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("not an image"), 0o644))
	}
	want := testenv.Reference(t, "--model", model, "--", dir)
	got, err := expandInputs(context.Background(), []string{dir}, nil, &storage.Store{})
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range got {
		assert.Equal(t, want[i].Path, got[i].name)
	}
	assert.Len(t, got, len(decode.Extensions())+1)
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 3)
	p.after, p.every = 0, 0
	p.add(false)
	p.add(true)
	p.add(false)
	p.finish()
	out := buf.String()
	assert.Contains(t, out, "\r3/3  ")
	assert.Contains(t, out, "images/s")
	assert.Contains(t, out, "1 failed")
	assert.True(t, strings.HasSuffix(out, "\n"))

	silent := newProgress(&buf, 3) // a short run prints nothing
	buf.Reset()
	silent.add(false)
	silent.finish()
	assert.Empty(t, buf.String())

	show, err := parseProgress("auto", &buf)
	require.NoError(t, err)
	assert.False(t, show, "a buffer is not a terminal")
	_, err = parseProgress("maybe", &buf)
	assert.Error(t, err)
}

func TestDeviceFlag(t *testing.T) {
	devs, err := parseDevices("cuda:0,cuda:2")
	require.NoError(t, err)
	assert.Equal(t, []binding.Device{{Kind: binding.CUDA, Index: 0}, {Kind: binding.CUDA, Index: 2}}, devs)
	devs, err = parseDevices("cpu")
	require.NoError(t, err)
	assert.Equal(t, []binding.Device{{Kind: binding.CPU}}, devs)
	for _, bad := range []string{"auto,cpu", "cuda:0,tpu", "cuda:-1"} {
		_, err := parseDevices(bad)
		assert.Error(t, err, bad)
	}
	// A list reaches the predictor, which refuses a device named twice.
	model := testenv.TestModel(t, "tiny_classifier.pt")
	t.Chdir(testenv.Root())
	code, _, stderr := predict(t, "", "--model", model, "--device", "cpu,cpu", "testdata/images/rocket.jpg")
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "cpu named twice")
}
