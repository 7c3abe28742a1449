package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// decoderSymbols matches what the statically linked decoder libraries
// define (libjpeg-turbo, libwebp, zlib, libdeflate; see
// decode/local_symbols.so). None may be exported by a binary.
var decoderSymbols = regexp.MustCompile(`^(jpeg_|jinit_|jsimd_|jcopy_|WebP|VP8|SharpYuv|inflate|deflate|crc32|adler32|zlib|gz|compress|uncompress|libdeflate_)`)

// TestInstalledLibrary does what a Go service team does with this
// module: the source as `go get` leaves it (read-only, no build/), the
// shim installed by `make install PREFIX=...` from a second copy, and a
// program — the README's service example — built with nothing but
// PKG_CONFIG_PATH and run without LD_LIBRARY_PATH. Its answer equals
// bin/predict's; neither binary has a build-tree or module path in its
// run path, nor exports the decoders' symbols.
func TestInstalledLibrary(t *testing.T) {
	model := testenv.Model(t)
	bin := builtBinary(t)
	for _, tool := range []string{"git", "make", "readelf", "nm", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool+" not on PATH")
		}
	}
	root := testenv.Root()
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		testenv.Missing(t, "not a git checkout: "+root)
	}
	tmp := t.TempDir()
	module, src, prefix, consumer := filepath.Join(tmp, "module"), filepath.Join(tmp, "src"), filepath.Join(tmp, "prefix"), filepath.Join(tmp, "consumer")

	// The working tree as git would archive it (tracked and untracked,
	// ignored files left out), through a throw-away index.
	index := filepath.Join(tmp, "index")
	gitEnv := append(os.Environ(), "GIT_INDEX_FILE="+index)
	runCmd(t, root, gitEnv, "git", "add", "-A")
	tree := strings.TrimSpace(runCmd(t, root, gitEnv, "git", "write-tree"))
	archive := filepath.Join(tmp, "module.tar")
	runCmd(t, root, nil, "git", "archive", "--format=tar", "-o", archive, tree)
	for _, dir := range []string{module, src} {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		runCmd(t, dir, nil, "tar", "-xf", archive)
	}
	runCmd(t, tmp, nil, "chmod", "-R", "a-w", module)
	t.Cleanup(func() { exec.Command("chmod", "-R", "u+w", module).Run() })

	runCmd(t, src, nil, "make", "--no-print-directory", "install", "PREFIX="+prefix)
	for _, f := range []string{"lib/libtorchc.so", "include/torchc.h", "lib/pkgconfig/torchc.pc"} {
		require.FileExists(t, filepath.Join(prefix, f))
	}

	// The consumer: the README's example, in its own module.
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	example := regexp.MustCompile("(?s)<!-- service example[^\n]*\n```go\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, example, "README.md lost its service example")
	require.NoError(t, os.MkdirAll(consumer, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(consumer, "main.go"), example[1], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(consumer, "go.mod"), []byte(
		"module example.com/consumer\n\ngo 1.26\n\nrequire github.com/torchgo/predict v0.0.0\n\nreplace github.com/torchgo/predict => "+module+"\n"), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(consumer, "go.sum"), sum, 0o644))
	env := cleanEnv("PKG_CONFIG_PATH="+filepath.Join(prefix, "lib", "pkgconfig"), "GOFLAGS=-mod=mod", "GOPROXY=off")
	runCmd(t, consumer, env, goTool(t), "build", "-o", "service", ".")
	service := filepath.Join(consumer, "service")

	assert.Equal(t, []string{filepath.Join(prefix, "lib")}, runpath(t, service))
	assert.Equal(t, []string{"$ORIGIN/../lib"}, runpath(t, bin))
	for _, b := range []string{service, bin} {
		assert.Empty(t, exportedDecoderSymbols(t, b), "%s exports decoder symbols", b)
	}

	// Run it with no LD_LIBRARY_PATH and ask it about a test image.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, service)
	cmd.Env = cleanEnv("MODEL="+model, "ADDR=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := listeningOn(t, stderr)

	image := filepath.Join(root, "testdata", "images", "rocket.jpg")
	body, err := os.ReadFile(image)
	require.NoError(t, err)
	resp, err := http.Post("http://"+addr+"/classify", "image/jpeg", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got []struct {
		Index int         `json:"index"`
		Label string      `json:"label"`
		Prob  json.Number `json:"prob"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	require.NoError(t, dec.Decode(&got))

	out := runCmd(t, root, cleanEnv(), bin, "--model", model, "--preset", "imagenet", "--format", "jsonl", image)
	want := testenv.ParseJSONL(t, []byte(out))
	require.Len(t, want, 1)
	require.Len(t, got, len(want[0].Top))
	for i, w := range want[0].Top {
		assert.Equal(t, w.Index, got[i].Index)
		assert.Equal(t, w.Label, got[i].Label)
		assert.Equal(t, math.Float32bits(testenv.Float32(t, w.Prob)), math.Float32bits(testenv.Float32(t, got[i].Prob)), "class %d", w.Index)
	}

	bad, err := http.Post("http://"+addr+"/classify", "image/jpeg", strings.NewReader("not an image"))
	require.NoError(t, err)
	bad.Body.Close()
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode, "a bad image is the client's fault")
}

// builtBinary is bin/predict, which `make build` makes.
func builtBinary(t *testing.T) string {
	t.Helper()
	bin := testenv.Path("bin", "predict")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, bin+" not built (`make build` makes it)")
	}
	return bin
}

// runCmd runs a command in dir (env nil: this process's) and returns its
// stdout, failing the test with its output on error.
func runCmd(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// cleanEnv is this process's environment without the variables that
// could make a build or a run work by accident (CGO_*, LD_LIBRARY_PATH,
// PKG_CONFIG_PATH, GOFLAGS), plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CGO_") || k == "LD_LIBRARY_PATH" || k == "PKG_CONFIG_PATH" || k == "GOFLAGS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// goTool is the go command that runs this test.
func goTool(t *testing.T) string {
	t.Helper()
	if g, err := exec.LookPath("go"); err == nil {
		return g
	}
	g := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(g); err != nil {
		testenv.Missing(t, "go not on PATH")
	}
	return g
}

// runpath is a binary's DT_RUNPATH entries.
func runpath(t *testing.T, path string) []string {
	t.Helper()
	out := runCmd(t, "", nil, "readelf", "-d", path)
	m := regexp.MustCompile(`\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]*)\]`).FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	return strings.Split(m[1], ":")
}

// exportedDecoderSymbols lists the decoder libraries' symbols in a
// binary's dynamic symbol table.
func exportedDecoderSymbols(t *testing.T, path string) []string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(runCmd(t, "", nil, "nm", "-D", "--defined-only", path), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && decoderSymbols.MatchString(f[2]) {
			found = append(found, f[2])
		}
	}
	return found
}

// listeningOn reads the service's log until it says where it listens.
func listeningOn(t *testing.T, stderr io.Reader) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("service exited before listening")
			}
			if _, addr, found := strings.Cut(line, "listening on "); found {
				go func() {
					for range lines {
					}
				}()
				return addr
			}
			t.Log("service:", line)
		case <-timeout:
			t.Fatal("service did not start listening within a minute")
		}
	}
}
