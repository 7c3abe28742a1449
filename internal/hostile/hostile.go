// Package hostile generates the inputs an attacker or a careless user
// sends — decompression bombs and the like — for tests and benchmarks.
// Every generator costs about the size of what it writes, not the size of
// the image the file declares.
package hostile

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb is a valid 8-bit greyscale PNG of w×h black pixels: about
// w*h/1000 bytes that Pillow (and package decode) read in full, w*h*3
// bytes once converted to RGB.
func PNGBomb(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // depth 8, greyscale
	chunk(&out, "IHDR", ihdr)
	// Every row is filter byte 0 then w zero samples: all zeros.
	chunk(&out, "IDAT", zlibZeros(int64(h)*int64(1+w)))
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// zlibZeros is a zlib stream of n zero bytes, made without compressing
// them all: after a first block, deflate encodes each further megabyte of
// zeros as the same byte-aligned block (matches one byte back), so that
// block is repeated.
func zlibZeros(n int64) []byte {
	const block = 1 << 20
	var d bytes.Buffer
	d.Write([]byte{0x78, 0xda}) // zlib header: deflate, 32 KiB window, best compression
	fw, _ := flate.NewWriter(&d, flate.BestCompression)
	zeros := make([]byte, block)
	left := n
	if left > 2*block {
		fw.Write(zeros)
		fw.Flush()
		mark := d.Len()
		fw.Write(zeros)
		fw.Flush()
		repeat := bytes.Clone(d.Bytes()[mark:])
		for k := int64(2); k < left/block; k++ {
			d.Write(repeat)
		}
		left %= block
	}
	for left > 0 {
		k := min(left, block)
		fw.Write(zeros[:k])
		left -= k
	}
	fw.Close()
	// Adler-32 of zeros: a stays 1, b adds a (1) once per byte.
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], uint32(n%65521)<<16|1)
	d.Write(sum[:])
	return d.Bytes()
}

func chunk(out *bytes.Buffer, typ string, body []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(body)
	out.WriteString(typ)
	out.Write(body)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}
