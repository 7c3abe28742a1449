package decode

import "testing"

func FuzzWebP(f *testing.F) { fuzzFormat(f, "WebP") }
