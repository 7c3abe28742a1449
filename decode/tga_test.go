package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tgaFile builds a TGA file: the 18-byte header, then id, colour map and
// pixel bytes as given.
type tgaFile struct {
	id                  []byte
	cmapType, imageType byte
	cmapFirst, cmapLen  uint16
	cmapDepth           byte
	w, h                uint16
	depth, flags        byte
	cmap, pixels        []byte
	xOrigin, yOrigin    uint16
}

func (f tgaFile) bytes() []byte {
	b := []byte{byte(len(f.id)), f.cmapType, f.imageType}
	b = binary.LittleEndian.AppendUint16(b, f.cmapFirst)
	b = binary.LittleEndian.AppendUint16(b, f.cmapLen)
	b = append(b, f.cmapDepth)
	for _, v := range []uint16{f.xOrigin, f.yOrigin, f.w, f.h} {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	b = append(b, f.depth, f.flags)
	b = append(b, f.id...)
	b = append(b, f.cmap...)
	return append(b, f.pixels...)
}

// Expected pixels were taken from Pillow 9.4 (Image.open(p).convert("RGB")
// on the same bytes); the corpus test checks many more files against Pillow
// itself.
func TestTGAMatchesPillowCases(t *testing.T) {
	grey := func(vs ...byte) string {
		var b []byte
		for _, v := range vs {
			b = append(b, v, v, v)
		}
		return hex.EncodeToString(b)
	}
	cases := []struct {
		name string
		f    tgaFile
		want string
	}{
		{"P without a colour map reads the grey ramp",
			tgaFile{imageType: 1, w: 4, h: 1, depth: 8, pixels: []byte{0, 1, 100, 255}}, grey(0, 1, 100, 255)},
		{"16-bit colour map, entries past it grey",
			tgaFile{cmapType: 1, imageType: 1, cmapLen: 2, cmapDepth: 16, w: 4, h: 1, depth: 8,
				cmap: []byte{0x1f, 0, 0xe0, 0x83}, pixels: []byte{0, 1, 100, 255}}, "0000ff00ff00646464ffffff"},
		{"first entry index 3: entries 0-2 black",
			tgaFile{cmapType: 1, imageType: 1, cmapFirst: 3, cmapLen: 2, cmapDepth: 16, w: 5, h: 1, depth: 8,
				cmap: []byte{0x1f, 0, 0xe0, 0x83}, pixels: []byte{0, 1, 3, 4, 255}}, "0000000000000000ff00ff00ffffff"},
		{"15-bit colour map entries are not read: pixels start there",
			tgaFile{cmapType: 1, imageType: 1, cmapLen: 2, cmapDepth: 15, w: 4, h: 1, depth: 8,
				cmap: []byte{0x1f, 0, 0xe0, 3}, pixels: []byte{0, 1, 100, 255}}, grey(0x1f, 0, 0xe0, 3)},
		{"empty colour map after 10 skipped entries",
			tgaFile{cmapType: 1, imageType: 1, cmapFirst: 10, cmapDepth: 24, w: 2, h: 1, depth: 8,
				pixels: []byte{0, 200}}, grey(0, 200)},
		{"a colour map on L applies",
			tgaFile{cmapType: 1, imageType: 3, cmapLen: 2, cmapDepth: 24, w: 2, h: 1, depth: 8,
				cmap: []byte{1, 2, 3, 4, 5, 6}, pixels: []byte{0, 1}}, "030201060504"},
		{"16-bit BGR;5", tgaFile{imageType: 2, w: 2, h: 1, depth: 16, pixels: []byte{0x1f, 0, 0xe0, 0xff}}, "0000ffffff00"},
		{"1-bit", tgaFile{imageType: 3, w: 10, h: 1, depth: 1, pixels: []byte{0xa5, 0xc0}},
			grey(255, 0, 255, 0, 0, 255, 0, 255, 255, 255)},
		{"LA", tgaFile{imageType: 3, w: 2, h: 1, depth: 16, pixels: []byte{0x10, 0x20, 0x30, 0x40}}, grey(0x10, 0x30)},
		{"RGBA", tgaFile{imageType: 2, w: 2, h: 1, depth: 32, pixels: []byte{0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80}},
			"302010706050"},
		{"bottom-up", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, pixels: []byte{1, 2, 3, 4, 5, 6}}, grey(4, 5, 6, 1, 2, 3)},
		{"top-down", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, flags: 0x20, pixels: []byte{1, 2, 3, 4, 5, 6}},
			grey(1, 2, 3, 4, 5, 6)},
		{"bottom-up right-to-left", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, flags: 0x10, pixels: []byte{1, 2, 3, 4, 5, 6}},
			grey(6, 5, 4, 3, 2, 1)},
		{"top-down right-to-left", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, flags: 0x30, pixels: []byte{1, 2, 3, 4, 5, 6}},
			grey(3, 2, 1, 6, 5, 4)},
		{"RLE literal across rows", tgaFile{imageType: 11, w: 2, h: 3, depth: 8, flags: 0x20,
			pixels: []byte{5, 1, 2, 3, 4, 5, 6}}, grey(1, 2, 3, 4, 5, 6)},
		{"RLE with an ID and a colour map", tgaFile{id: []byte("hello"), cmapType: 1, imageType: 9, cmapLen: 2,
			cmapDepth: 24, w: 2, h: 1, depth: 8, cmap: []byte{1, 2, 3, 4, 5, 6}, pixels: []byte{0x81, 1}}, "060504060504"},
		{"trailing data", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, flags: 0x20, pixels: []byte{1, 2, 3, 4, 5, 6, 7}},
			grey(1, 2, 3, 4, 5, 6)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Bytes(c.f.bytes(), Limits{})
			require.NoError(t, err)
			assert.Equal(t, c.want, hex.EncodeToString(img.Pix))
		})
	}
}

