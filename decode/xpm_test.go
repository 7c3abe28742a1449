package decode

import "testing"

// Seeds in testdata/fuzz/FuzzXPM: a pixmap with None, symbolic and hex
// colours, CRLF lines, odd numbers Python's int reads, rows cut short.
func FuzzXPM(f *testing.F) { fuzzFormat(f, "XPM") }
