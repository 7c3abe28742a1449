package decode

import (
	"fmt"
	"strconv"
	"strings"
)

// Pillow is the Pillow release whose reading rules a decode follows. The
// zero value is Pillow 9.4 (Debian 12's), the release this package is
// proven against file by file; the later rules are those docs/PARITY.md
// lists, each where Pillow changed it.
type Pillow struct {
	Major, Minor int
	// debian13 marks Debian 13's Pillow 11.1, which carries the tile
	// extent check of 12.2 as a security fix (CVE-2026-42311).
	debian13 bool
}

// Pillow94 is Debian 12's Pillow, the default.
var Pillow94 = Pillow{Major: 9, Minor: 4}

// ParsePillow reads a Pillow release as "MAJOR[.MINOR]" (9.4 to 12.x; a
// bare major means its first release, "11" is 11.0) or as the Pillow of a
// Debian release: "debian12" (9.4), "debian13" (11.1 with its backported
// fixes).
func ParsePillow(s string) (Pillow, error) {
	switch strings.ToLower(s) {
	case "debian12":
		return Pillow94, nil
	case "debian13":
		return Pillow{Major: 11, Minor: 1, debian13: true}, nil
	}
	major, minor, hasMinor := strings.Cut(s, ".")
	v := Pillow{}
	var err error
	if v.Major, err = strconv.Atoi(major); err == nil && hasMinor {
		v.Minor, err = strconv.Atoi(minor)
	}
	if err != nil || v.Minor < 0 {
		return Pillow{}, fmt.Errorf("pillow version %q: want MAJOR[.MINOR] (9.4 … 12.x), debian12 or debian13", s)
	}
	if v.Major < 9 || v.Major == 9 && v.Minor < 4 || v.Major > 12 {
		return Pillow{}, fmt.Errorf("pillow version %q: only 9.4 to 12.x are known", s)
	}
	return v, nil
}

func (v Pillow) String() string {
	if v.debian13 {
		return "11.1 (Debian 13)"
	}
	if v == (Pillow{}) {
		v = Pillow94
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// AtLeast reports whether v is major.minor or later; the zero value is
// 9.4.
func (v Pillow) AtLeast(major, minor int) bool {
	if v == (Pillow{}) {
		v = Pillow94
	}
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// rules are the reading rules of a release where they differ from 9.4's,
// as the decoders consult them.
type rules struct {
	// blackPalette: palette entries past a short palette are black, not
	// the grey ramp (10.1, python-pillow/Pillow#7289: ImagingPaletteNew
	// starts empty).
	blackPalette bool
	// jpegTruncatedEXIF: a truncated EXIF block no longer fails a JPEG's
	// Image.open when it is read for the resolution (10.1,
	// python-pillow/Pillow#7458).
	jpegTruncatedEXIF bool
	// icoFirstLowest: among the largest ICO frames, the lowest colour
	// depth and then the first in the file (11.0, the IconHeader rewrite:
	// one sort by square with reverse=True instead of sort + reverse()).
	icoFirstLowest bool
	// tileExtents: a tile must have a positive size inside the image; an
	// APNG frame of zero width at x 0 no longer means the whole image
	// (12.2, python-pillow/Pillow#9395; Debian 13 as a backport).
	tileExtents bool
	// tgaNeedsMap: a colour-mapped TGA without a colour map opens as L
	// with the P raw mode, which fails (10.3, python-pillow/Pillow#7797).
	tgaNeedsMap bool
	// ppmHalfTokenOnce: plain PBM/PGM/PPM's token split across blocks is
	// prepended once, not to every later block (9.5,
	// python-pillow/Pillow#7052).
	ppmHalfTokenOnce bool
	// ppmNegative: a negative sample in plain PBM/PGM/PPM is refused
	// (10.3, python-pillow/Pillow#7882).
	ppmNegative bool
	// tiffRGBXAsRGB: 4-sample RGB without ExtraSamples opens as RGB with
	// the RGBX raw mode, so its planar layout has no unpacker for the 4th
	// plane (10.4, python-pillow/Pillow#7997).
	tiffRGBXAsRGB bool
	// tiffMapsTurned: Image.open reports a TIFF's size turned by its
	// Orientation (5-8), and a memory-mapped strip is read in that size
	// (11.1; tiffMapped).
	tiffMapsTurned bool
	// tiffCMYK16B: big-endian 16-bit CMYK is read (11.0,
	// python-pillow/Pillow#8298).
	tiffCMYK16B bool
}

func (v Pillow) rules() rules {
	return rules{
		blackPalette:      v.AtLeast(10, 1),
		icoFirstLowest:    v.AtLeast(11, 0),
		jpegTruncatedEXIF: v.AtLeast(10, 1),
		tileExtents:       v.AtLeast(12, 2) || v.debian13,
		tgaNeedsMap:       v.AtLeast(10, 3),
		ppmNegative:       v.AtLeast(10, 3),
		ppmHalfTokenOnce:  v.AtLeast(9, 5),
		tiffRGBXAsRGB:     v.AtLeast(10, 4),
		tiffCMYK16B:       v.AtLeast(11, 0),
		tiffMapsTurned:    v.AtLeast(11, 1),
	}
}

// paletteBase is a P image's palette before the file's entries are put in
// (ImagingPaletteNew): the grey ramp up to Pillow 10.0, black from 10.1.
// Indices past a short palette read these.
func (r rules) paletteBase() (lut [256][3]byte) {
	if !r.blackPalette {
		for i := range lut {
			lut[i] = [3]byte{byte(i), byte(i), byte(i)}
		}
	}
	return lut
}
