package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// served is a running `predict serve`.
type served struct {
	cmd  *exec.Cmd
	http string // base URL
	grpc string
	logs *syncBuffer
	done chan error
}

// listening matches the startup line in text and in JSON.
var listening = regexp.MustCompile(`msg"?[=:]"?listening"?[ ,]"?http"?[=:]"?([^ ",]+)"?[ ,]"?grpc"?[=:]"?([^ ",}]+)`)

// startServe runs predict serve on free ports of 127.0.0.1 and waits until
// it listens (not until it is ready).
func startServe(t *testing.T, env []string, args ...string) *served {
	t.Helper()
	bin := builtBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--host", "127.0.0.1", "--grpc-port", "0", "--threads", "2", "--log-level", "debug"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	s := &served{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = io.MultiWriter(s.logs, pw)
	require.NoError(t, cmd.Start())
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			s.http, s.grpc = "http://"+m[1], m[2]
			go io.Copy(io.Discard, pr)
			return s
		}
	}
	t.Fatalf("predict serve did not start:\n%s", s.logs.String())
	return nil
}

func status(t *testing.T, method, url string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0 // not listening (any more)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The server a pod runs: live while the model loads, ready once it has;
// on SIGTERM not ready at once, inference still served for the grace
// window, then refused; exit 0 once work in flight is done.
func TestServeLifecycle(t *testing.T) {
	model := testenv.Model(t)
	img, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	require.NoError(t, err)
	s := startServe(t, nil, "--model", model, "--http-port", "0", "--drain-grace", "2s")

	sawLoading := false
	require.Eventually(t, func() bool {
		live := status(t, "GET", s.http+"/v2/health/live", nil)
		ready := status(t, "GET", s.http+"/v2/health/ready", nil)
		if live == 200 && ready == 503 {
			sawLoading = true
		}
		return ready == 200
	}, time.Minute, 10*time.Millisecond, s.logs.String())
	assert.True(t, sawLoading, "live and not ready while the model loads")
	assert.Equal(t, 200, status(t, "POST", s.http+"/v1/classify", img))
	name := strings.TrimSuffix(filepath.Base(model), ".pt")
	assert.Equal(t, 200, status(t, "GET", s.http+"/v2/models/"+name, nil), "default model name: the file's")
	assert.Contains(t, s.logs.String(), "msg=ready")
	assert.Contains(t, s.logs.String(), "warm_up=")

	signalled := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.Eventually(t, func() bool { return status(t, "GET", s.http+"/v2/health/ready", nil) == 503 },
		time.Second, 5*time.Millisecond, "readiness turns 503 at once")
	assert.Equal(t, 200, status(t, "POST", s.http+"/v1/classify", img), "served during the grace window")
	assert.Equal(t, 200, status(t, "GET", s.http+"/v2/health/live", nil))
	select {
	case err := <-s.done:
		require.NoError(t, err, s.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", s.logs.String())
	}
	assert.GreaterOrEqual(t, time.Since(signalled), 2*time.Second, "exited before the grace window ended")
	assert.Contains(t, s.logs.String(), "msg=stopped")
	assert.Contains(t, s.logs.String(), "outcome=ok")
}

// KServe's conventions: $PORT sets the HTTP port, and --model may be the
// directory the model is mounted in.
func TestServeKServeConventions(t *testing.T) {
	model := testenv.Model(t)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(model, filepath.Join(dir, "classifier.pt")))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := startServe(t, []string{fmt.Sprintf("PORT=%d", port)}, "--model", dir, "--log-format", "json")
	assert.Equal(t, fmt.Sprintf("http://127.0.0.1:%d", port), s.http)
	require.Eventually(t, func() bool { return status(t, "GET", s.http+"/v2/models/classifier/ready", nil) == 200 },
		time.Minute, 20*time.Millisecond, s.logs.String())
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	<-s.done
	var line map[string]any
	first, _, _ := strings.Cut(s.logs.String(), "\n")
	require.NoError(t, json.Unmarshal([]byte(first), &line), "JSON log lines: %s", first)
}

func TestServeFlagErrors(t *testing.T) {
	bin := builtBinary(t)
	model := testenv.Model(t)
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"argument":      {[]string{"serve", "--model", model, "x.jpg"}, "takes flags only"},
		"empty dir":     {[]string{"serve", "--model", t.TempDir()}, "exactly one .pt"},
		"port":          {[]string{"serve", "--model", model, "--http-port", "70000"}, "--http-port"},
		"log level":     {[]string{"serve", "--model", model, "--log-level", "loud"}, "--log-level"},
		"body size":     {[]string{"serve", "--model", model, "--max-body", "lots"}, "--max-body"},
		"model missing": {[]string{"serve", "--model", "/no/such.pt"}, "no such file"},
	} {
		cmd := exec.Command(bin, c.args...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, name)
		assert.Equal(t, exitFatal, ee.ExitCode(), name)
		assert.Contains(t, string(out), c.want, name)
	}
}

// The manifests under deploy/ pass predict serve only flags it has, with
// values it accepts.
func TestDeployManifestsUseRealFlags(t *testing.T) {
	files, err := filepath.Glob(testenv.Path("deploy", "*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	arg := regexp.MustCompile(`^\s*- (--[a-z-]+(=\S+)?|serve|merge)\s*$`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var args []string
		for _, line := range strings.Split(string(data), "\n") {
			if m := arg.FindStringSubmatch(line); m != nil {
				args = append(args, m[1])
			}
		}
		if len(args) == 0 {
			continue
		}
		var o options
		var stderr bytes.Buffer
		switch args[0] {
		case "serve":
			var so serveOptions
			fs := newServeFlagSet(&o, &so, &stderr)
			assert.NoError(t, fs.Parse(args[1:]), "%s: %s", f, stderr.String())
			if _, err := newLogger(io.Discard, so.logFormat, so.logLevel); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		case "merge":
			var mo mergeOptions
			assert.NoError(t, newMergeFlagSet(&mo, &stderr).Parse(args[1:]), "%s: %s", f, stderr.String())
		default:
			assert.NoError(t, newFlagSet(&o, &stderr).Parse(args), "%s: %s", f, stderr.String())
			_, err := o.check(&stderr)
			if err != nil && !strings.Contains(err.Error(), jobIndexEnv) { // set in the pod only
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}
