package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/storage"
	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/predictor"
)

// jobInputs are the shipped images and bad files: 20 inputs, 5 of which
// fail, so that batches of 4 have failures between and across them.
var jobInputs = []string{"testdata/images", "testdata/bad", "testdata/missing.jpg"}

// jobFlags run a model the way the job tests do: small batches, so that
// the inputs span several and resumes cut between them. The tests are of
// the job's mechanics, so the model is the tiny test classifier, which
// runs in no time (the SIGKILL test runs ResNet18, to be killed mid-run).
func jobFlags(t *testing.T, format string) []string {
	return modelFlags(t, testenv.TestModel(t, "tiny_classifier.pt"), format)
}

func modelFlags(t *testing.T, model, format string) []string {
	flags := []string{"--model", model, "--device", "cpu", "--threads", "1", "--batch-size", "4", "--format", format}
	if format == "jsonl" {
		flags = append(flags, "--logits")
	}
	return slices.Clip(flags) // appends to it do not share its array
}

// singleRun is one uninterrupted run over jobInputs, written with
// --output, which must hold what stdout gets.
func singleRun(t *testing.T, format string) []byte {
	t.Helper()
	return singleRunWith(t, jobFlags(t, format))
}

func singleRunWith(t *testing.T, flags []string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "all.out")
	code, _, stderr := predict(t, "", append(flags, append([]string{"--output", out}, jobInputs...)...)...)
	require.Equal(t, exitPartial, code, stderr)
	file, err := os.ReadFile(out)
	require.NoError(t, err)
	code, stdout, _ := predict(t, "", append(flags, jobInputs...)...)
	require.Equal(t, exitPartial, code)
	sameOutput(t, stdout, string(file), "--output holds the bytes stdout gets")
	return file
}

// A kill leaves a prefix of the output (results are appended in order),
// so a resume from every kind of prefix must end with the uninterrupted
// run's bytes: empty, inside the csv header, inside a line, on a line
// boundary, inside a csv result's rows, one byte short, complete.
func TestResumeFromAnyPrefix(t *testing.T) {
	t.Chdir(testenv.Root())
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			want := singleRun(t, format)
			lines := bytes.SplitAfter(want, []byte("\n"))
			boundary := func(n int) int { return len(bytes.Join(lines[:n], nil)) }
			cuts := []int{0, 1, boundary(1), boundary(1) + 7, boundary(3), boundary(6) - 2, boundary(9), len(want) / 2, len(want) - 1, len(want)}
			dir := t.TempDir()
			for _, cut := range cuts {
				out := filepath.Join(dir, fmt.Sprintf("cut-%d.%s", cut, format))
				require.NoError(t, os.WriteFile(out, want[:cut], 0o644))
				code, _, stderr := predict(t, "", append(jobFlags(t, format), append([]string{"--output", out, "--resume"}, jobInputs...)...)...)
				assert.Equal(t, exitPartial, code, "cut at %d: %s", cut, stderr)
				got, err := os.ReadFile(out)
				require.NoError(t, err)
				sameOutput(t, string(want), string(got), fmt.Sprintf("resumed from a cut at byte %d of %d", cut, len(want)))
				if cut == len(want) {
					assert.Contains(t, stderr, "20 of 20 inputs done", "nothing left to do")
				}
			}
		})
	}
}

// The real thing: predict killed with SIGKILL at several points of its
// run, resumed each time, ends with the uninterrupted run's file.
func TestResumeAfterSIGKILL(t *testing.T) {
	bin := builtBinary(t)
	t.Chdir(testenv.Root())
	flags := modelFlags(t, testenv.Model(t), "jsonl")
	want := singleRunWith(t, flags)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := append(flags, append([]string{"--output", out, "--resume"}, jobInputs...)...)
	kills := 0
	for _, after := range []int{1, 6, 11, 16} { // results in the file when the kill comes
		cmd := exec.Command(bin, args...)
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && bytes.Count(readFile(t, out), []byte("\n")) < after {
			time.Sleep(2 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL) // os.ErrProcessDone when it finished first
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		} else {
			require.Error(t, err, "exit 1: some inputs fail")
		}
		got := readFile(t, out)
		require.True(t, bytes.HasPrefix(want, got[:bytes.LastIndexByte(got, '\n')+1]), "after a kill the file holds a prefix of the results")
	}
	require.GreaterOrEqual(t, kills, 2, "the kills came while the run was going")
	code, _, stderr := predict(t, "", args...)
	require.Equal(t, exitPartial, code, stderr)
	sameOutput(t, string(want), string(readFile(t, out)), "resumed after the kills")
}

