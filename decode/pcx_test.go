package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pcxHeader builds a 128-byte PCX header for a w×h image; stride 0 means
// (w*bits+7)/8.
func pcxHeader(version, bits, planes byte, w, h, stride int, pal16 []byte) []byte {
	if stride == 0 {
		stride = (w*int(bits) + 7) / 8
	}
	b := []byte{10, version, 1, bits}
	for _, v := range []int{0, 0, w - 1, h - 1, 72, 72} {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	p := make([]byte, 48)
	copy(p, pal16)
	b = append(b, p...)
	b = append(b, 0, planes)
	b = binary.LittleEndian.AppendUint16(b, uint16(stride))
	b = binary.LittleEndian.AppendUint16(b, 1)
	return append(b, make([]byte, 58)...)
}

// Expected pixels from Pillow 9.4 on the same bytes.
func TestPCXMatchesPillowCases(t *testing.T) {
	var pal16 []byte
	for i := range 16 {
		pal16 = append(pal16, byte(i*16), byte(255-i*16), byte(i*7))
	}
	tail := make([]byte, 800) // no palette marker: L
	cases := []struct {
		name string
		data []byte
		want string
	}{
		// 9.4 moves the planes only when bytes % width != 0: with 3 pixels
		// and 4-byte planes, green is read from the padding.
		{"RGB, 3 pixels, padded planes", append(pcxHeader(5, 8, 3, 3, 1, 4, nil),
			10, 11, 12, 99, 20, 21, 22, 99, 30, 31, 32, 99), "0a63160b14630c151e"},
		{"RGB, 5 pixels, padded planes", append(pcxHeader(5, 8, 3, 5, 1, 6, nil),
			10, 11, 12, 13, 14, 99, 20, 21, 22, 23, 24, 99, 30, 31, 32, 33, 34, 99),
			"0a141e0b151f0c16200d17210e1822"},
		{"4 planes, odd stride: bands shuffled, planes (w+7)/8 apart", append(pcxHeader(5, 1, 4, 3, 2, 2, pal16),
			bytes.Repeat([]byte{0xc1, 0xff, 0x80, 0x0f, 0x40, 0xaa, 0xc1, 0xc0, 0x55, 0x00}, 2)...),
			"b04f4d10ef07906f3fb04f4d10ef07906f3f"},
		{"L, header stride differs: padded to even", append(append(pcxHeader(5, 8, 1, 3, 2, 5, nil),
			0, 1, 2, 3, 4, 5, 6, 7), tail...), "000000010101020202040404050505060606"},
		{"1-bit", append(pcxHeader(2, 1, 1, 10, 1, 2, nil), 0xa5, 0xc1, 0xc0),
			"ffffff000000ffffff000000000000ffffff000000ffffffffffffffffff"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Bytes(c.data, Limits{})
			require.NoError(t, err)
			assert.Equal(t, c.want, hex.EncodeToString(img.Pix))
		})
	}

	// 8-bit: the 769-byte tail palette, grey ramp or not.
	data := append(pcxHeader(5, 8, 1, 4, 1, 0, nil), 0, 1, 2, 3)
	pal := []byte{12}
	for i := range 256 {
		pal = append(pal, byte(i), byte(255-i), byte(i/2))
	}
	img, err := Bytes(append(data, pal...), Limits{})
	require.NoError(t, err)
	assert.Equal(t, "00ff0001fe0002fd0103fc01", hex.EncodeToString(img.Pix))
	for i := range 256 {
		pal[1+3*i], pal[2+3*i], pal[3+3*i] = byte(i), byte(i), byte(i)
	}
	img, err = Bytes(append(data, pal...), Limits{})
	require.NoError(t, err)
	assert.Equal(t, "000000010101020202030303", hex.EncodeToString(img.Pix))
}

func TestPCXRefusals(t *testing.T) {
	tail := make([]byte, 800)
	cases := []kindCase{
		{"8-bit file shorter than 769 bytes", append(pcxHeader(5, 8, 1, 4, 2, 0, nil), make([]byte, 8)...), Truncated},
		{"run overflowing a row", append(append(pcxHeader(5, 8, 1, 4, 2, 0, nil), 0xc6, 7, 1, 2), tail...), Corrupt},
		{"unknown mode", append(pcxHeader(5, 8, 4, 4, 2, 0, nil), tail...), Corrupt},
		{"8 bits before version 5", append(pcxHeader(3, 8, 1, 4, 2, 0, nil), tail...), Corrupt},
		{"truncated", append(pcxHeader(5, 8, 3, 4, 2, 0, nil), 0xc4, 7), Truncated},
		{"header only", pcxHeader(2, 1, 1, 4, 2, 0, nil), Truncated},
		{"short header", pcxHeader(5, 1, 1, 4, 2, 0, nil)[:67], NotImage},
		{"empty bounding box", func() []byte {
			b := append(pcxHeader(5, 1, 1, 4, 2, 0, nil), 0, 0)
			b[4] = 9 // x0 past x1
			return b
		}(), NotImage},
		{"bomb", pcxHeader(5, 1, 1, 40000, 40000, 0, nil), TooLarge},
	}
	assertKinds(t, cases)
}

func FuzzPCX(f *testing.F) {
	f.Add(append(pcxHeader(5, 8, 3, 3, 2, 4, nil), bytes.Repeat([]byte{1, 0xc3, 2, 3}, 6)...))
	f.Add(append(pcxHeader(2, 1, 4, 11, 2, 0, []byte{1, 2, 3, 4, 5, 6}), bytes.Repeat([]byte{0xc2, 0xa5, 0x5a}, 6)...))
	f.Add(append(pcxHeader(0, 1, 1, 9, 2, 0, nil), 0xff, 0x80, 0xc2, 0x55))
	pal := append([]byte{12}, bytes.Repeat([]byte{9, 8, 7}, 256)...)
	f.Add(append(append(pcxHeader(5, 8, 1, 5, 2, 0, nil), 0xc5, 1, 0xc4, 2, 3), pal...))
	fuzzFormat(f, "PCX")
}

func FuzzDCX(f *testing.F) { fuzzFormat(f, "DCX") }
