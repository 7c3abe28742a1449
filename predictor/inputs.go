package predictor

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"iter"
	"os"
	"syscall"

	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/preprocess"
	"github.com/torchgo/predict/rgb"
)

// Input is one thing to classify: an image file (File), an encoded image
// file in memory (Bytes), behind a reader (Reader) or opened when its
// turn comes (Opener), or a decoded image (Image). Its name labels its
// Result and errors. The zero Input is an unnamed, empty file in memory,
// which fails to decode. An Input is a
// value, but what it refers to is not copied: a Reader input is read once
// and must not be read elsewhere meanwhile.
type Input struct {
	name string
	kind inputKind
	path string
	data []byte
	r    io.Reader
	open func(context.Context) (io.ReadCloser, error)
	img  image.Image
}

type inputKind int

const (
	bytesInput inputKind = iota
	fileInput
	readerInput
	openerInput
	imageInput
)

// File is the image file at path, named by its path.
func File(path string) Input { return Input{name: path, kind: fileInput, path: path} }

// Bytes is an encoded image file held in memory (not copied: do not
// change data until its result is out).
func Bytes(name string, data []byte) Input { return Input{name: name, kind: bytesInput, data: data} }

// Reader is an encoded image file read from r, at most the predictor's
// maximum input size (WithMaxInputSize); r is read once, on a worker
// goroutine.
func Reader(name string, r io.Reader) Input { return Input{name: name, kind: readerInput, r: r} }

// Opener is an encoded image file that open opens when its turn comes,
// on a worker goroutine and with the call's context: an object in a
// bucket, say, fetched only as fast as the model takes images. When the
// reader has a Size() int64 method (gocloud.dev's blob.Reader has), a
// size above the maximum input size fails before anything is read. The
// reader is read to its end, at most that size, and closed.
func Opener(name string, open func(ctx context.Context) (io.ReadCloser, error)) Input {
	return Input{name: name, kind: openerInput, open: open}
}

// Image is a decoded image. Parity with Python covers the preprocessing
// from here on; see rgb.FromImage for how pixels are read.
func Image(name string, img image.Image) Input { return Input{name: name, kind: imageInput, img: img} }

// Name is the name the input was made with.
func (in Input) Name() string { return in.name }

// Files is the sequence of File inputs for paths, as Stream takes it.
func Files(paths []string) iter.Seq[Input] { return mapSeq(paths, File) }

func blobInputs(files [][]byte) iter.Seq[Input] {
	return mapSeq(files, func(b []byte) Input { return Bytes("", b) })
}

func imageInputs(images []image.Image) iter.Seq[Input] {
	return mapSeq(images, func(m image.Image) Input { return Image("", m) })
}

func mapSeq[T any](s []T, f func(T) Input) iter.Seq[Input] {
	return func(yield func(Input) bool) {
		for _, v := range s {
			if !yield(f(v)) {
				return
			}
		}
	}
}

// scratch is one preprocessing goroutine's reusable memory.
type scratch struct {
	file []byte
	pre  preprocess.Scratch
}

// read returns an encoded input's bytes.
func (p *Predictor) read(ctx context.Context, in Input, s *scratch) ([]byte, error) {
	switch in.kind {
	case fileInput:
		return readFile(ctx, in.path, p.cfg.maxInput, &s.file)
	case readerInput:
		return readAtMost(in.r, p.cfg.maxInput, &s.file)
	case openerInput:
		return p.readOpener(ctx, in.open, s)
	}
	if int64(len(in.data)) > p.cfg.maxInput {
		return nil, tooLarge(int64(len(in.data)), p.cfg.maxInput)
	}
	return in.data, nil
}

func (p *Predictor) readOpener(ctx context.Context, open func(context.Context) (io.ReadCloser, error), s *scratch) ([]byte, error) {
	if open == nil {
		return nil, errors.New("nil opener")
	}
	rc, err := open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if sz, ok := rc.(interface{ Size() int64 }); ok && sz.Size() > p.cfg.maxInput {
		return nil, tooLarge(sz.Size(), p.cfg.maxInput)
	}
	return readAtMost(rc, p.cfg.maxInput, &s.file)
}

// decodeNeed is what decoding data and preprocessing the result hold at
// their peak, from its header (which fails, as the decode would, when the
// data is no image we decode).
func (p *Predictor) decodeNeed(data []byte) (int64, error) {
	h, err := decode.ConfigWith(data, p.cfg.decode)
	if err != nil {
		return 0, err
	}
	need := h.PeakBytes() + p.cfg.transform.ScratchBytes(h.Width, h.Height)
	if p.cfg.decode.EXIFTranspose {
		need += 3 * int64(h.Width) * int64(h.Height) // the turned copy
	}
	return need, nil
}

// fromImage reads an image.Image's pixels (rgb.FromImage), within the
// same size limit as decoded files.
func (p *Predictor) fromImage(img image.Image) (*rgb.Image, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("empty image")
	}
	b := img.Bounds()
	if err := p.cfg.decode.Limits.Check(b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	return rgb.FromImage(img), nil
}

func tooLarge(size, max int64) error {
	return fmt.Errorf("input of %d bytes is above the %d-byte maximum input size", size, max)
}

// readFile reads a regular file into *buf (reused across calls), up to
// its size when opened and at most max bytes, in chunks between which it
// gives up if ctx is done. It opens without blocking and checks the type
// first, so a FIFO, socket or device is refused at once instead of
// hanging the read. The path is left out of the error: InputError names
// the input.
func readFile(ctx context.Context, path string, max int64, buf *[]byte) ([]byte, error) {
	data, err := readRegular(ctx, path, max, buf)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err // still errors.Is(err, fs.ErrNotExist) etc.
	}
	return data, err
}

// readChunk is how much readRegular reads between two looks at ctx.
const readChunk = 8 << 20

func readRegular(ctx context.Context, path string, max int64, buf *[]byte) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory")
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	size := st.Size()
	if size > max {
		return nil, tooLarge(size, max)
	}
	if int64(cap(*buf)) < size {
		*buf = make([]byte, size)
	}
	data := (*buf)[:size]
	n := 0
	for n < len(data) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := io.ReadFull(f, data[n:min(len(data), n+readChunk)])
		n += k
		if err == io.ErrUnexpectedEOF || err == io.EOF { // the file shrank
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return data[:n], nil
}

// readAtMost reads r to its end into *buf, refusing more than max bytes.
func readAtMost(r io.Reader, max int64, buf *[]byte) ([]byte, error) {
	if r == nil {
		return nil, errors.New("nil reader")
	}
	b := (*buf)[:0]
	lr := &io.LimitedReader{R: r, N: max + 1}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			return nil, err
		}
	}
	*buf = b
	if int64(len(b)) > max {
		return nil, fmt.Errorf("input is above the %d-byte maximum input size", max)
	}
	return b, nil
}
