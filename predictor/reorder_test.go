package predictor

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReorder(t *testing.T) {
	var r reorder[string]
	var got [][]string
	for _, k := range []int{2, 0, 3, 1, 4} {
		got = append(got, slices.Collect(r.add(k, string(rune('a'+k)))))
	}
	assert.Equal(t, [][]string{nil, {"a"}, nil, {"b", "c", "d"}, {"e"}}, got)
}