func readFile(t *testing.T, name string) []byte {
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return b
}

// Shards of every size, merged, are the single run, in both formats;
// the merge takes the shards in index order whatever order they come in
// (a shell glob puts out-10 before out-2) and refuses a missing, doubled
// or unfinished one.
func TestShardAndMerge(t *testing.T) {
	t.Chdir(testenv.Root())
	for _, tc := range []struct {
		format string
		counts []int
	}{{"jsonl", []int{1, 2, 3, 7, 12}}, {"csv", []int{3, 12}}} {
		want := singleRun(t, tc.format)
		for _, n := range tc.counts {
			t.Run(fmt.Sprintf("%s/%d", tc.format, n), func(t *testing.T) {
				dir := t.TempDir()
				var outs []string
				sizes := map[int]bool{}
				for i := range n {
					out := filepath.Join(dir, fmt.Sprintf("out-%d.%s", i, tc.format))
					code, _, stderr := predict(t, "", append(jobFlags(t, tc.format), append([]string{"--shard", fmt.Sprintf("%d/%d", i, n), "--output", out}, jobInputs...)...)...)
					require.Contains(t, []int{exitOK, exitPartial}, code, stderr)
					outs = append(outs, out)
					sizes[countResults(t, tc.format, readFile(t, out))] = true
				}
				assert.LessOrEqual(t, len(sizes), 2, "shard sizes differ by at most one: %v", sizes)
				slices.Sort(outs) // the glob's order
				slices.Reverse(outs)
				code, merged, stderr := predict(t, "", append([]string{"merge"}, outs...)...)
				require.Equal(t, exitOK, code, stderr)
				sameOutput(t, string(want), merged, "merged")
			})
		}
	}
}

// countResults counts the results in an output: its lines (jsonl), the
// rows that start one (csv: an error row, or rank 1).
func countResults(t *testing.T, format string, b []byte) int {
	if format == "jsonl" {
		return bytes.Count(b, []byte("\n"))
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	require.NoError(t, err)
	n := 0
	for _, r := range rows[1:] {
		if r[1] == "" || r[1] == "1" {
			n++
		}
	}
	return n
}

func TestShardFromJobIndex(t *testing.T) {
	t.Chdir(testenv.Root())
	dir := t.TempDir()
	explicit, auto := filepath.Join(dir, "explicit-1.jsonl"), filepath.Join(dir, "auto-1.jsonl")
	code, _, stderr := predict(t, "", append(jobFlags(t, "jsonl"), append([]string{"--shard", "1/3", "--output", explicit}, jobInputs...)...)...)
	require.Contains(t, []int{exitOK, exitPartial}, code, stderr)
	t.Setenv(jobIndexEnv, "1")
	code, _, stderr = predict(t, "", append(jobFlags(t, "jsonl"), append([]string{"--shard", "auto/3", "--output", auto}, jobInputs...)...)...)
	require.Contains(t, []int{exitOK, exitPartial}, code, stderr)
	assert.Equal(t, string(readFile(t, explicit)), string(readFile(t, auto)))

	t.Setenv(jobIndexEnv, "3")
	code, _, stderr = predict(t, "", append(jobFlags(t, "jsonl"), append([]string{"--shard", "auto/3"}, jobInputs...)...)...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "want 0 to 2")
	os.Unsetenv(jobIndexEnv)
	code, _, stderr = predict(t, "", append(jobFlags(t, "jsonl"), append([]string{"--shard", "auto/3"}, jobInputs...)...)...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, jobIndexEnv+" is not set")
}

func TestMergeRefuses(t *testing.T) {
	t.Chdir(testenv.Root())
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	line := `{"path":"a.jpg","top":[{"index":1,"label":"x","prob":0.5}]}` + "\n"
	s0, s1, s2 := write("out-0.jsonl", line), write("out-1.jsonl", line), write("out-2.jsonl", line)
	torn := write("torn-1.jsonl", line+line[:10])
	other := write("other-1.jsonl", "hello\n")
	noIndex := write("out.jsonl", line)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing shard":  {[]string{s0, s2}, "shard 1 is missing"},
		"doubled shard":  {[]string{s0, s1, torn}, "both shard 1"},
		"unfinished":     {[]string{s0, torn}, "did not finish"},
		"not an output":  {[]string{s0, other}, "not a predict jsonl result"},
		"no index":       {[]string{noIndex}, "no shard index"},
		"mixed formats":  {[]string{s0, write("out-1.csv", csvHeader)}, "a .csv among .jsonl"},
		"nothing at all": {nil, "no shard outputs"},
	} {
		code, _, stderr := predict(t, "", append([]string{"merge"}, tc.args...)...)
		assert.Equal(t, exitFatal, code, name)
		assert.Contains(t, stderr, tc.want, name)
	}
	code, out, stderr := predict(t, "", "merge", s2, s0, s1)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, strings.Repeat(line, 3), out)
}

