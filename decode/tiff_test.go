package decode

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// tiffVariants are tiny files of the TIFF variants beyond 8-bit chunky
// (written by scripts/make_corpus.py's TIFF helpers), under
// testdata/fuzz/FuzzTIFF/; w, h and last are Pillow 9.4's
// Image.open(p).convert("RGB") size and bottom-right pixel. The corpus test
// (TestCorpusMatchesPillow) compares every pixel of the full set.
var tiffVariants = []struct {
	name string
	w, h int
	last [3]byte
}{
	{"jpeg-ycbcr-420-strips", 20, 18, [3]byte{239, 253, 220}},
	{"jpeg-ycbcr-422-tiles-be", 20, 18, [3]byte{183, 183, 183}},
	{"jpeg-grey-notables", 20, 18, [3]byte{248, 248, 248}},
	{"l16-be-lzw-pred", 5, 3, [3]byte{255, 255, 255}},
	{"rgba16-assoc-deflate", 5, 3, [3]byte{255, 127, 84}},
	{"cmyk-orient6", 3, 5, [3]byte{0, 8, 8}},
	{"planar-rgb-lzw-pred", 5, 3, [3]byte{255, 255, 16}},
	{"l4-miniswhite", 5, 3, [3]byte{0, 0, 0}},
}

func tiffVariant(t testing.TB, name string) []byte {
	return readSeed(t, "testdata/fuzz/FuzzTIFF/"+name)
}

func TestTIFFVariants(t *testing.T) {
	for _, s := range tiffVariants {
		t.Run(s.name, func(t *testing.T) {
			m, err := decodeAs(openTIFF, tiffVariant(t, s.name), Limits{})
			require.NoError(t, err)
			require.NoError(t, m.Validate())
			assert.Equal(t, [2]int{s.w, s.h}, [2]int{m.W, m.H})
			i := (m.W*m.H - 1) * 3
			assert.Equal(t, s.last, [3]byte{m.Pix[i], m.Pix[i+1], m.Pix[i+2]})
		})
	}
}

// Damaged JPEG strips fail the way libtiff fails them, with a typed error;
// a strip or tile cut inside its byte count is not an error (libjpeg pads
// it), exactly as Pillow returns an image.
func TestTIFFJPEGDamage(t *testing.T) {
	seed := tiffVariant(t, "jpeg-ycbcr-420-strips")
	// Zero the entropy-coded data of both strips: warnings only.
	zeroed := append([]byte(nil), seed...)
	for i := 200; i < 400 && i < len(zeroed); i++ {
		zeroed[i] = 0
	}
	_, err := decodeAs(openTIFF, zeroed, Limits{})
	if err != nil {
		assert.NotZero(t, KindOf(err), "untyped error %v", err)
	}
	for n := 8; n < len(seed); n += 37 {
		_, err := decodeAs(openTIFF, seed[:n], Limits{})
		if err != nil {
			assert.NotZero(t, KindOf(err), "cut at %d: untyped error %v", n, err)
		}
	}
}

func FuzzTIFF(f *testing.F) { fuzzFormat(f, "TIFF") }

// A single Deflate strip holding all of a 13000×13000 RGB image (507 MB
// inflated) is within Pillow's limits, and reads as Pillow reads it.
func TestTIFFOneLargeDeflateStrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "large-strip.tif")
	out, err := exec.Command(testenv.Python(t), "testdata/large_strip_tiff.py", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	want := oracleBatch(t, []decodeReq{{Op: "decode", Path: path, Digest: true}})[0]
	require.Empty(t, want.Error, "Pillow reads it")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := Bytes(data, Limits{})
	require.NoError(t, err)
	require.Equal(t, [2]int{13000, 13000}, [2]int{img.W, img.H})
	sum := sha256.Sum256(img.Pix)
	assert.Equal(t, want.SHA256, hex.EncodeToString(sum[:]), "pixels equal Pillow's")
}
