package decode

import "encoding/binary"

// apngState is what Pillow 9.4's PngStream keeps of the APNG chunks
// (chunk_acTL, chunk_fcTL, chunk_fdAT). Image.open of an animated PNG gives
// frame 0, which is always the image in the IDAT chunks: when an fcTL comes
// before them, its box is the tile the IDAT data is decoded into (the rest
// of the image stays zero), else the IDAT image is the "default image".
// Frame 0 is never blended with anything, so no later frame is read.
type apngState struct {
	frames    uint32 // im_n_frames; 0 is None
	seq       int64  // _seq_num; -1 is None
	box       [4]int // im_info["bbox"] as x, y, w, h
	hasBox    bool
	defaultIm bool // im_info["default_image"]
}

func newAPNG() apngState { return apngState{seq: -1} }

// animated is PngImageFile.is_animated as _open leaves it: load_end stops
// at the next fcTL only then.
func (a *apngState) animated() bool {
	return a.frames > 1 || a.frames == 1 && a.defaultIm
}

// acTL is chunk_acTL: a second acTL, or a frame count of 0 or above 2**31,
// makes Pillow warn and use the default image.
func (a *apngState) acTL(body []byte) error {
	if len(body) < 8 {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains a truncated acTL chunk")
	}
	n := binary.BigEndian.Uint32(body)
	switch {
	case a.frames != 0:
		a.frames = 0
	case n != 0 && n <= 0x80000000:
		a.frames = n
	}
	return nil
}

// fcTL is chunk_fcTL for an image of w×h (0×0 before IHDR).
func (a *apngState) fcTL(body []byte, w, h int) error {
	if len(body) < 26 {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains a truncated fcTL chunk")
	}
	if err := a.sequence(binary.BigEndian.Uint32(body)); err != nil {
		return err
	}
	be := func(i int) int64 { return int64(binary.BigEndian.Uint32(body[i:])) }
	fw, fh, fx, fy := be(4), be(8), be(12), be(16)
	if fx+fw > int64(w) || fy+fh > int64(h) {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains invalid frames")
	}
	a.box, a.hasBox = [4]int{int(fx), int(fy), int(fw), int(fh)}, true
	return nil
}

// fdAT is chunk_fdAT on the chunk of n bytes whose data starts at pos:
// its sequence number, which the image data follows.
func (a *apngState) fdAT(data []byte, pos, n int) error {
	if n < 4 {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains a truncated fdAT chunk")
	}
	if pos+4 > len(data) {
		return errorf("PNG", Truncated, "truncated PNG: the file ends inside the fdAT chunk")
	}
	seq := binary.BigEndian.Uint32(data[pos:])
	if a.seq < 0 || a.seq != int64(seq)-1 {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains frame sequence errors")
	}
	a.seq = int64(seq)
	return nil
}

func (a *apngState) sequence(seq uint32) error {
	if a.seq < 0 && seq != 0 || a.seq >= 0 && a.seq != int64(seq)-1 {
		return errorf("PNG", Corrupt, "invalid PNG: APNG contains frame sequence errors")
	}
	a.seq = int64(seq)
	return nil
}

// imageData is chunk_IDAT's choice of tile for the image data: the fcTL box
// if one came first, else the whole image (then, in an APNG, the default
// image).
func (a *apngState) imageData(h *pngInfo) {
	h.tile = [4]int{0, 0, h.width, h.height}
	// decode.c _setimage takes x0 == x1 == 0 as "the whole image".
	if a.hasBox && !(a.box[0] == 0 && a.box[2] == 0) {
		h.tile = a.box
	} else if a.frames != 0 {
		a.defaultIm = true
	}
}