func TestJobExitCodes(t *testing.T) {
	t.Chdir(testenv.Root())
	flags := jobFlags(t, "csv")
	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"resume without output": {[]string{"--resume"}, exitFatal, "--resume needs --output"},
		"resume a table":        {[]string{"--format", "table", "--output", filepath.Join(t.TempDir(), "t.txt"), "--resume"}, exitFatal, "--resume needs --format jsonl or csv"},
		"shard out of range":    {[]string{"--shard", "3/3"}, exitFatal, "want 0 to 2"},
		"shard malformed":       {[]string{"--shard", "1-3"}, exitFatal, "want I/N"},
		"not this run's output": {[]string{"--format", "jsonl", "--output", writeTemp(t, `{"path":"elsewhere.jpg","top":[]}`+"\n"), "--resume"}, exitFatal, `result 1 is for "elsewhere.jpg"`},
		"someone else's file":   {[]string{"--format", "jsonl", "--output", writeTemp(t, "my notes\n"), "--resume"}, exitFatal, "not a predict jsonl result"},
		"input errors allowed":  {[]string{"--allow-input-errors"}, exitOK, "5 of 20 inputs failed"},
	} {
		code, _, stderr := predict(t, "", append(flags, append(tc.args, jobInputs...)...)...)
		assert.Equal(t, tc.code, code, "%s: %s", name, stderr)
		assert.Contains(t, stderr, tc.want, name)
	}
}

func writeTemp(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// Which failures stop a job with exit 75 rather than become error lines:
// the machinery's (storage, device, memory), never the input's or a
// model's own bug. A device cannot be lost on demand on a CPU machine,
// so the device cases are the errors the binding gives.
func TestInfrastructureFailures(t *testing.T) {
	batch := func(code binding.Code) error {
		return &predictor.BatchError{Size: 4, Err: &binding.Error{Op: "forward", Code: code, Msg: "x"}}
	}
	input := func(err error) error { return &predictor.InputError{Stage: predictor.StageRead, Err: err} }
	for err, want := range map[error]bool{
		batch(binding.DeviceFailure):                      true,
		batch(binding.OutOfMemory):                        true,
		input(&storage.UnavailableError{URL: "s3://b/k"}): true,
		batch(binding.ModelFailure):                       false,
		batch(binding.BadOutput):                          false,
		input(fs.ErrNotExist):                             false,
		predictor.ErrNotFinite:                            false,
		nil:                                               false,
	} {
		assert.Equal(t, want, infrastructure(err), "%v", err)
	}
}
