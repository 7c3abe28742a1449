package decode

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// unsupportedVariant: a documented variant of a format that is otherwise
// decoded exactly, refused as Unsupported (docs/PARITY.md). Any other
// Pillow-readable file must decode to Pillow's pixels, so a format silently
// dropping to "unsupported" fails.
func unsupportedVariant(format string, data []byte, err error) bool {
	switch format {
	case "TIFF": // YCbCr outside JPEG, old-style JPEG, float/signed samples, fill order 2, ... (see decode/tiff.go)
		return strings.HasPrefix(err.Error(), "unsupported TIFF")
	case "ICNS": // JPEG 2000 entries (decode/icns.go)
		return strings.HasPrefix(err.Error(), "unsupported ICNS entry")
	}
	return false
}

var (
	corpusOnce sync.Once
	corpusDir  string
	corpusErr  error
)

// corpus generates the issue-3 corpus with scripts/make_corpus.py once per
// test binary (into a private temporary directory, so concurrent test
// packages never share one), or uses $PREDICT_CORPUS when set.
func corpus(t *testing.T) (string, []string) {
	t.Helper()
	py := testenv.Python(t)
	corpusOnce.Do(func() {
		if d := os.Getenv("PREDICT_CORPUS"); d != "" {
			corpusDir = d
			return
		}
		d, err := os.MkdirTemp("", "predict-corpus-")
		if err != nil {
			corpusErr = err
			return
		}
		corpusDir = filepath.Join(d, "corpus")
		out, err := exec.Command(py, testenv.Path("scripts", "make_corpus.py"), corpusDir).CombinedOutput()
		if err != nil {
			corpusErr = fmt.Errorf("make_corpus.py: %v\n%s", err, out)
		}
	})
	require.NoError(t, corpusErr)
	entries, err := os.ReadDir(corpusDir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	require.Greater(t, len(names), 100, "corpus in %s looks incomplete", corpusDir)
	return corpusDir, names
}

func TestMain(m *testing.M) {
	code := m.Run()
	if corpusDir != "" && os.Getenv("PREDICT_CORPUS") == "" {
		os.RemoveAll(filepath.Dir(corpusDir))
	}
	os.Exit(code)
}

type oracleDecode struct {
	W, H   int
	Format string `json:"format"`
	Mode   string `json:"mode"`
	SHA256 string `json:"sha256"`
	Pixels string `json:"pixels_b64"`
	Error  string `json:"error"`
}

type decodeReq struct {
	Op            string `json:"op"`
	Path          string `json:"path"`
	Digest        bool   `json:"digest,omitempty"`
	EXIFTranspose bool   `json:"exif_transpose,omitempty"`
	Pillow        string `json:"pillow,omitempty"`
}

func oracleBatch(t *testing.T, reqs []decodeReq) []oracleDecode {
	t.Helper()
	var reply struct {
		Results []oracleDecode `json:"results"`
	}
	testenv.Oracle(t, struct {
		Op       string      `json:"op"`
		Requests []decodeReq `json:"requests"`
	}{"batch", reqs}, &reply)
	require.Len(t, reply.Results, len(reqs))
	return reply.Results
}

// TestCorpusMatchesPillow is decode's parity with Pillow: for every corpus
// file Pillow reads, the RGB equals Image.open(p).convert("RGB") byte
// for byte; for every file Pillow refuses, we refuse it too, with a typed
// error and a readable message.
func TestCorpusMatchesPillow(t *testing.T) {
	dir, names := corpus(t)
	reqs := make([]decodeReq, len(names))
	for i, n := range names {
		reqs[i] = decodeReq{Op: "decode", Path: filepath.Join(dir, n), Digest: true}
	}
	want := oracleBatch(t, reqs)
	var pillowOK, exact, refusedBoth, unsupported int
	for i, name := range names {
		w := want[i]
		path := reqs[i].Path
		st, err := os.Stat(path)
		require.NoError(t, err)
		if st.IsDir() {
			assert.NotEmpty(t, w.Error, "%s: Pillow opened a directory?", name)
			refusedBoth++
			continue
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		img, err := Bytes(data, Limits{})
		if w.Error != "" {
			if assert.Error(t, err, "%s: Pillow refuses it (%s) but we decoded it", name, w.Error) {
				assert.NotZero(t, KindOf(err), "%s: untyped error %v", name, err)
				refusedBoth++
			}
			continue
		}
		pillowOK++
		if err != nil {
			if KindOf(err) == Unsupported && unsupportedVariant(w.Format, data, err) {
				t.Logf("%s: documented unsupported variant: %v", name, err)
				unsupported++
				continue
			}
			t.Errorf("%s: Pillow reads it (%s %s %dx%d) but we fail: %v [%v]", name, w.Format, w.Mode, w.W, w.H, err, KindOf(err))
			continue
		}
		sum := sha256.Sum256(img.Pix)
		if img.W != w.W || img.H != w.H {
			t.Errorf("%s: size %dx%d, Pillow %dx%d", name, img.W, img.H, w.W, w.H)
			continue
		}
		if hex.EncodeToString(sum[:]) != w.SHA256 {
			t.Errorf("%s (%s %s %dx%d): pixels differ from Pillow: %s", name, w.Format, w.Mode, w.W, w.H,
				describeDiff(t, path, img.Pix))
			continue
		}
		checkConfig(t, name, data, w)
		exact++
	}
	t.Logf("corpus %s: %d files; Pillow reads %d: %d exact, %d refused as unsupported (documented); %d refused by both",
		dir, len(names), pillowOK, exact, unsupported, refusedBoth)
}

// describeDiff fetches Pillow's full pixels for one file and summarises
// how ours differ.
func describeDiff(t *testing.T, path string, got []byte) string {
	r := oracleBatch(t, []decodeReq{{Op: "decode", Path: path}})[0]
	want, _ := base64.StdEncoding.DecodeString(r.Pixels)
	if len(want) != len(got) {
		return fmt.Sprintf("%d bytes, Pillow %d", len(got), len(want))
	}
	n, maxd, first := 0, 0, -1
	for i := range want {
		d := int(want[i]) - int(got[i])
		if d < 0 {
			d = -d
		}
		if d > 0 {
			if first < 0 {
				first = i
			}
			n++
			maxd = max(maxd, d)
		}
	}
	return fmt.Sprintf("%d of %d samples differ, max %d, first at byte %d (ours %v, Pillow %v)",
		n, len(want), maxd, first, got[first:min(first+6, len(got))], want[first:min(first+6, len(want))])
}

// TestPillowReleasesMatchEmulatedPillow is --pillow's parity: for each
// release, every corpus file read as Pillow 9.4 patched to follow that
// release's rules reads it (scripts/pillow_rules.py), byte for byte, or
// refused where it refuses. scripts/parity-matrix.sh compares a real
// Pillow 11.1.
func TestPillowReleasesMatchEmulatedPillow(t *testing.T) {
	dir, names := corpus(t)
	for _, v := range []string{"10.4", "11.0", "debian13"} {
		t.Run(v, func(t *testing.T) {
			p, err := ParsePillow(v)
			require.NoError(t, err)
			var reqs []decodeReq
			var files []string
			for _, n := range names {
				if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
					reqs = append(reqs, decodeReq{Op: "decode", Path: filepath.Join(dir, n), Digest: true, Pillow: v})
					files = append(files, n)
				}
			}
			want := oracleBatch(t, reqs)
			changed := 0
			for i, name := range files {
				data, err := os.ReadFile(reqs[i].Path)
				require.NoError(t, err)
				img, err := BytesWith(data, Options{Pillow: p})
				old, oldErr := Bytes(data, Limits{})
				if (err == nil) != (oldErr == nil) || err == nil && !bytes.Equal(img.Pix, old.Pix) {
					changed++
				}
				w := want[i]
				switch {
				case w.Error != "":
					assert.Error(t, err, "%s: Pillow %s refuses it (%s)", name, v, w.Error)
				case err != nil:
					if KindOf(err) != Unsupported || !unsupportedVariant(w.Format, data, err) {
						t.Errorf("%s: Pillow %s reads it, we fail: %v", name, v, err)
					}
				default:
					sum := sha256.Sum256(img.Pix)
					assert.Equal(t, w.SHA256, hex.EncodeToString(sum[:]), "%s: pixels differ from Pillow %s's", name, v)
				}
			}
			t.Logf("Pillow %s: %d files, %d read or refused otherwise than by 9.4", v, len(files), changed)
			assert.Greater(t, changed, 10, "the corpus exercises this release's rules")
		})
	}
}

// Every refusal reads as a sentence naming the problem, not a Go type dump.
func TestCorpusErrorsAreReadable(t *testing.T) {
	dir, names := corpus(t)
	for _, name := range names {
		if !strings.HasPrefix(name, "bad-") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue // the directory
		}
		_, err = Bytes(data, Limits{})
		if !assert.Error(t, err, name) {
			continue
		}
		msg := err.Error()
		assert.NotContains(t, msg, "%!", name)
		assert.NotContains(t, msg, "*decode.", name)
		assert.Regexp(t, `^(empty file|not an image|truncated |invalid |image is \d+x\d+|unsupported |animated )`, msg, name)
	}
}

// checkConfig: the header Config reads names Pillow's format and mode (or
// none) and the image's size (a TIFF's before its orientation).
func checkConfig(t *testing.T, name string, data []byte, w oracleDecode) {
	t.Helper()
	h, err := Config(data)
	if !assert.NoError(t, err, "%s: Config", name) {
		return
	}
	assert.True(t, strings.EqualFold(h.Format, w.Format) || w.Format == "MPO" && h.Format == "JPEG",
		"%s: Config format %s, Pillow %s", name, h.Format, w.Format)
	size := [2]int{h.Width, h.Height}
	if size != [2]int{w.W, w.H} && !(h.Format == "TIFF" && size == [2]int{w.H, w.W}) {
		t.Errorf("%s: Config size %dx%d, Pillow %dx%d", name, h.Width, h.Height, w.W, w.H)
	}
	if h.Mode != "" && h.Mode != w.Mode {
		t.Errorf("%s: Config mode %s, Pillow %s", name, h.Mode, w.Mode)
	}
	assert.GreaterOrEqual(t, h.PeakBytes(), int64(3*w.W*w.H), name)
}
