package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/storage"
	"github.com/torchgo/predict/internal/testenv"
)

// s3Server is versitygw, a real S3 server, serving a fresh directory on
// loopback, with a bucket "predict-data".
type s3Server struct {
	query string // the bucket URL parameters that reach it
	cmd   *exec.Cmd
}

func startS3(t *testing.T) *s3Server {
	t.Helper()
	bin := testenv.Tool(t, "versitygw", "make test installs it: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "predict-data"), 0o755))
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--access", "predict", "--secret", "predict-secret", "--port", addr, "posix", root)
	log, err := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); log.Close() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("versitygw did not listen on %s:\n%s", addr, out)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "predict")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "predict-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	return &s3Server{query: "?endpoint=http://" + addr + "&use_path_style=true", cmd: cmd}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// url is s3://predict-data/key with the parameters that reach the server.
func (s *s3Server) url(key string) string { return "s3://predict-data/" + key + s.query }

func (s *s3Server) put(t *testing.T, key string, data []byte) {
	t.Helper()
	store := &storage.Store{}
	defer store.Close()
	o, err := store.Object(context.Background(), s.url(key))
	require.NoError(t, err)
	require.NoError(t, store.Upload(context.Background(), o, bytes.NewReader(data)))
}

func (s *s3Server) get(t *testing.T, key string) []byte {
	t.Helper()
	store := &storage.Store{}
	defer store.Close()
	o, err := store.Object(context.Background(), s.url(key))
	require.NoError(t, err)
	f, err := os.CreateTemp(t.TempDir(), "get")
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, store.Download(context.Background(), o, f))
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	return b
}

// The same files give the same results from a bucket as from disk, the
// path being the object's URL; outputs go to the bucket, resume there,
// and shards in the bucket merge into the single run.
func TestS3(t *testing.T) {
	t.Chdir(testenv.Root())
	s3 := startS3(t)
	local, err := os.ReadDir("testdata/images")
	require.NoError(t, err)
	for _, e := range local {
		b, err := os.ReadFile(filepath.Join("testdata/images", e.Name()))
		require.NoError(t, err)
		s3.put(t, "images/"+e.Name(), b)
	}
	s3.put(t, "images/notes.txt", []byte("not an image, and not listed"))
	s3.put(t, "images/sub/deeper.jpg", []byte("not listed: the listing is one level, as a directory's"))
	flags := jobFlags(t, "jsonl")

	// From disk, with the paths the bucket will give.
	code, want, stderr := predict(t, "", append(flags, "testdata/images", "testdata/missing.jpg")...)
	require.Equal(t, exitPartial, code, stderr)
	want = strings.ReplaceAll(want, `"path":"testdata/images/`, `"path":"s3://predict-data/images/`)
	want = strings.ReplaceAll(want, `{"path":"testdata/missing.jpg","error":"no such file or directory"}`, `{"path":"s3://predict-data/missing.jpg","error":"no such object"}`)

	code, got, stderr := predict(t, "", append(flags, s3.url("images/"), s3.url("missing.jpg"))...)
	require.Equal(t, exitPartial, code, stderr)
	sameOutput(t, want, got, "a bucket gives what the disk gives")

	// --output to the bucket, and --resume from a torn copy there.
	args := append(flags, "--output", s3.url("out/out-0.jsonl"), s3.url("images/"), s3.url("missing.jpg"))
	code, _, stderr = predict(t, "", args...)
	require.Equal(t, exitPartial, code, stderr)
	sameOutput(t, want, string(s3.get(t, "out/out-0.jsonl")), "--output to the bucket")
	s3.put(t, "out/out-0.jsonl", []byte(want[:len(want)*2/3]))
	code, _, stderr = predict(t, "", append(args, "--resume")...)
	require.Equal(t, exitPartial, code, stderr)
	assert.Contains(t, stderr, "resuming")
	sameOutput(t, want, string(s3.get(t, "out/out-0.jsonl")), "resumed in the bucket")

	// Shards written to the bucket, merged from its prefix to the bucket.
	for i := range 3 {
		code, _, stderr := predict(t, "", append(flags, "--shard", fmt.Sprintf("%d/3", i), "--output", s3.url(fmt.Sprintf("shards/out-%d.jsonl", i)),
			s3.url("images/"), s3.url("missing.jpg"))...)
		require.Contains(t, []int{exitOK, exitPartial}, code, stderr)
	}
	code, _, stderr = predict(t, "", "merge", "--output", s3.url("merged/all.jsonl"), s3.url("shards/"))
	require.Equal(t, exitOK, code, stderr)
	sameOutput(t, want, string(s3.get(t, "merged/all.jsonl")), "merged in the bucket")
}