func TestTGARefusals(t *testing.T) {
	cases := []kindCase{
		{"RLE run across rows", tgaFile{imageType: 11, w: 3, h: 2, depth: 8, flags: 0x20,
			pixels: []byte{0x83, 7, 0x81, 9}}.bytes(), Corrupt},
		{"1-bit RLE never ends", tgaFile{imageType: 11, w: 8, h: 1, depth: 1,
			pixels: bytes.Repeat([]byte{0x80, 0xff}, 8)}.bytes(), Truncated},
		{"truncated raw", tgaFile{imageType: 3, w: 3, h: 2, depth: 8, pixels: []byte{1, 2, 3, 4, 5}}.bytes(), Truncated},
		{"truncated RLE", tgaFile{imageType: 11, w: 3, h: 2, depth: 8, pixels: []byte{0x82, 1, 2, 3}}.bytes(), Truncated},
		{"no pixel data", tgaFile{imageType: 3, w: 3, h: 2, depth: 8}.bytes(), Truncated},
		{"32-bit colour map", tgaFile{cmapType: 1, imageType: 1, cmapLen: 2, cmapDepth: 32, w: 1, h: 1, depth: 8,
			cmap: make([]byte, 8), pixels: []byte{0}}.bytes(), Corrupt},
		{"257 colour map entries", tgaFile{cmapType: 1, imageType: 1, cmapLen: 257, cmapDepth: 24, w: 1, h: 1, depth: 8,
			cmap: make([]byte, 771), pixels: []byte{0}}.bytes(), Corrupt},
		{"colour map on RGB", tgaFile{cmapType: 1, imageType: 2, cmapLen: 2, cmapDepth: 24, w: 1, h: 1, depth: 24,
			cmap: make([]byte, 6), pixels: []byte{0, 0, 0}}.bytes(), Corrupt},
		{"16-bit indices", tgaFile{cmapType: 1, imageType: 1, cmapLen: 2, cmapDepth: 24, w: 1, h: 1, depth: 16,
			cmap: make([]byte, 6), pixels: []byte{0, 0}}.bytes(), Corrupt},
		{"depth 15 fails the header check", tgaFile{imageType: 2, w: 1, h: 1, depth: 15, pixels: []byte{0, 0}}.bytes(), NotImage},
		{"image type 0", tgaFile{imageType: 0, w: 1, h: 1, depth: 8, pixels: []byte{0}}.bytes(), NotImage},
		{"colour map type 2", tgaFile{cmapType: 2, imageType: 2, w: 1, h: 1, depth: 24, pixels: []byte{0, 0, 0}}.bytes(), NotImage},
		{"17-byte header", tgaFile{imageType: 2, w: 1, h: 1, depth: 24}.bytes()[:17], NotImage},
		{"text", []byte("hello, world\nthis is text\n"), NotImage},
		{"bomb", tgaFile{imageType: 3, w: 65535, h: 65535, depth: 8}.bytes(), TooLarge},
		// MPEG's start code, then sizes: Pillow opens it as MPEG (and fails).
		{"MPEG first", tgaFile{imageType: 1, cmapFirst: 0x12b3, cmapLen: 0x3456, w: 1, h: 1, depth: 8,
			pixels: []byte{0}}.bytes(), Unsupported},
		// id length 0x1C, colour-map type 1: an IPTC field with a size byte over 132 (OSError).
		{"IPTC first", tgaFile{id: make([]byte, 28), cmapType: 1, imageType: 1, cmapFirst: 0xf0, cmapDepth: 24,
			w: 1, h: 1, depth: 8, pixels: []byte{0}}.bytes(), Unsupported},
	}
	assertKinds(t, cases)
}

