package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/storage"
	"github.com/torchgo/predict/predictor"
)

// imageExtensions are the file name extensions a directory argument
// expands to: those Pillow registers for the formats decode reads. Files
// named on the command line are taken whatever their name; the format is
// always detected from content.
func imageExtensions() map[string]bool {
	m := map[string]bool{}
	for _, e := range decode.Extensions() {
		m[e] = true
	}
	return m
}

// source is one input of the run: a local path, or an object in a
// bucket.
type source struct {
	name string          // as results print it: the path, or the object's URL
	obj  *storage.Object // nil for a local path
}

// input is the source as the predictor reads it: an object is opened
// on a worker, refused before download when larger than max.
func (s source) input(store *storage.Store, max int64) predictor.Input {
	if s.obj == nil {
		return predictor.File(s.name)
	}
	obj := *s.obj
	return predictor.Opener(s.name, func(ctx context.Context) (io.ReadCloser, error) {
		return store.Open(ctx, obj, max)
	})
}

// expandInputs turns the command-line arguments into the list of inputs:
// files as given, directories as their image files sorted by name (not
// recursive), "-" as one path per line of stdin (taken literally). A
// storage URL names an object, or with a trailing "/" the objects
// directly under that prefix with an image file's extension, sorted by
// key, as a directory. The rules are scripts/reference.py's, so both list
// the same inputs. A path that does not exist stays in the list so that
// it gets its own error line. Reading stdin gives up when ctx ends.
func expandInputs(ctx context.Context, args []string, stdin io.Reader, store *storage.Store) ([]source, error) {
	var out []source
	exts := imageExtensions()
	isImage := func(name string) bool { return exts[strings.ToLower(path.Ext(name))] }
	add := func(name string) error {
		if !storage.IsURL(name) {
			out = append(out, source{name: name})
			return nil
		}
		o, err := store.Object(ctx, name)
		if err != nil {
			return err
		}
		out = append(out, source{name: o.URL, obj: &o})
		return nil
	}
	for _, a := range args {
		switch st, err := os.Stat(a); {
		case a == "-":
			lines, err := readLines(ctx, stdin)
			if err != nil {
				return nil, fmt.Errorf("reading paths from stdin: %w", err)
			}
			for _, l := range lines {
				if err := add(l); err != nil {
					return nil, err
				}
			}
		case storage.IsPrefix(a):
			objs, err := store.List(ctx, a, isImage)
			if err != nil {
				return nil, err
			}
			for i := range objs {
				out = append(out, source{name: objs[i].URL, obj: &objs[i]})
			}
		case err == nil && st.IsDir() && !storage.IsURL(a):
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, err
			}
			var names []string
			for _, e := range entries {
				if !isImage(e.Name()) {
					continue
				}
				// Symlinks are followed, as Python's DirEntry.is_file() does.
				if st, err := os.Stat(join(a, e.Name())); err == nil && st.Mode().IsRegular() {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			for _, n := range names {
				out = append(out, source{name: join(a, n)})
			}
		default: // a file, a path that does not exist, an object's URL
			if err := add(a); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// join is Python's os.path.join for two parts, so that paths print the
// same as in the reference script ("./dir/x.jpg" stays as written).
func join(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// readLines reads r's non-empty lines (without a trailing CR) until EOF,
// or until ctx ends: a terminal or a pipe may never close.
func readLines(ctx context.Context, r io.Reader) ([]string, error) {
	type result struct {
		lines []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
				lines = append(lines, line)
			}
		}
		done <- result{lines, sc.Err()}
	}()
	select {
	case r := <-done:
		return r.lines, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}
