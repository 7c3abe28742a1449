package decode

// Linking of the decoders' C libraries: each decoder's file names its
// static library (libjpeg.a, libz.a, libwebp.a, libdeflate.a); this
// linker script keeps their symbols out of the executable's dynamic symbol
// table (see the script for why).

// #cgo LDFLAGS: ${SRCDIR}/local_symbols.so
import "C"

import "unsafe"

// cStop is the flag as the C decoders poll it (NULL: never stops). The
// int32 is the first word of atomic.Int32; C reads it with an atomic load.
func (f *stopFlag) cStop() *C.int {
	if f == nil {
		return nil
	}
	return (*C.int)(unsafe.Pointer(&f.v))
}
