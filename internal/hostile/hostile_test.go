package hostile

import (
	"bytes"
	"compress/zlib"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The zero stream inflates to exactly n zeros and its checksum holds, at
// sizes below, at and above the repeated block.
func TestZlibZeros(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 1 << 20, 2<<20 + 1, 5<<20 + 12345} {
		r, err := zlib.NewReader(bytes.NewReader(zlibZeros(n)))
		require.NoError(t, err)
		var got int64
		buf := make([]byte, 1<<16)
		for {
			k, err := r.Read(buf)
			require.Equal(t, k, bytes.Count(buf[:k], []byte{0}), "not all zeros")
			got += int64(k)
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "n=%d", n) // includes the Adler-32 check
		}
		assert.Equal(t, n, got)
	}
}

// A bomb is a valid PNG that image/png reads too, and small.
func TestPNGBomb(t *testing.T) {
	b := PNGBomb(3000, 2000)
	assert.Less(t, len(b), 3000*2000/500)
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, [2]int{3000, 2000}, [2]int{cfg.Width, cfg.Height})
	m, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 3000, m.Bounds().Dx())
	assert.Less(t, len(PNGBomb(10000, 10000)), 120_000)
}

// TestWriteBenchFiles writes scripts/bench.sh's hostile inputs into
// $PREDICT_HOSTILE_OUT; without it, it does nothing.
func TestWriteBenchFiles(t *testing.T) {
	dir := os.Getenv("PREDICT_HOSTILE_OUT")
	if dir == "" {
		t.Skip("PREDICT_HOSTILE_OUT not set")
	}
	for name, data := range map[string][]byte{
		"zz-tall-1.png": PNGBomb(1, 65535), "zz-tall-2.png": PNGBomb(1, 65535),
		"zz-wide-1.png": PNGBomb(65535, 1), "zz-wide-2.png": PNGBomb(65535, 1),
		"zz-bomb-1.png": PNGBomb(10000, 10000), "zz-bomb-2.png": PNGBomb(10000, 10000),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
}
