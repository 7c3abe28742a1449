package server

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJSONImages reads the shapes of data a client may send: the flat
// array the fast path takes and those it leaves to encoding/json must
// give the same images, and the same refusals.
func TestJSONImages(t *testing.T) {
	for _, tc := range []struct {
		data string
		n    int
		want []string
	}{
		{`["aGVsbG8=","d29ybGQ="]`, 2, []string{"hello", "world"}},
		{` [ "aGVsbG8=" , "d29ybGQ=" ] `, 2, []string{"hello", "world"}},
		{`["aGVsbG8"]`, 1, []string{"hello"}}, // unpadded
		{`[["aGVsbG8="],["d29ybGQ="]]`, 2, []string{"hello", "world"}},
		{`["Pz8\/"]`, 1, []string{"???"}}, // an escaped solidus
		{`["Pz8/"]`, 1, []string{"???"}},
		{`[""]`, 1, []string{""}},
		{`["aGVsbG8="]`, 2, nil}, // shape disagrees
		{`["aGVsbG8=","d29ybGQ="]`, 1, nil},
		{`["a!b="]`, 1, nil}, // not base64
		{`[1]`, 1, nil},
		{`"aGVsbG8="`, 1, []string{"hello"}}, // a lone string for shape [1]
		{``, 1, nil},
	} {
		got, f := jsonImages(json.RawMessage(tc.data), tc.n)
		if tc.want == nil {
			require.NotNil(t, f, "%s", tc.data)
			continue
		}
		require.Nil(t, f, "%s", tc.data)
		var s []string
		for _, b := range got {
			s = append(s, string(b))
		}
		require.Equal(t, tc.want, s, "%s", tc.data)
	}
}
