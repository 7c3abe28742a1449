package decode

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/hostile"
	"github.com/torchgo/predict/internal/testenv"
)

// TestDecodeMatchesPillow compares every shipped image byte for byte with
// Image.open(p).convert("RGB").
func TestDecodeMatchesPillow(t *testing.T) {
	paths := testenv.Images(t)
	type req struct {
		Op   string `json:"op"`
		Path string `json:"path"`
	}
	batch := struct {
		Op       string `json:"op"`
		Requests []req  `json:"requests"`
	}{Op: "batch"}
	for _, p := range paths {
		batch.Requests = append(batch.Requests, req{"decode", p})
	}
	var reply struct {
		Results []struct {
			W, H   int
			Pixels string `json:"pixels_b64"`
			Error  string `json:"error"`
		} `json:"results"`
	}
	testenv.Oracle(t, batch, &reply)
	require.Len(t, reply.Results, len(paths))
	for i, p := range paths {
		r := reply.Results[i]
		require.Empty(t, r.Error, p)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		img, err := Bytes(data, Limits{})
		require.NoError(t, err, p)
		want, _ := base64.StdEncoding.DecodeString(r.Pixels)
		assert.Equal(t, [2]int{r.W, r.H}, [2]int{img.W, img.H}, p)
		assert.True(t, bytes.Equal(want, img.Pix), "%s: pixels differ from Pillow", filepath.Base(p))
	}
}

// The bad files Pillow refuses are refused here too, each with its kind.
func TestDecodeRefusesBadFiles(t *testing.T) {
	for name, kind := range map[string]Kind{
		"empty.jpg":          NotImage,
		"not-an-image.jpg":   NotImage,
		"header-only.jpg":    Corrupt,
		"truncated-scan.jpg": Truncated,
	} {
		data, err := os.ReadFile(testenv.Path("testdata", "bad", name))
		require.NoError(t, err)
		_, err = Bytes(data, Limits{})
		require.Error(t, err, name)
		assert.Equal(t, kind, KindOf(err), "%s: %v", name, err)
	}
}

func TestErrorsIsByKind(t *testing.T) {
	_, err := Bytes([]byte("hello"), Limits{})
	assert.ErrorIs(t, err, ErrNotImage)
	assert.NotErrorIs(t, err, ErrCorrupt)
}

func TestUnsupportedFormatsAreRefusedNotApproximated(t *testing.T) {
	var buf bytes.Buffer
	m := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White})
	require.NoError(t, gif.Encode(&buf, m, nil))
	_, err := Bytes(buf.Bytes(), Limits{})
	assert.NoError(t, err, "GIF decodes")
	_, err = Bytes([]byte("qoif\x00\x00\x00\x02\x00\x00\x00\x02\x03\x00"), Limits{})
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "QOI")
	assert.Equal(t, "WebP", Sniff([]byte("RIFF\x00\x00\x00\x00WEBPVP8 ")))

	// Other formats Pillow reads are named in the error, not "not an image".
	for format, head := range map[string]string{
		"SGI": "\x01\xda\x00\x01\x00\x03\x00\x05", "FTEX": "FTEX\x00\x00\x00\x00", "MSP": "DanM\x05\x00\x04\x00",
		"EPS": "%!PS-Adobe-3.0\n", "DDS": "DDS |\x00\x00\x00", "SUN": "\x59\xa6\x6a\x95\x00",
		"XVThumb": "P7 332\n", "PSD": "8BPS\x00\x01", "JPEG 2000": "\xff\x4f\xff\x51\x00",
	} {
		_, err := Bytes([]byte(head), Limits{})
		assert.ErrorIs(t, err, ErrUnsupported, format)
		assert.Contains(t, err.Error(), "unsupported format: "+format)
	}
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(body)))
	b.WriteString(typ)
	b.Write(body)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), body...)))
	return b.Bytes()
}

// A 40000×40000 PNG header in a tiny file is refused from the header,
// before any pixel buffer exists.
func TestDecompressionBombRefusedFromHeader(t *testing.T) {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 40000)
	binary.BigEndian.PutUint32(ihdr[4:], 40000)
	ihdr[8], ihdr[9] = 8, 2
	data := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	data = append(data, pngChunk("IDAT", []byte{0x78, 0x9c})...)
	start := time.Now()
	_, err := Bytes(data, Limits{})
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "40000x40000")
	assert.Less(t, time.Since(start), 5*time.Second)
}

