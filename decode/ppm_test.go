package decode

import "testing"

func FuzzPPM(f *testing.F) { fuzzFormat(f, "PPM") }
