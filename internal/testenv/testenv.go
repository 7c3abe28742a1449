// Package testenv finds what the tests compare against: the seeded model
// and small test models that `make test` exports, and the Python oracle
// (Debian's /usr/bin/python3 with Pillow, torchvision and PyTorch).
//
// When PREDICT_REQUIRE_ORACLE=1 (set by `make test` and CI) a missing piece
// fails the test; otherwise the test is skipped, so `go test ./...` on a
// bare checkout still runs every pure-Go test.
package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// Root is the repository root: $PREDICT_ROOT when set (test binaries
// built with `go test -c` and run on another machine), else the source
// tree this package was compiled from.
func Root() string {
	if r := os.Getenv("PREDICT_ROOT"); r != "" {
		return r
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path joins parts onto the repository root.
func Path(parts ...string) string {
	return filepath.Join(append([]string{Root()}, parts...)...)
}

func required() bool { return os.Getenv("PREDICT_REQUIRE_ORACLE") == "1" }

// Missing skips the test for want of what it needs, or fails it under
// PREDICT_REQUIRE_ORACLE=1.
func Missing(t testing.TB, what string) {
	t.Helper()
	if required() {
		t.Fatalf("%s (PREDICT_REQUIRE_ORACLE=1: run `make test`, which prepares it)", what)
	}
	t.Skipf("%s; run `make test` to prepare it", what)
}

func file(t testing.TB, env, def, what string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		p = def
	}
	if _, err := os.Stat(p); err != nil {
		Missing(t, what+" not found at "+p)
	}
	return p
}

// Model is the seeded ResNet18 TorchScript file ($PREDICT_TEST_MODEL,
// default build/resnet18-seed0.pt).
func Model(t testing.TB) string {
	t.Helper()
	return file(t, "PREDICT_TEST_MODEL", Path("build", "resnet18-seed0.pt"), "seeded test model")
}

// TestModel is one of scripts/export_test_models.py's models
// ($PREDICT_TEST_MODELS, default build/testmodels).
func TestModel(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("PREDICT_TEST_MODELS")
	if dir == "" {
		dir = Path("build", "testmodels")
	}
	return file(t, "", filepath.Join(dir, name), "test model "+name)
}

// Images are the shipped test images (testdata/images), sorted.
func Images(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(Path("testdata", "images", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("testdata/images: %v (%d files)", err, len(paths))
	}
	return paths
}

// ZooModel is a torchvision classifier exported with seeded weights and
// its weights' own transform by scripts/export_torchvision.py
// ($PREDICT_ZOO, default build/zoo; make models writes them).
func ZooModel(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("PREDICT_ZOO")
	if dir == "" {
		dir = Path("build", "zoo")
	}
	return file(t, "", filepath.Join(dir, name+".pt"), "zoo model "+name)
}

// Python is the interpreter with Pillow/torchvision/torch
// ($PREDICT_PYTHON, default /usr/bin/python3).
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv("PREDICT_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import PIL, torch, torchvision").Run(); err != nil {
		Missing(t, py+" cannot import PIL, torch and torchvision")
	}
	return py
}

// Oracle sends one JSON request to scripts/pil_oracle.py and decodes the
// JSON reply into reply.
func Oracle(t testing.TB, request, reply any) {
	t.Helper()
	py := Python(t)
	in, err := json.Marshal(request)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, Path("scripts", "pil_oracle.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pil_oracle.py: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, reply); err != nil {
		t.Fatalf("pil_oracle.py reply: %v", err)
	}
}

// Line is one line of the jsonl that scripts/reference.py and
// `predict --format jsonl --logits` write. Numbers stay as text so that
// float32 values can be compared bit for bit.
type Line struct {
	Path string `json:"path"`
	Top  []struct {
		Index int         `json:"index"`
		Label string      `json:"label"`
		Prob  json.Number `json:"prob"`
	} `json:"top"`
	Logits []json.Number `json:"logits"`
	Error  string        `json:"error"`
}

// Float32 parses a JSON number as the float32 it denotes. Both writers
// print each float32 so that this recovers it exactly.
func Float32(t testing.TB, n json.Number) float32 {
	t.Helper()
	f, err := strconv.ParseFloat(string(n), 32)
	if err != nil {
		t.Fatalf("bad float %q: %v", n, err)
	}
	return float32(f)
}

// ParseJSONL decodes jsonl output.
func ParseJSONL(t testing.TB, data []byte) []Line {
	t.Helper()
	var lines []Line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var l Line
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("bad jsonl line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// Reference runs scripts/reference.py with args from the repository root
// and returns its parsed output. Exit status 1 (some inputs failed) is
// expected with bad files and is not an error.
func Reference(t testing.TB, args ...string) []Line {
	t.Helper()
	py := Python(t)
	cmd := exec.Command(py, append([]string{Path("scripts", "reference.py")}, args...)...)
	cmd.Dir = Root()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("reference.py %v: %v\n%s", args, err, stderr.String())
	}
	return ParseJSONL(t, out)
}

// Tool finds a program on PATH or where go install puts it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(build.Default.GOPATH, "bin")} {
		if p := filepath.Join(dir, name); dir != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	Missing(t, name+" ("+install+")")
	return ""
}
