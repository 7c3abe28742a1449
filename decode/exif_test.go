package decode

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/rgb"
)

// TestEXIFTransposeMatchesPillow: for every corpus file Pillow reads,
// BytesWith(EXIFTranspose) equals ImageOps.exif_transpose + convert("RGB"),
// orientations 1–8 on JPEG, PNG (eXIf and text profiles), WebP (EXIF) and
// TIFF (turned twice, as Pillow does) included, and the gen-exifrule-*
// files on the way Pillow reads EXIF; what Pillow refuses (its
// exif_transpose raising included) we refuse too. Without the option
// nothing is rotated (TestCorpusMatchesPillow).
func TestEXIFTransposeMatchesPillow(t *testing.T) {
	dir, names := corpus(t)
	var reqs []decodeReq
	for _, n := range names {
		if strings.HasPrefix(n, "bad-") {
			continue
		}
		reqs = append(reqs, decodeReq{Op: "decode", Path: filepath.Join(dir, n), Digest: true, EXIFTranspose: true})
	}
	want := oracleBatch(t, reqs)
	rotated, refused := 0, 0
	for i, r := range reqs {
		w := want[i]
		st, err := os.Stat(r.Path)
		require.NoError(t, err)
		if st.IsDir() {
			continue
		}
		data, err := os.ReadFile(r.Path)
		require.NoError(t, err)
		img, err := BytesWith(data, Options{Limits: Limits{}, EXIFTranspose: true})
		if w.Error != "" {
			assert.Error(t, err, "%s: Pillow's exif_transpose fails (%s), we do not", filepath.Base(r.Path), w.Error)
			refused++
			continue
		}
		if KindOf(err) == Unsupported && unsupportedVariant(w.Format, data, err) {
			continue
		}
		if !assert.NoError(t, err, r.Path) {
			continue
		}
		if o := Orientation(data); o > 1 {
			rotated++
		}
		sum := sha256.Sum256(img.Pix)
		assert.Equal(t, [2]int{w.W, w.H}, [2]int{img.W, img.H}, r.Path)
		assert.Equal(t, w.SHA256, hex.EncodeToString(sum[:]), "%s: orientation %d", filepath.Base(r.Path), Orientation(data))
	}
	assert.GreaterOrEqual(t, rotated, 12, "orientations 2-8 (JPEG) + PNG (4 ways) + WebP + TIFF")
	t.Logf("%d files turned, %d refused by both", rotated, refused)
}

func rgbTestImage(w, h int) *rgb.Image {
	m := rgb.New(w, h)
	for i := range m.Pix {
		m.Pix[i] = byte(i)
	}
	return m
}

// Transpose keeps every pixel and swaps the sides for 5–8.
func TestTransposeShapes(t *testing.T) {
	m := rgbTestImage(3, 2)
	for o := 1; o <= 8; o++ {
		r := Transpose(m, o)
		if o >= 5 {
			assert.Equal(t, [2]int{2, 3}, [2]int{r.W, r.H}, o)
		} else {
			assert.Equal(t, [2]int{3, 2}, [2]int{r.W, r.H}, o)
		}
		assert.ElementsMatch(t, pixels(m), pixels(r), o)
	}
}

func pixels(m *rgb.Image) [][3]byte {
	var out [][3]byte
	for i := 0; i+2 < len(m.Pix); i += 3 {
		out = append(out, [3]byte{m.Pix[i], m.Pix[i+1], m.Pix[i+2]})
	}
	return out
}

// FuzzTranspose: EXIF parsing and transposition never fail or misbehave.
func FuzzTranspose(f *testing.F) {
	addShippedSeeds(f, formatNamed(f, "JPEG").match)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Orientation(data)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		m := Transpose(rgbTestImage(3, 2), o)
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
