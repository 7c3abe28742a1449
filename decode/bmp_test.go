package decode

import "testing"

func FuzzBMP(f *testing.F) { fuzzFormat(f, "BMP") }
