package decode

import "testing"

func FuzzCUR(f *testing.F) { fuzzFormat(f, "CUR") }
