package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/torchgo/predict/decode"
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

// expandInputs turns the command-line arguments into the list of inputs:
// files as given, directories as their image files sorted by name (not
// recursive), "-" as one path per line of stdin (taken literally). The
// rules are scripts/reference.py's, so both list the same inputs. A path
// that does not exist stays in the list so that it gets its own error
// line. Reading stdin gives up when ctx ends.
func expandInputs(ctx context.Context, args []string, stdin io.Reader) ([]string, error) {
	var out []string
	exts := imageExtensions()
	for _, a := range args {
		switch st, err := os.Stat(a); {
		case a == "-":
			lines, err := readLines(ctx, stdin)
			if err != nil {
				return nil, fmt.Errorf("reading paths from stdin: %w", err)
			}
			out = append(out, lines...)
		case err == nil && st.IsDir():
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, err
			}
			var names []string
			for _, e := range entries {
				if !exts[strings.ToLower(filepath.Ext(e.Name()))] {
					continue
				}
				// Symlinks are followed, as Python's DirEntry.is_file() does.
				if st, err := os.Stat(join(a, e.Name())); err == nil && st.Mode().IsRegular() {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			for _, n := range names {
				out = append(out, join(a, n))
			}
		default:
			out = append(out, a)
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