// Pillow's PNG rules that image/png alone gets wrong (docs/parity-spec.md §1.2).
func TestPNGPillowRules(t *testing.T) {
	t.Run("16-bit grey clips", func(t *testing.T) {
		m := image.NewGray16(image.Rect(0, 0, 3, 1))
		m.SetGray16(0, 0, color.Gray16{Y: 100})
		m.SetGray16(1, 0, color.Gray16{Y: 255})
		m.SetGray16(2, 0, color.Gray16{Y: 256})
		got := decodeEncoded(t, m)
		assert.Equal(t, []uint8{100, 100, 100, 255, 255, 255, 255, 255, 255}, got)
	})
	t.Run("alpha dropped not composited", func(t *testing.T) {
		m := image.NewNRGBA(image.Rect(0, 0, 1, 1))
		m.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 0})
		assert.Equal(t, []uint8{200, 100, 50}, decodeEncoded(t, m))
	})
	t.Run("16-bit colour keeps high bytes", func(t *testing.T) {
		m := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
		m.SetNRGBA64(0, 0, color.NRGBA64{0x12ff, 0x3400, 0xfe01, 0x8000})
		assert.Equal(t, []uint8{0x12, 0x34, 0xfe}, decodeEncoded(t, m))
	})
	t.Run("index past a short palette reads grey", func(t *testing.T) {
		// Three entries: image/png writes 2-bit indices, so index 3 fits
		// the data but not the PLTE. Pillow 9.4 gives (3, 3, 3).
		pal := color.Palette{color.RGBA{9, 8, 7, 255}, color.RGBA{1, 1, 1, 255}, color.RGBA{2, 2, 2, 255}}
		m := image.NewPaletted(image.Rect(0, 0, 2, 1), pal)
		m.Pix[1] = 3
		assert.Equal(t, []uint8{9, 8, 7, 3, 3, 3}, decodeEncoded(t, m))
	})
}

func decodeEncoded(t *testing.T, m image.Image) []uint8 {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, m))
	img, err := Bytes(buf.Bytes(), Limits{})
	require.NoError(t, err)
	return img.Pix
}

// kindCase is a file that must be refused with a given Kind.
type kindCase struct {
	name string
	data []byte
	kind Kind
}

func assertKinds(t *testing.T, cases []kindCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Bytes(c.data, Limits{})
			require.Error(t, err)
			assert.Equal(t, c.kind, KindOf(err), "%v", err)
		})
	}
}

// BytesContext stops a decode soon after its context ends: a PNG that
// decodes for more than a second returns the context's error within a
// fraction of that; an already-cancelled context decodes nothing.
func TestBytesContextStops(t *testing.T) {
	bomb := hostile.PNGBomb(10000, 10000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	img, err := BytesContext(ctx, bomb, Options{})
	assert.Nil(t, img)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(t0), 500*time.Millisecond)

	done, stop := context.WithCancel(context.Background())
	stop()
	jpeg, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	require.NoError(t, err)
	_, err = BytesContext(done, jpeg, Options{})
	assert.ErrorIs(t, err, context.Canceled)
	img, err = BytesContext(context.Background(), jpeg, Options{})
	require.NoError(t, err)
	assert.Equal(t, 640, img.W)
}

// Headers asking for billions of pixels are refused from the header,
// before any pixel buffer exists, for every decoder; so are headers under
// the limit whose data cannot hold the pixels they declare.
func TestBombHeadersRefusedFast(t *testing.T) {
	gif := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\xff\xff\xff\xff\x00\x08\x02\x00\x00;")
	png := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", []byte{0, 0, 0x9c, 0x40, 0, 0, 0x9c, 0x40, 8, 2, 0, 0, 0})...)
	png = append(png, pngChunk("IDAT", []byte{0x78, 0x9c})...)
	for _, c := range []struct {
		name string
		data []byte
		kind Kind
	}{
		{"GIF", gif, TooLarge},
		{"PNG", png, TooLarge},
		{"TGA", tgaFile{imageType: 2, w: 65535, h: 65535, depth: 24}.bytes(), TooLarge},
		{"TGA RLE", tgaFile{imageType: 10, w: 20000, h: 9000, depth: 32, pixels: []byte{0xff, 1, 2, 3, 4}}.bytes(), TooLarge},
		{"TGA RLE under the limit", tgaFile{imageType: 10, w: 10000, h: 10000, depth: 32, pixels: []byte{0xff, 1, 2, 3, 4}}.bytes(), Truncated},
		{"PCX under the limit", append(pcxHeader(5, 8, 3, 10000, 10000, 0, nil), 0xc1, 0), Truncated},
	} {
		assertRefusedCheaply(t, c.name, c.data, c.kind)
	}
}

// assertRefusedCheaply: data is refused with kind, having allocated well
// under what its header declares (and without hanging).
func assertRefusedCheaply(t *testing.T, name string, data []byte, kind Kind) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Bytes(data, Limits{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	assert.Equal(t, kind, KindOf(err), "%s: %v", name, err)
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("%s: a %d-byte file allocated %d bytes", name, len(data), n)
	}
	assert.Less(t, elapsed, 5*time.Second, "%s: hang guard", name)
}
