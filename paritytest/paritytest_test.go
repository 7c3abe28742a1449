package paritytest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const golden = `{"path": "a.jpg", "top": [{"index": 1, "label": "b", "prob": 0.6}, {"index": 0, "label": "a", "prob": 0.4}], "logits": [0.1, 0.5]}
{"path": "bad.jpg", "error": "UnidentifiedImageError: cannot identify image file"}
{"path": "a.jpg", "top": [{"index": 0, "label": "a", "prob": 0.7}], "logits": [1.25, -3e-8]}
`

func TestReadParsesFloat32FromDecimal(t *testing.T) {
	rs, err := Read(strings.NewReader(golden))
	require.NoError(t, err)
	require.Len(t, rs, 3)
	assert.Equal(t, []float32{0.1, 0.5}, rs[0].Logits)
	assert.Equal(t, []int{1, 0}, rs[0].Top)
	assert.Equal(t, "UnidentifiedImageError: cannot identify image file", rs[1].Error)
	assert.Equal(t, float32(-3e-8), rs[2].Logits[1])
	_, err = Read(strings.NewReader("{\"path\": \"x\", \"logits\": [1e99]}\n"))
	assert.Error(t, err, "out of float32 range")
}

func TestCompareVerdicts(t *testing.T) {
	want, err := Read(strings.NewReader(golden))
	require.NoError(t, err)
	same := func() []Result {
		out := make([]Result, len(want))
		for i, r := range want {
			r.Logits = append([]float32(nil), r.Logits...)
			out[i] = r
		}
		return out
	}

	r := Compare(want, same(), 0)
	assert.True(t, r.OK())
	assert.Equal(t, 2, r.Counts[Identical])
	assert.Equal(t, 1, r.Counts[BothFailed])
	assert.Equal(t, "3 inputs: 2 bit-identical, 1 both failed", r.Summary())

	// One ULP on the second "a.jpg" (paired with the second, not the first).
	got := same()
	got[2].Logits[0] = math.Nextafter32(got[2].Logits[0], 2)
	r = Compare(want, got, 0)
	assert.False(t, r.OK())
	assert.Equal(t, Differ, r.Diffs[2].Verdict)
	assert.Equal(t, uint32(1), r.Diffs[2].MaxULP)
	assert.True(t, r.Diffs[2].Top1)
	assert.Equal(t, Identical, r.Diffs[0].Verdict)
	assert.True(t, Compare(want, got, 1).OK(), "--max-ulp 1")
	assert.Equal(t, WithinULP, Compare(want, got, 1).Diffs[2].Verdict)

	// A refusal on one side only, a missing input, a changed top-1.
	got = same()
	got[1] = Result{Path: "bad.jpg", Logits: []float32{0, 1}}
	got[0].Logits = []float32{0.5, 0.1}
	got = got[:2]
	r = Compare(want, got, 1<<20)
	assert.Equal(t, OneFailed, r.Diffs[1].Verdict)
	assert.Equal(t, Missing, r.Diffs[2].Verdict)
	assert.False(t, r.Diffs[0].Top1)
	assert.False(t, r.OK())

	// Without logits the top classes are compared, and named when they differ.
	noLogits := []Result{{Path: "a", Top: []int{3, 1}, Probs: []float32{0.6, 0.3}}}
	other := []Result{{Path: "a", Top: []int{3, 2}, Probs: []float32{0.6, 0.3}}}
	d := Compare(noLogits, other, 0).Diffs[0]
	assert.Equal(t, Differ, d.Verdict)
	assert.Equal(t, "a: differ: top classes [3 1] / [3 2]", d.Describe())
}

func TestULPs(t *testing.T) {
	assert.Equal(t, uint32(0), ulps(1, 1))
	assert.Equal(t, uint32(1), ulps(0, float32(math.Copysign(0, -1))))
	assert.Equal(t, uint32(3), ulps(math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32), "-tiny, -0, +0, +tiny")
	assert.Equal(t, uint32(1), ulps(1, math.Nextafter32(1, 2)))
}

// Equal reports each input that differs through t.
func TestEqualFailsNamingTheInput(t *testing.T) {
	want, err := Read(strings.NewReader(golden))
	require.NoError(t, err)
	got := []Result{want[0], want[1]}
	rec := &recorder{TB: t}
	Equal(rec, want, got)
	assert.Contains(t, strings.Join(rec.errors, "\n"), "a.jpg: missing")
}

type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, strings.TrimSpace(sprintf(format, args...)))
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
