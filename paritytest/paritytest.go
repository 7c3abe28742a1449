// Package paritytest compares classification results with golden ones,
// float32 bit for bit: the results of predict or of a Go service that
// embeds predictor against what the user's Python gave for the same files
// (scripts/reference.py --logits writes such a golden jsonl).
//
// In a test:
//
//	golden := paritytest.ReadFile(t, "testdata/golden.jsonl")
//	paritytest.Equal(t, golden, paritytest.FromPredictor(results))
//
// `predict compare A.jsonl B.jsonl` is the same comparison on the command
// line.
package paritytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/torchgo/predict/predictor"
)

// Result is one input's line of a jsonl result file: its path, then its
// logits (when written with --logits), its top classes, or its error.
type Result struct {
	Path   string
	Logits []float32
	Top    []int // class indices, most probable first
	Probs  []float32
	Error  string
}

type line struct {
	Path   string        `json:"path"`
	Logits []json.Number `json:"logits"`
	Top    []struct {
		Index int         `json:"index"`
		Prob  json.Number `json:"prob"`
	} `json:"top"`
	Error string `json:"error"`
}

// Read parses a jsonl result file as predict --format jsonl and
// scripts/reference.py write it. Numbers are read as float32 directly
// from their decimal form, as numpy wrote them.
func Read(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var l line
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		res := Result{Path: l.Path, Error: l.Error}
		for _, v := range l.Logits {
			f, err := float32Of(v)
			if err != nil {
				return nil, fmt.Errorf("line %d (%s): logit %q: %w", n, l.Path, v, err)
			}
			res.Logits = append(res.Logits, f)
		}
		for _, c := range l.Top {
			f, err := float32Of(c.Prob)
			if err != nil {
				return nil, fmt.Errorf("line %d (%s): prob %q: %w", n, l.Path, c.Prob, err)
			}
			res.Top = append(res.Top, c.Index)
			res.Probs = append(res.Probs, f)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

func float32Of(n json.Number) (float32, error) {
	f, err := strconv.ParseFloat(string(n), 32)
	return float32(f), err
}

// ReadFile is Read of a file, failing t on an error.
func ReadFile(t testing.TB, path string) []Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("paritytest: %v", err)
	}
	defer f.Close()
	rs, err := Read(f)
	if err != nil {
		t.Fatalf("paritytest: %s: %v", path, err)
	}
	return rs
}

// FromPredictor turns predictor results into Results (Logits only where
// the predictor kept them, WithLogits(true)).
func FromPredictor(rs []predictor.Result) []Result {
	out := make([]Result, len(rs))
	for i, r := range rs {
		out[i] = Result{Path: r.Path, Logits: r.Logits}
		for _, c := range r.Top {
			out[i].Top = append(out[i].Top, c.Index)
			out[i].Probs = append(out[i].Probs, c.Prob)
		}
		if r.Err != nil {
			out[i].Error = r.Err.Error()
		}
	}
	return out
}

// Verdict is how two results for one input compare.
type Verdict int

const (
	Identical    Verdict = iota // every logit (or every top class and probability) has the same bits
	WithinULP                   // every logit within the allowed ULP distance
	Differ                      // values differ beyond that
	BothFailed                  // both sides report an error for the input
	OneFailed                   // one side has an error, the other a result
	Missing                     // the input is on one side only
	Incomparable                // one side has logits, the other not, or different class counts
)

func (v Verdict) String() string {
	return [...]string{"bit-identical", "within ULP", "differ", "both failed", "one failed", "missing", "incomparable"}[v]
}

// Agrees reports whether the verdict counts as parity.
func (v Verdict) Agrees() bool { return v == Identical || v == WithinULP || v == BothFailed }

// Diff is the comparison of one input.
type Diff struct {
	Path    string
	Verdict Verdict
	MaxAbs  float64 // largest |a-b| over the logits (or probabilities)
	MaxULP  uint32  // largest distance in float32 steps
	Top1    bool    // both rank the same class first
	Detail  string  // for OneFailed, Missing and Incomparable: what is on each side
}

// Report is the comparison of two result lists.
type Report struct {
	Diffs  []Diff
	Counts map[Verdict]int
	Top1   int // inputs compared by value whose top-1 class agrees
}

// OK reports whether every input agrees.
func (r Report) OK() bool {
	for v, n := range r.Counts {
		if n > 0 && !v.Agrees() {
			return false
		}
	}
	return true
}

// Summary is one line: how many inputs, and how they compare.
func (r Report) Summary() string {
	s := fmt.Sprintf("%d inputs: %d bit-identical", len(r.Diffs), r.Counts[Identical])
	for _, v := range []Verdict{WithinULP, Differ, BothFailed, OneFailed, Missing, Incomparable} {
		if n := r.Counts[v]; n > 0 {
			s += fmt.Sprintf(", %d %s", n, v)
		}
	}
	if n := r.Counts[WithinULP] + r.Counts[Differ]; n > 0 {
		s += fmt.Sprintf("; top-1 agrees on %d of %d not identical", r.Top1, n)
	}
	return s
}