// Storage that is unreachable is the infrastructure's failure: exit 75,
// with every result before it written and nothing after, and a resume
// once it is back ends as an uninterrupted run.
func TestStorageUnavailable(t *testing.T) {
	t.Chdir(testenv.Root())
	s3 := startS3(t)
	names := []string{"rocket.jpg", "chelsea.png", "horse.png", "basn6a08.png"}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata/images", n))
		require.NoError(t, err)
		s3.put(t, "images/"+n, b)
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "1") // the SDK's own retries; predict's still run
	dead := "?endpoint=http://" + freeAddr(t) + "&use_path_style=true"
	flags := append(jobFlags(t, "jsonl"), "--batch-size", "1")

	code, _, stderr := predict(t, "", append(flags, "s3://predict-data/images/"+dead)...)
	assert.Equal(t, exitRetry, code, stderr)
	assert.Contains(t, stderr, "storage unavailable")

	// The third object's endpoint is down (its name is the same: the
	// parameters are not part of it).
	var args, live []string
	for i, n := range names {
		live = append(live, s3.url("images/"+n))
		if i == 2 {
			args = append(args, "s3://predict-data/images/"+n+dead)
		} else {
			args = append(args, s3.url("images/"+n))
		}
	}
	code, want, stderr := predict(t, "", append(flags, live...)...)
	require.Equal(t, exitOK, code, stderr)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, stderr = predict(t, "", append(append(flags, "--output", out), args...)...)
	assert.Equal(t, exitRetry, code, stderr)
	assert.Contains(t, stderr, "run again with --resume")
	lines := strings.SplitAfter(want, "\n")
	sameOutput(t, lines[0]+lines[1], string(readFile(t, out)), "the results before the failure, and none after")
	code, _, stderr = predict(t, "", append(append(flags, "--output", out, "--resume"), live...)...)
	require.Equal(t, exitOK, code, stderr)
	sameOutput(t, want, string(readFile(t, out)), "resumed once the storage is back")
}

// sameOutput compares two outputs line by line, showing the first
// difference cut short (lines of 1000 logits drown a report).
func sameOutput(t *testing.T, want, got, what string) {
	t.Helper()
	w, g := strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")
	for i := range max(len(w), len(g)) {
		wl, gl := "(none)", "(none)"
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			t.Errorf("%s: line %d differs:\nwant %.300s\ngot  %.300s", what, i+1, wl, gl)
			return
		}
	}
}

// file:// reads as the disk does; mem:// is a bucket inside the process.
func TestFileAndMemURLs(t *testing.T) {
	t.Chdir(testenv.Root())
	flags := jobFlags(t, "jsonl")
	code, want, _ := predict(t, "", append(flags, "testdata/images")...)
	require.Equal(t, exitOK, code)
	root := testenv.Root()
	want = strings.ReplaceAll(want, `"path":"testdata/images/`, `"path":"file://`+root+`/testdata/images/`)
	code, got, stderr := predict(t, "", append(flags, "file://"+root+"/testdata/images/")...)
	require.Equal(t, exitOK, code, stderr)
	sameOutput(t, want, got, "file:// as the disk")

	code, _, stderr = predict(t, "", append(flags, "--output", "mem://scratch/out.jsonl", "testdata/images/rocket.jpg")...)
	assert.Equal(t, exitOK, code, stderr)
	code, _, stderr = predict(t, "", append(flags, "mem://empty/")...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "no input images")
	code, _, stderr = predict(t, "", append(flags, "s3://predict-data/x.jpg?no_such_parameter=1")...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "no_such_parameter")
}
