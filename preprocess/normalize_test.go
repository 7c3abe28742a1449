package preprocess

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// The float32 roundings of the ImageNet constants (docs/parity-spec.md §4).
func TestImageNetConstants(t *testing.T) {
	mean := []uint32{0x3ef851ec, 0x3ee978d5, 0x3ecfdf3b}
	std := []uint32{0x3e6a7efa, 0x3e656042, 0x3e666666}
	for c := 0; c < 3; c++ {
		assert.Equal(t, mean[c], math.Float32bits(float32(ImageNetNormalization.Mean[c])))
		assert.Equal(t, std[c], math.Float32bits(float32(ImageNetNormalization.Std[c])))
	}
}

// TestTableMatchesTorchvision checks all 768 entries against
// Normalize(ToTensor(img)) computed by torchvision, for ImageNet and for an
// arbitrary mean/std.
func TestTableMatchesTorchvision(t *testing.T) {
	for _, n := range []Normalization{
		ImageNetNormalization,
		{Mean: [3]float64{0.5, 0.25, 0.1}, Std: [3]float64{0.3, 0.7, 0.123}},
	} {
		var reply struct {
			Bits  []uint32 `json:"lut_bits"`
			Error string   `json:"error"`
		}
		testenv.Oracle(t, map[string]any{"op": "lut", "mean": n.Mean, "std": n.Std}, &reply)
		require.Empty(t, reply.Error)
		require.Len(t, reply.Bits, 768)
		table := n.Table()
		diff := 0
		for c := 0; c < 3; c++ {
			for v := 0; v < 256; v++ {
				if math.Float32bits(table[c][v]) != reply.Bits[c*256+v] {
					diff++
				}
			}
		}
		assert.Zero(t, diff, "entries differing from torchvision for %+v", n)
	}
}
