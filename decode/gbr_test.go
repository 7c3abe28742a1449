package decode

import "testing"

// Seeds in testdata/fuzz/FuzzGBR: brushes of both versions and depths,
// and the header variants _open treats apart.
func FuzzGBR(f *testing.F) { fuzzFormat(f, "GBR") }
