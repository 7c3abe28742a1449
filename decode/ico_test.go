package decode

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testDIB8 is an 8-bit ICO bitmap frame, w×h, pixel (x, y) = palette index
// x+10*y with palette entry i = (i, 2i, 3i); maskByte fills the AND mask.
func testDIB8(w, h int, maskByte byte) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint32(40))
	le(int32(w))
	le(int32(2 * h))
	le(uint16(1))
	le(uint16(8))
	le([6]uint32{0, 0, 0, 0, 256, 0})
	for i := 0; i < 256; i++ {
		b.Write([]byte{byte(3 * i), byte(2 * i), byte(i), 0}) // BGRX
	}
	stride := (w + 3) &^ 3
	for y := h - 1; y >= 0; y-- { // bottom-up
		row := make([]byte, stride)
		for x := 0; x < w; x++ {
			row[x] = byte(x + 10*y)
		}
		b.Write(row)
	}
	b.Write(bytes.Repeat([]byte{maskByte}, (w+31)/32*4*h))
	return b.Bytes()
}

type testIcoEntry struct {
	w, h, bpp, ncolors int
	frame              []byte
}

func testICO(entries ...testIcoEntry) []byte {
	var head, body bytes.Buffer
	le := func(v any) { _ = binary.Write(&head, binary.LittleEndian, v) }
	le([3]uint16{0, 1, uint16(len(entries))})
	off := 6 + 16*len(entries)
	for _, e := range entries {
		head.Write([]byte{byte(e.w), byte(e.h), byte(e.ncolors), 0})
		le([2]uint16{1, uint16(e.bpp)})
		le([2]uint32{uint32(len(e.frame)), uint32(off)})
		body.Write(e.frame)
		off += len(e.frame)
	}
	return append(head.Bytes(), body.Bytes()...)
}

// The frame IcoImageFile loads: largest by the directory's size, then
// deepest (bpp, else from the colour count, else 256), then the last.
func TestICOChoosesLargestThenDeepestThenLast(t *testing.T) {
	a, b, c := testDIB8(2, 2, 0), testDIB8(3, 2, 0), testDIB8(4, 1, 0)
	for _, tc := range []struct {
		name    string
		entries []testIcoEntry
		w, h    int
	}{
		{"largest", []testIcoEntry{{2, 2, 8, 0, a}, {3, 2, 8, 0, b}, {4, 1, 8, 0, c}}, 3, 2},
		{"deepest", []testIcoEntry{{5, 5, 32, 0, a}, {5, 5, 8, 0, b}}, 2, 2},
		{"last of equals", []testIcoEntry{{5, 5, 8, 0, a}, {5, 5, 8, 0, b}, {5, 5, 4, 0, c}}, 3, 2},
		{"16 colours beat 2", []testIcoEntry{{5, 5, 0, 16, a}, {5, 5, 0, 2, b}}, 2, 2},
		{"no count is 256", []testIcoEntry{{5, 5, 0, 0, a}, {5, 5, 32, 0, b}}, 2, 2},
		{"0 is 256 wide", []testIcoEntry{{255, 255, 8, 0, a}, {0, 255, 8, 0, c}}, 4, 1},
	} {
		img, err := Bytes(testICO(tc.entries...), Limits{})
		require.NoError(t, err, tc.name)
		assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{img.W, img.H}, tc.name)
	}
}

// The AND mask becomes alpha, which convert("RGB") drops: masked pixels
// keep their palette colours.
func TestICOMaskedPixelsKeepColour(t *testing.T) {
	for _, mask := range []byte{0, 0xff} {
		img, err := Bytes(testICO(testIcoEntry{3, 2, 8, 0, testDIB8(3, 2, mask)}), Limits{})
		require.NoError(t, err)
		assert.Equal(t, []byte{0, 0, 0, 1, 2, 3, 2, 4, 6, 10, 20, 30, 11, 22, 33, 12, 24, 36}, img.Pix)
	}
}

