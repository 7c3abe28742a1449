package decode

// DIB as Pillow 9.4's DibImageFile reads it: a bitmap without the 14-byte
// file header, the info header at offset 0 and the pixels right after the
// palette; recognised by the header size it starts with (12, 40, 64, 108,
// 124). Opened by path, so ImageFile.load may memory-map its raw data as
// for BMP (bmp.go). Header failures Pillow raises as SyntaxError,
// IndexError, TypeError or struct.error make Image.open try its other
// readers (declined).
func openDIB(data []byte, _ rules) (opened, error) {
	b, err := bmpParseInfo(data, 0, 0)
	if err != nil {
		return nil, withFormat(err, "DIB")
	}
	b.format, b.mapped = "DIB", true
	return b, nil
}