// Compare pairs want and got by path (the n-th occurrence of a path with
// the n-th) and compares each pair: logits when both have them, else the
// top classes and their probabilities. Logits up to maxULP float32 steps
// apart count as WithinULP (0: only identical bits agree).
func Compare(want, got []Result, maxULP uint32) Report {
	r := Report{Counts: map[Verdict]int{}}
	type key struct {
		path string
		n    int
	}
	seen := map[string]int{}
	gotAt := map[key]int{}
	for i, g := range got {
		gotAt[key{g.Path, seen[g.Path]}] = i
		seen[g.Path]++
	}
	clear(seen)
	used := make([]bool, len(got))
	add := func(d Diff) {
		r.Diffs = append(r.Diffs, d)
		r.Counts[d.Verdict]++
		if (d.Verdict == WithinULP || d.Verdict == Differ) && d.Top1 {
			r.Top1++
		}
	}
	for _, w := range want {
		k := key{w.Path, seen[w.Path]}
		seen[w.Path]++
		i, ok := gotAt[k]
		if !ok {
			add(Diff{Path: w.Path, Verdict: Missing, Detail: "only in the first"})
			continue
		}
		used[i] = true
		add(compareOne(w, got[i], maxULP))
	}
	for i, g := range got {
		if !used[i] {
			add(Diff{Path: g.Path, Verdict: Missing, Detail: "only in the second"})
		}
	}
	return r
}

func compareOne(a, b Result, maxULP uint32) Diff {
	d := Diff{Path: a.Path}
	switch {
	case a.Error != "" && b.Error != "":
		d.Verdict = BothFailed
		return d
	case a.Error != "" || b.Error != "":
		d.Verdict, d.Detail = OneFailed, fmt.Sprintf("%q / %q", a.Error, b.Error)
		return d
	}
	x, y := a.Logits, b.Logits
	if x == nil && y == nil { // no logits: the top classes and probabilities
		if !slices.Equal(a.Top, b.Top) {
			d.Verdict, d.Detail = Differ, fmt.Sprintf("top classes %v / %v", a.Top, b.Top)
			d.Top1 = len(a.Top) > 0 && len(b.Top) > 0 && a.Top[0] == b.Top[0]
			return d
		}
		x, y = a.Probs, b.Probs
	}
	if len(x) != len(y) || len(x) == 0 {
		d.Verdict, d.Detail = Incomparable, fmt.Sprintf("%d / %d values", len(x), len(y))
		return d
	}
	for i := range x {
		d.MaxAbs = max(d.MaxAbs, math.Abs(float64(x[i])-float64(y[i])))
		d.MaxULP = max(d.MaxULP, ulps(x[i], y[i]))
	}
	d.Top1 = argmax(x) == argmax(y)
	if a.Logits == nil && len(a.Top) > 0 {
		d.Top1 = a.Top[0] == b.Top[0]
	}
	switch {
	case d.MaxULP == 0:
		d.Verdict = Identical
	case d.MaxULP <= maxULP:
		d.Verdict = WithinULP
	default:
		d.Verdict = Differ
	}
	return d
}

// ulps is the number of float32 values between a and b (0 for the same
// bits; +0 and -0 are one apart, NaNs as far as their bits say).
func ulps(a, b float32) uint32 {
	ord := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&0x80000000 != 0 {
			return 0x80000000 - u // negatives below +0, -0 just below it
		}
		return u + 1
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return uint32(min(d, math.MaxUint32))
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Equal fails t unless got agrees with want input by input, bit for bit
// (Compare with maxULP 0), naming each input that does not.
func Equal(t testing.TB, want, got []Result) {
	t.Helper()
	Within(t, want, got, 0)
}

// Within is Equal allowing logits maxULP float32 steps apart, for results
// from another device or LibTorch build.
func Within(t testing.TB, want, got []Result, maxULP uint32) {
	t.Helper()
	r := Compare(want, got, maxULP)
	if r.OK() {
		return
	}
	for _, d := range r.Diffs {
		if !d.Verdict.Agrees() {
			t.Errorf("paritytest: %s: %s%s", d.Path, d.Verdict, describe(d))
		}
	}
	t.Errorf("paritytest: %s", r.Summary())
}

func describe(d Diff) string {
	switch {
	case d.Detail != "":
		return ": " + d.Detail
	case d.Verdict == WithinULP || d.Verdict == Differ:
		return fmt.Sprintf(" (max |Δ| %g, %d ULP, top-1 %s)", d.MaxAbs, d.MaxULP, map[bool]string{true: "agrees", false: "differs"}[d.Top1])
	}
	return ""
}

// Describe is how `predict compare` prints one input's difference.
func (d Diff) Describe() string { return d.Path + ": " + d.Verdict.String() + describe(d) }
