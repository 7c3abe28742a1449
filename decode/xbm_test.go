package decode

import "testing"

// Seeds in testdata/fuzz/FuzzXBM: X's own layout, a hotspot, CRLF lines,
// one-digit values, and data cut short.
func FuzzXBM(f *testing.F) { fuzzFormat(f, "XBM") }
