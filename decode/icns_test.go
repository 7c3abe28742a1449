package decode

import "testing"

// Seeds in testdata/fuzz/FuzzICNS: PNG, raw and PackBits entries with
// their masks, and block walks that end early.
func FuzzICNS(f *testing.F) { fuzzFormat(f, "ICNS") }
