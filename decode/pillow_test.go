package decode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePillow(t *testing.T) {
	for in, want := range map[string]string{
		"9.4": "9.4", "10": "10.0", "10.1": "10.1", "11.3": "11.3", "12.2": "12.2",
		"debian12": "9.4", "Debian13": "11.1 (Debian 13)",
	} {
		v, err := ParsePillow(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, v.String(), in)
	}
	for _, in := range []string{"", "9.3", "8", "13", "x", "10.x", "11.-1", "debian14"} {
		_, err := ParsePillow(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "9.4", Pillow{}.String(), "the zero value is 9.4")
}

// Each rule turns on at the release that made the change.
func TestPillowRules(t *testing.T) {
	at := func(s string) rules {
		v, err := ParsePillow(s)
		require.NoError(t, err)
		return v.rules()
	}
	assert.Equal(t, rules{}, Pillow{}.rules())
	assert.Equal(t, rules{ppmHalfTokenOnce: true}, at("10.0"))
	assert.False(t, at("10.0").blackPalette)
	assert.True(t, at("10.1").blackPalette)
	assert.True(t, at("10.1").jpegTruncatedEXIF)
	assert.True(t, at("10.3").tgaNeedsMap && at("10.3").ppmNegative)
	assert.True(t, at("10.4").tiffRGBXAsRGB && !at("10.4").icoFirstLowest)
	assert.True(t, at("11.0").icoFirstLowest && at("11.0").tiffCMYK16B && !at("11.0").tiffMapsTurned)
	assert.True(t, at("11.1").tiffMapsTurned && !at("11.1").tileExtents)
	assert.True(t, at("debian13").tileExtents, "Debian 13's 11.1 carries the tile check")
	assert.True(t, at("12.2").tileExtents)
	assert.Equal(t, [3]byte{7, 7, 7}, at("10.0").paletteBase()[7])
	assert.Equal(t, [3]byte{}, at("10.1").paletteBase()[7])
}
