package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/hostile"
	"github.com/torchgo/predict/internal/testenv"
)

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// extremes are images Pillow reads whose aspect ratio is extreme: under
// Resize(256) their full resize would be 256×16,776,960 pixels.
func extremes(t *testing.T, dir string) []string {
	return []string{
		writeFile(t, dir, "tall-1x65535.png", hostile.PNGBomb(1, 65535)),
		writeFile(t, dir, "wide-65535x1.png", hostile.PNGBomb(65535, 1)),
	}
}

// A list mixing good images with a FIFO nobody writes to, a character
// device, a missing file, a sparse 64 GiB file and images of extreme
// aspect ratio under the imagenet preset: the real binary answers every one, in
// order, the bad ones with their own error, within a bounded memory.
func TestHostileInputs(t *testing.T) {
	model := testenv.Model(t)
	bin := builtBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.jpg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	sparse := filepath.Join(dir, "sparse.jpg")
	f, err := os.Create(sparse)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(64<<30))
	f.Close()
	good := testenv.Path("testdata", "images", "rocket.jpg")
	ext := extremes(t, dir)
	inputs := []string{good, fifo, "/dev/zero", filepath.Join(dir, "missing.jpg"), sparse, ext[0], ext[1], good}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--model", model, "--preset", "imagenet", "--format", "jsonl", "--"}, inputs...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, stderr.String())
	assert.Equal(t, exitPartial, ee.ExitCode(), stderr.String())
	lines := testenv.ParseJSONL(t, stdout.Bytes())
	require.Len(t, lines, len(inputs))
	for i, l := range lines {
		assert.Equal(t, inputs[i], l.Path)
	}
	for i, want := range map[int]string{1: "not a regular file", 2: "not a regular file", 3: "no such file", 4: "maximum input size"} {
		assert.Contains(t, lines[i].Error, want, inputs[i])
	}
	for _, i := range []int{0, 5, 6, 7} {
		assert.Empty(t, lines[i].Error, inputs[i])
		assert.Len(t, lines[i].Top, 5, inputs[i])
	}
	maxRSS := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	t.Logf("%d inputs in %v, peak RSS %d MB", len(inputs), took.Round(time.Millisecond), maxRSS>>20)
	assert.Less(t, maxRSS, int64(1500<<20), "peak RSS")
}