// A colour-mapped TGA without a colour map starts like an ICO ("\0\0\1\0");
// with an empty directory ICO declines and Pillow reads the TGA.
func TestTGAAfterICODeclines(t *testing.T) {
	f := tgaFile{imageType: 1, w: 2, h: 1, depth: 8, flags: 0x20, pixels: []byte{7, 9}}
	img, err := Bytes(f.bytes(), Limits{})
	require.NoError(t, err)
	assert.Equal(t, []byte{7, 7, 7, 9, 9, 9}, img.Pix)
	// A directory that fits with an entry offset inside the file stays ICO
	// (whose bitmap header at offset 0 is cut short: OSError "Truncated File
	// Read" in Pillow).
	ico := append([]byte("\x00\x00\x01\x00\x01\x00"), make([]byte, 16)...)
	ico = append(ico, make([]byte, 8)...)
	_, err = Bytes(ico, Limits{})
	assert.Equal(t, Truncated, KindOf(err), "%v", err)
}

func FuzzTGA(f *testing.F) {
	f.Add(tgaFile{imageType: 2, w: 2, h: 2, depth: 24, pixels: make([]byte, 12)}.bytes())
	f.Add(tgaFile{cmapType: 1, imageType: 9, cmapFirst: 2, cmapLen: 3, cmapDepth: 16, w: 3, h: 2, depth: 8,
		flags: 0x30, cmap: []byte{1, 2, 3, 4, 5, 6}, pixels: []byte{0x81, 1, 3, 1, 2, 3, 4}}.bytes())
	f.Add(tgaFile{imageType: 11, w: 3, h: 2, depth: 16, pixels: []byte{0x80, 1, 2, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}.bytes())
	f.Add(tgaFile{imageType: 10, w: 2, h: 2, depth: 32, flags: 0x10, pixels: []byte{0x83, 1, 2, 3, 4}}.bytes())
	f.Add(tgaFile{imageType: 3, w: 9, h: 2, depth: 1, pixels: []byte{0xa5, 0x80, 0x5a, 0}}.bytes())
	fuzzReader(f, func(b []byte) bool { return len(b) > 0 }, func(b []byte, _ rules) (opened, error) {
		return openLastResort(b, errorf("", NotImage, "not an image"), rules{})
	})
}
