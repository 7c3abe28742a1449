package decode

import "encoding/binary"

// CUR as Pillow 9.4's CurImagePlugin reads it: a cursor directory like
// ICO's; _open keeps the first entry, replaced by any later one whose
// width AND height bytes are both larger (0 is not 256 here), reads the
// DIB at its offset (bmp.go) and halves the height: the first height/2
// rows of the data (the XOR image) are the picture, no mask is read. The
// file is opened by path, so ImageFile.load may memory-map it. Header
// failures Pillow raises as SyntaxError, IndexError, TypeError or
// struct.error make Image.open try its other readers (declined).
func openCUR(data []byte, _ rules) (opened, error) {
	if len(data) < 6 {
		return nil, unidentified("CUR", "the file ends inside the header")
	}
	var m []byte
	pos := 6
	for range int(binary.LittleEndian.Uint16(data[4:])) {
		s := pyRead(data, &pos, 16)
		if len(m) == 0 {
			m = s
			continue
		}
		if len(s) == 0 {
			return nil, unidentified("CUR", "the file ends inside the cursor directory") // s[0]: IndexError
		}
		if s[0] > m[0] {
			if len(s) < 2 || len(m) < 2 {
				return nil, unidentified("CUR", "the file ends inside the cursor directory")
			}
			if s[1] > m[1] {
				m = s
			}
		}
	}
	if len(m) == 0 { // b"" is falsy: "No cursors were found" (TypeError)
		return nil, unidentified("CUR", "no cursors")
	}
	if len(m) < 16 { // i32(m, 12): struct.error
		return nil, unidentified("CUR", "the file ends inside the cursor directory")
	}
	b, err := bmpParseInfo(data, int(binary.LittleEndian.Uint32(m[12:])), 0)
	if err != nil {
		return nil, withFormat(err, "CUR")
	}
	b.h /= 2
	if b.h <= 0 { // ImageFile.__init__: "not identified by this driver"
		return nil, unidentified("CUR", "size %dx%d", b.w, b.h)
	}
	b.format, b.mapped = "CUR", true
	return curFile{b}, nil
}

// curFile is a cursor's bitmap: Pillow 9.4 opens a 32-bit cursor as RGBA.
type curFile struct{ *bmpInfo }

func (c curFile) header() Header {
	h := c.bmpInfo.header()
	if c.bits == 32 {
		h.Mode = "RGBA"
	}
	return h
}
