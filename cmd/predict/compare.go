package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/torchgo/predict/paritytest"
)

// runCompare is predict compare: two jsonl result files (predict's,
// scripts/reference.py's) compared input by input, bit for bit unless
// --max-ulp allows float32 steps. Exit 0 only when every input agrees.
func runCompare(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	maxULP := fs.Uint("max-ulp", 0, "logits this many float32 steps apart still agree (across devices or LibTorch builds); 0: identical bits only")
	all := fs.Bool("all", false, "print every input, not only those that do not agree")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: predict compare [--max-ulp N] [--all] A.jsonl B.jsonl\n\n"+
			"Compares two result files (predict --format jsonl, scripts/reference.py) input by input, by path:\n"+
			"the logits when both have them (--logits), else the top classes and probabilities. Prints each input\n"+
			"that does not agree (max |Δ|, ULP distance, top-1 agreement) and one summary line.\n"+
			"Exit status: 0 every input agrees, 1 some do not, 2 a file cannot be read.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, err := parseArgs(fs, args)
	if err != nil {
		return parseFailed(err)
	}
	if len(files) != 2 {
		fs.Usage()
		return exitFatal
	}
	var sides [2][]paritytest.Result
	for i, name := range files {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "predict compare: %v\n", err)
			return exitFatal
		}
		sides[i], err = paritytest.Read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "predict compare: %s: %v\n", name, err)
			return exitFatal
		}
	}
	r := paritytest.Compare(sides[0], sides[1], uint32(min(*maxULP, 1<<32-1)))
	for _, d := range r.Diffs {
		if *all || !d.Verdict.Agrees() {
			fmt.Fprintln(stdout, d.Describe())
		}
	}
	fmt.Fprintln(stdout, r.Summary())
	if !r.OK() {
		return exitPartial
	}
	return exitOK
}
