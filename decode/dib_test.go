package decode

import "testing"

func FuzzDIB(f *testing.F) { fuzzFormat(f, "DIB") }