// Under Resize((224, 224)), which Python runs in reasonable memory, the
// extreme images give Python's logits bit for bit.
func TestExtremeAspectRatiosMatchReference(t *testing.T) {
	model := testenv.Model(t)
	testenv.Python(t)
	ext := extremes(t, t.TempDir())
	args := append([]string{"--model", model, "--preset", "resize224", "--logits", "--"}, ext...)
	want := testenv.Reference(t, args...)
	code, out, stderr := predict(t, "", append([]string{"--format", "jsonl", "--device", "cpu"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assertSameAsReference(t, testenv.ParseJSONL(t, []byte(out)), want)
}

// Flags beyond what can run well are refused before anything runs, and a
// labels file that is a device is refused at once.
func TestAbsurdFlags(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	img := testenv.Path("testdata", "images", "video-001.jpeg")
	for name, c := range map[string]struct {
		args []string
		msg  string
	}{
		"huge batch":       {[]string{"--batch-size", "1000000"}, "--batch-size 1000000"},
		"threads":          {[]string{"--threads", "10000"}, "--threads 10000"},
		"workers":          {[]string{"--workers", "100000"}, "--workers 100000"},
		"top-k":            {[]string{"--topk", "8"}, "top-k 8 for a model with 7 classes"},
		"labels device":    {[]string{"--labels", "/dev/zero"}, "not a regular file"},
		"bad size":         {[]string{"--max-input-size", "lots"}, "--max-input-size"},
		"bad memory":       {[]string{"--memory-budget", "-1GiB"}, "--memory-budget"},
		"negative batches": {[]string{"--batch-size", "-3"}, "--batch-size -3"},
		"unknown pillow":   {[]string{"--pillow", "13"}, `--pillow: pillow version "13"`},
	} {
		code, _, stderr := predict(t, "", append([]string{"--model", model, "--device", "cpu"}, append(c.args, img)...)...)
		assert.Equal(t, exitFatal, code, name)
		assert.Contains(t, stderr, c.msg, name)
	}
}

// "--" ends the flags for good: what follows are paths, even "-x.jpg".
func TestDoubleDashEndsFlags(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	code, out, _ := predict(t, "", "--model", model, "--device", "cpu", "--format", "jsonl", "--", "-x.jpg", "-y.jpg")
	assert.Equal(t, exitPartial, code)
	lines := testenv.ParseJSONL(t, []byte(out))
	require.Len(t, lines, 2)
	assert.Equal(t, "-x.jpg", lines[0].Path)
	assert.Equal(t, "-y.jpg", lines[1].Path)
}

// A model whose output is NaN for some images: those get their own error
// line in every format, the others are printed, the run goes on.
func TestNonFiniteOutputEveryFormat(t *testing.T) {
	model := testenv.TestModel(t, "nan_on_bright.pt")
	dir := t.TempDir()
	white := writeFile(t, dir, "white.ppm", append([]byte("P5 8 8 255\n"), bytes.Repeat([]byte{255}, 64)...))
	black := writeFile(t, dir, "black.ppm", append([]byte("P5 8 8 255\n"), make([]byte, 64)...))
	// Lines naming an input: one per input, or one per listed class in csv.
	for format, lines := range map[string]int{"jsonl": 3, "table": 3, "csv": 2*5 + 1} {
		code, out, stderr := predict(t, "", "--model", model, "--device", "cpu", "--format", format, black, white, black)
		assert.Equal(t, exitPartial, code, stderr)
		assert.Equal(t, 1, strings.Count(out, "model output is not finite"), format)
		assert.Equal(t, lines, strings.Count(out, "black.ppm")+strings.Count(out, "white.ppm"), "%s:\n%s", format, out)
	}
}

// syncBuffer is a bytes.Buffer a command writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSlow starts the real binary on n copies of one image with the slow
// test model (a few hundred ms an image on one thread), batches of 4, and
// returns it with a reader of its stdout.
func startSlow(t *testing.T, format string, n int) (*exec.Cmd, *bufio.Reader, *syncBuffer) {
	t.Helper()
	model := testenv.TestModel(t, "slow.pt")
	bin := builtBinary(t)
	args := []string{"--model", model, "--device", "cpu", "--threads", "1", "--workers", "1", "--batch-size", "4", "--format", format}
	for range n {
		args = append(args, testenv.Path("testdata", "images", "video-001.jpeg"))
	}
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := new(syncBuffer)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(out), stderr
}

// The first SIGINT or SIGTERM stops the run: the batch in the model
// finishes and prints, whole lines only, nothing else starts, and the exit
// code is 130 or 143; a second signal exits at once.
func TestSignals(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		cmd, out, stderr := startSlow(t, "jsonl", 40)
		first, err := out.ReadString('\n')
		require.NoError(t, err, stderr.String())
		require.NoError(t, cmd.Process.Signal(c.sig))
		t0 := time.Now()
		rest, _ := io.ReadAll(out)
		err = cmd.Wait()
		took := time.Since(t0)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, c.code, ee.ExitCode(), stderr.String())
		lines := testenv.ParseJSONL(t, append([]byte(first), rest...)) // every line whole
		// After the line read: the batch in the model when the signal came,
		// and one already done and waiting for the printer, no more.
		assert.LessOrEqual(t, len(lines), 1+4+4, "%v: batches started after the signal", c.sig)
		for _, l := range lines {
			assert.Empty(t, l.Error)
		}
		assert.Contains(t, stderr.String(), "interrupted by ")
		assert.Contains(t, stderr.String(), "inputs done")
		assert.Less(t, took, 30*time.Second, "%v: the run did not end", c.sig)
	}

	cmd, out, stderr := startSlow(t, "jsonl", 40)
	_, err := out.ReadString('\n')
	require.NoError(t, err, stderr.String())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 130, ee.ExitCode())
	assert.Less(t, time.Since(t0), 500*time.Millisecond, "a second signal exits at once")
}

// The table streams: its header and first rows arrive while the run goes
// on, with the columns fixed up front.
func TestTableStreams(t *testing.T) {
	cmd, out, stderr := startSlow(t, "table", 40)
	header, err := out.ReadString('\n')
	require.NoError(t, err, stderr.String())
	row, err := out.ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^PATH\s+INDEX\s+PROB\s+LABEL\n$`, header)
	assert.Contains(t, row, "video-001.jpeg")
	assert.Equal(t, strings.Index(header, "LABEL"), strings.LastIndex(row, " ")+1, "aligned:\n%s%s", header, row)
	assert.Nil(t, cmd.ProcessState, "the run is still going")
	var line map[string]any
	assert.Error(t, json.Unmarshal([]byte(row), &line), "a table row, not JSON")
}

// --verbose says how the model runs: here full batches of 16 in parts of
// 8, checked at load.
func TestVerbosePlan(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	img := testenv.Path("testdata", "images", "video-001.jpeg")
	args := []string{"--model", model, "--device", "cpu", "--verbose", "--batch-size", "16", "--check-cache", ""}
	for range 16 {
		args = append(args, img)
	}
	code, _, stderr := predict(t, "", args...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "on cpu")
	assert.Contains(t, stderr, "full batches of 16 run in sub-batches of 8 (bit-identical to whole batches, checked at load)")
}
