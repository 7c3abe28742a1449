package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// TestCorpusMatchesReference is parity end to end: one predict run over the whole generated corpus (every format and
// variant, edge sizes, bad files) gives, for every file Pillow reads,
// bit-identical logits to scripts/reference.py, and an error for every
// file Pillow refuses, with the partial-failure exit code. Both presets.
func TestCorpusMatchesReference(t *testing.T) {
	model := testenv.Model(t)
	py := testenv.Python(t)
	dir := os.Getenv("PREDICT_CORPUS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "corpus")
		out, err := exec.Command(py, testenv.Path("scripts", "make_corpus.py"), dir).CombinedOutput()
		require.NoError(t, err, "make_corpus.py: %s", out)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var paths []string
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	sort.Strings(paths)
	paths = append(paths, filepath.Join(dir, "missing.jpg"))
	require.Greater(t, len(paths), 100)

	for _, preset := range []string{"resize224", "imagenet"} {
		t.Run(preset, func(t *testing.T) {
			args := append([]string{"--model", model, "--preset", preset, "--logits", "--"}, paths...)
			want := testenv.Reference(t, args...)
			code, out, stderr := predict(t, "", append([]string{"--format", "jsonl", "--device", "cpu"}, args...)...)
			assert.Equal(t, exitPartial, code, stderr)
			got := testenv.ParseJSONL(t, []byte(out))
			require.Equal(t, len(want), len(got))

			var compared, refusedBoth, documented int
			for i := range want {
				w, g := want[i], got[i]
				require.Equal(t, w.Path, g.Path)
				switch {
				case w.Error != "" && g.Error != "":
					refusedBoth++
				case w.Error == "" && strings.HasPrefix(g.Error, "unsupported ICNS entry"):
					documented++ // JPEG 2000 in an ICNS (docs/PARITY.md)
				default:
					assertSameAsReference(t, []testenv.Line{g}, []testenv.Line{w})
					compared++
				}
			}
			t.Logf("%s: %d bit-identical, %d refused by both, %d refused as unsupported (documented)", preset, compared, refusedBoth, documented)
			assert.Greater(t, compared, 150)
		})
	}
}
