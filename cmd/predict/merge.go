package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/torchgo/predict/internal/storage"
)

// runMerge is predict merge: the outputs of the --shard runs over one
// input list, joined into the bytes one run over the whole list writes.
// Each shard's output must be whole (a run that finished); the shards are
// taken in the order of the index in their names, whatever order they
// are named in.
func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var mo mergeOptions
	fs := newMergeFlagSet(&mo, stderr)
	names, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err)
	}
	store := &storage.Store{}
	defer store.Close()
	code, err := merge(ctx, store, names, mo.format, mo.output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "predict merge: %v\n", err)
	}
	return code
}

type mergeOptions struct{ output, format string }

func newMergeFlagSet(mo *mergeOptions, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("predict merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&mo.output, "output", "", "write the merged results to this file or storage URL instead of stdout")
	fs.StringVar(&mo.format, "format", "", "jsonl or csv (default: the files' extension)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: predict merge [--output OUT] SHARD-OUTPUT...\n\n"+
			"SHARD-OUTPUT: the --output of each --shard I/N run (files or storage URLs; a URL ending in / for\n"+
			"all of them under a prefix), named with their index (out-0.jsonl ... out-7.jsonl) in any order.\n"+
			"Exit status: 0 merged, 2 a shard is missing or incomplete, 75 storage unavailable.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

func merge(ctx context.Context, store *storage.Store, args []string, format, output string, stdout io.Writer) (int, error) {
	failed := func(err error) (int, error) { return failureCode(err), err }
	shards, err := shardOutputs(ctx, store, args)
	if err != nil {
		return failed(err)
	}
	if format == "" {
		if format, err = extFormat(shards); err != nil {
			return failed(err)
		}
	}
	if format != "jsonl" && format != "csv" {
		return failed(fmt.Errorf("--format %q: want jsonl or csv", format))
	}
	var dst io.Writer = stdout
	var out *outputFile
	if output != "" {
		// Made durable once, at the end.
		if out, err = openOutput(ctx, store, output, false, 1<<62); err != nil {
			return failed(fmt.Errorf("--output: %w", err))
		}
		defer out.f.Close()
		dst = out
	}
	if format == "csv" {
		if _, err := io.WriteString(dst, csvHeader); err != nil {
			return failed(err)
		}
	}
	for _, sh := range shards {
		f, size, err := sh.open(ctx, store)
		if err != nil {
			return failed(err)
		}
		w, err := scanOutput(f, size, format)
		if err == nil && (w.end != size || format == "csv" && w.header == 0) {
			err = fmt.Errorf("incomplete after %d bytes of %d: that shard's run did not finish (rerun it with --resume)", w.end, size)
		}
		if err == nil {
			_, err = io.Copy(dst, io.NewSectionReader(f, w.header, size-w.header))
		}
		f.Close()
		if err != nil {
			return failed(fmt.Errorf("%s: %w", sh.name, err))
		}
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return exitRetry, fmt.Errorf("--output: %w", err)
		}
	}
	return exitOK, nil
}

// shardOutput is one shard's output file or object.
type shardOutput struct {
	name  string
	index int
	obj   *storage.Object
}

// open gives the shard's bytes as a file: itself, or the object
// downloaded to an unnamed temporary file.
func (s shardOutput) open(ctx context.Context, store *storage.Store) (*os.File, int64, error) {
	var f *os.File
	var err error
	if s.obj == nil {
		f, err = os.Open(s.name)
	} else if f, err = scratchFile(); err == nil {
		err = store.Download(ctx, *s.obj, f)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// shardIndex is the last number in a file name: out-3.jsonl, part-0007.csv.
var shardIndex = regexp.MustCompile(`(\d+)\D*$`)

// shardOutputs lists the shard outputs the arguments name, in shard
// order. Their indices must be 0 to N-1, each once, so that a missing
// shard is noticed rather than merged around.
func shardOutputs(ctx context.Context, store *storage.Store, args []string) ([]shardOutput, error) {
	var out []shardOutput
	add := func(name string, obj *storage.Object) error {
		m := shardIndex.FindStringSubmatch(path.Base(name))
		if m == nil {
			return fmt.Errorf("%s: no shard index in its name (name the outputs out-$%s.jsonl)", name, jobIndexEnv)
		}
		i, err := strconv.Atoi(m[1])
		if err != nil {
			return fmt.Errorf("%s: shard index %s: %w", name, m[1], err)
		}
		out = append(out, shardOutput{name: name, index: i, obj: obj})
		return nil
	}
	for _, a := range args {
		switch {
		case storage.IsPrefix(a):
			objs, err := store.List(ctx, a, func(key string) bool {
				return strings.HasSuffix(key, ".jsonl") || strings.HasSuffix(key, ".csv")
			})
			if err != nil {
				return nil, err
			}
			for i := range objs {
				if err := add(objs[i].URL, &objs[i]); err != nil {
					return nil, err
				}
			}
		case storage.IsURL(a):
			o, err := store.Object(ctx, a)
			if err != nil {
				return nil, err
			}
			if err := add(o.URL, &o); err != nil {
				return nil, err
			}
		default:
			if err := add(a, nil); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no shard outputs")
	}
	slices.SortStableFunc(out, func(a, b shardOutput) int { return a.index - b.index })
	for i, s := range out {
		switch {
		case s.index == i:
		case i > 0 && s.index == out[i-1].index:
			return nil, fmt.Errorf("%s and %s: both shard %d", out[i-1].name, s.name, s.index)
		default:
			return nil, fmt.Errorf("shard %d is missing (the outputs' indices must run from 0 to N-1)", i)
		}
	}
	return out, nil
}

// extFormat is the shards' format from their extension, all alike.
func extFormat(shards []shardOutput) (string, error) {
	format := ""
	for _, s := range shards {
		f := strings.TrimPrefix(path.Ext(s.name), ".")
		if f != "jsonl" && f != "csv" {
			return "", fmt.Errorf("%s: neither .jsonl nor .csv (say --format)", s.name)
		}
		if format != "" && f != format {
			return "", fmt.Errorf("%s: a .%s among .%s files", s.name, f, format)
		}
		format = f
	}
	return format, nil
}
