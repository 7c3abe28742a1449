package decode

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/rgb"
)

// Fuzz targets: FuzzBytes (the whole open order, signatures and last
// resort) and one per reader, in that format's _test.go. A crash, a hang
// or an untyped error is a bug whatever the input. Seeds: the shipped test
// images and bad files of the reader's format, and the files under
// testdata/fuzz/FuzzX/ (Go's corpus format: hand-made files, and the
// inputs the fuzzer found slow or wrong, kept as regressions). The
// Makefile's fuzz target runs every Fuzz* of `go test -list`, e.g.
//
//	go test ./decode -run '^$' -fuzz '^FuzzBytes$' -fuzztime 10s

// fuzzLimits keeps fuzz-generated headers from asking for huge buffers.
var fuzzLimits = Limits{MaxPixels: 1 << 18}

// readSeed reads a "go test fuzz v1" file holding one []byte.
func readSeed(t testing.TB, path string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(raw))
	i := strings.Index(s, "[]byte(")
	if i < 0 || !strings.HasSuffix(s, ")") {
		t.Fatalf("%s: not a []byte seed", path)
	}
	v, err := strconv.Unquote(s[i+len("[]byte(") : len(s)-1])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(v)
}

// addShippedSeeds adds the shipped test images and bad files that match
// (all of them when match is nil).
func addShippedSeeds(f *testing.F, match func([]byte) bool) {
	for _, sub := range []string{"images", "bad"} {
		paths, _ := filepath.Glob(testenv.Path("testdata", sub, "*"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil || len(data) > 64<<10 {
				continue
			}
			if match == nil || match(data) {
				f.Add(data)
			}
		}
	}
}

// checkResult fails on an untyped or empty error, or an invalid image.
func checkResult(t *testing.T, img *rgb.Image, err error) {
	if err != nil {
		if KindOf(err) == 0 {
			t.Fatalf("untyped error %v", err)
		}
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	if verr := img.Validate(); verr != nil {
		t.Fatalf("decoded an invalid image: %v", verr)
	}
}

// FuzzBytes is seeded with every reader's seeds too.
func FuzzBytes(f *testing.F) {
	addShippedSeeds(f, nil)
	dirs, _ := filepath.Glob("testdata/fuzz/Fuzz*")
	for _, dir := range dirs {
		if filepath.Base(dir) == "FuzzBytes" {
			continue // go test adds its own
		}
		paths, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range paths {
			f.Add(readSeed(f, p))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Bytes(data, fuzzLimits)
		checkResult(t, img, err)
	})
}

// formatNamed is the entry of the format table for name.
func formatNamed(tb testing.TB, name string) format {
	for _, f := range formats {
		if f.name == name {
			return f
		}
	}
	tb.Fatalf("no format %q", name)
	return format{}
}

// decodeAs decodes data with one reader, as Bytes does once that reader's
// signature has matched (without the readers tried after it).
func decodeAs(open func([]byte, rules) (opened, error), data []byte, lim Limits) (*rgb.Image, error) {
	o, err := open(data, rules{})
	if err != nil {
		return nil, err
	}
	return load(o, budget{Limits: lim})
}

// fuzzFormat fuzzes the reader of a format on inputs its signature matches.
func fuzzFormat(f *testing.F, name string) {
	ft := formatNamed(f, name)
	fuzzReader(f, ft.match, ft.open)
}

func fuzzReader(f *testing.F, match func([]byte) bool, open func([]byte, rules) (opened, error)) {
	addShippedSeeds(f, match)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !match(data) {
			return
		}
		img, err := decodeAs(open, data, fuzzLimits)
		checkResult(t, img, err)
	})
}