func TestICOErrors(t *testing.T) {
	good := testICO(testIcoEntry{3, 2, 8, 0, testDIB8(3, 2, 0)})
	patchIn := func(d []byte, at int, v uint32) []byte {
		d = bytes.Clone(d)
		binary.LittleEndian.PutUint32(d[at:], v)
		return d
	}
	patch := func(at int, v uint32) []byte { return patchIn(good, at, v) }
	// Directory size 1: the 3×7 frame's 28-byte mask would start at 22+1-28.
	maskBefore := patchIn(testICO(testIcoEntry{3, 7, 8, 0, testDIB8(3, 7, 0)}), 14, 1)
	// TGA's header check passes (bpp 8, size 0x080102) and the frame is
	// past the end: Pillow reads the file as TGA (and finds it truncated).
	asTGA := patchIn(patch(14, 0x080102), 18, 1<<20)
	for _, tc := range []struct {
		name string
		data []byte
		kind Kind
	}{
		// SyntaxError-like failures: Pillow tries its other readers.
		{"header", good[:5], NotImage},
		{"no entries", []byte("\x00\x00\x01\x00\x00\x00"), NotImage},
		{"short directory", good[:20], NotImage},
		{"frame past the end", patch(18, 1<<20), NotImage},
		{"width 0", patch(22+4, 0), NotImage},
		{"read as TGA", asTGA, Truncated}, // a TGA whose pixels are not all there
		// OSError / ValueError: refused outright.
		{"header size", patch(22, 5), Unsupported},
		{"mask needs no padding after the last row", good[:len(good)-3], 0},
		{"mask ends early", good[:len(good)-4], Truncated},
		{"mask before the file", maskBefore, Corrupt},
		{"height 1", patch(22+8, 1), Corrupt},
		{"bomb", patch(22+4, 1<<20), TooLarge},
	} {
		_, err := Bytes(tc.data, Limits{MaxPixels: 1 << 20})
		assert.Equal(t, tc.kind, KindOf(err), "%s: %v", tc.name, err)
	}
}

// A grey ramp on 4-bit data is mode "L": Pillow maps the file and reads
// WIDTH bytes per row at offset + y*stride. 13×3 at 4 bits has an 8-byte
// stride: the rows overlap, and the last runs 5 bytes past the end of the
// file (zeros, up to the end of the page).
func TestBMPGreyPaletteOverlappingRows(t *testing.T) {
	bmp := func(w, h int, data []byte) []byte {
		var b bytes.Buffer
		le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
		b.WriteString("BM")
		le([3]uint32{0, 0, 14 + 40 + 64})
		le([3]uint32{40, uint32(w), uint32(h)})
		le([2]uint16{1, 4})
		le([6]uint32{0, 0, 0, 0, 16, 0})
		for i := 0; i < 16; i++ {
			b.Write([]byte{byte(i), byte(i), byte(i), 0})
		}
		b.Write(data)
		return b.Bytes()
	}
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i + 1)
	}
	img, err := Bytes(bmp(13, 3, data), Limits{})
	require.NoError(t, err)
	row := func(y int) (r []byte) {
		for x := 0; x < 13; x++ {
			r = append(r, img.Pix[3*(13*y+x)])
		}
		return r
	}
	assert.Equal(t, []byte{17, 18, 19, 20, 21, 22, 23, 24, 0, 0, 0, 0, 0}, row(0)) // file row 2
	assert.Equal(t, []byte{9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}, row(1))
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, row(2))

	// One byte short of offset + height*stride: no mapping, and the raw
	// decoder cannot read 13-byte rows 8 bytes apart.
	_, err = Bytes(bmp(13, 3, data[:23]), Limits{})
	assert.Equal(t, Corrupt, KindOf(err), "%v", err)

	// A file that ends at a page boundary: the last row would be read from
	// memory after the mapping.
	big := bmp(3000, 2, make([]byte, 3000))
	big = append(big, make([]byte, 4096-len(big))...)
	_, err = Bytes(big, Limits{})
	assert.Equal(t, Unsupported, KindOf(err), "%v", err)
	// ... and inside an ICO the DIB is never mapped: refused as Pillow does.
	_, err = Bytes(testICO(testIcoEntry{13, 3, 4, 0, append(bmp(13, 6, data)[14:], make([]byte, 24)...)}), Limits{})
	assert.Equal(t, Corrupt, KindOf(err), "%v", err)
}

func FuzzICO(f *testing.F) {
	f.Add(testICO(testIcoEntry{3, 2, 8, 0, testDIB8(3, 2, 0x55)}))
	f.Add(testICO(testIcoEntry{2, 2, 32, 0, testDIB8(2, 2, 0)}, testIcoEntry{3, 2, 8, 0, testDIB8(3, 2, 0)}))
	f.Add(testICO(testIcoEntry{1, 1, 32, 0, readSeed(f, "testdata/fuzz/FuzzPNG/grey-1x1")}))
	fuzzFormat(f, "ICO")
}
