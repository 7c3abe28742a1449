package decode

import (
	"regexp"
	"strings"
)

// pngOrientation is the orientation PngImageFile.getexif reports to
// ImageOps.exif_transpose (Pillow 9.4), from the info the decode left in
// h (png_text.go), or the error getexif raises:
//
//   - getexif loads the image, and so reads the chunks after the image data
//     (load_end: up to IEND, a chunk type that is not one, or the next
//     APNG frame), only when Image.open found no "exif" entry before it;
//     the last chunk of a key wins;
//   - info["exif"]: an eXIf chunk ("Exif\0\0" and its body), a tEXt chunk
//     keyed "exif" (bytes), a zTXt or iTXt one (text: TypeError unless
//     empty, and empty holds no tags);
//   - without it, the "Raw profile type exif" text ImageMagick writes: hex
//     (bytes.fromhex, ValueError if not) after the third line;
//   - when what was read has no tag 0x0112, the XMP packet of an
//     "XML:com.adobe.xmp" text, matched by Image.getexif's regular
//     expression.
func pngOrientation(h *pngInfo) (int, error) {
	info := h.openInfo
	if _, ok := info[pngKeyExif]; !ok {
		info = h.text.info
	}
	ifd := &pyIFD{}
	f := exifOK
	if v, ok := info[pngKeyExif]; ok {
		switch {
		case v.isStr && len(v.data) > 0:
			f = exifTypeError
		case !v.isStr:
			ifd, f = exifLoad(v.data)
		}
	} else if v, ok := info[pngKeyRawProfile]; ok {
		lines := strings.Split(string(v.data), "\n")
		if raw, ok := fromHex(strings.Join(lines[min(3, len(lines)):], "")); ok {
			ifd, f = exifLoad(raw)
		} else {
			f = exifValueError
		}
	}
	if f != exifOK {
		return 1, exifFailed("PNG", f)
	}
	if _, has := ifd.tags[0x0112]; !has {
		if m := xmpOrientation.FindSubmatch(info[pngKeyXMP].data); m != nil {
			return transposeOf(pyValue{kind: kindInt, num: float64(m[2][0] - '0'), integral: true}, true), nil
		}
	}
	return transposeOf(ifd.get(0x0112)), nil
}

var xmpOrientation = regexp.MustCompile(`tiff:Orientation(="|>)([0-9])`)
