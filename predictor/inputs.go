package predictor

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"

	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/preprocess"
	"github.com/torchgo/predict/rgb"
)

// scratch is one preprocessing goroutine's reusable memory.
type scratch struct {
	file []byte
	pre  preprocess.Scratch
}

// source is a list of inputs: name(i) labels input i in results and
// errors, load(i) turns it into RGB pixels.
type source struct {
	n    int
	name func(i int) string
	load func(i int, s *scratch) (*rgb.Image, Stage, error)
}

func noName(int) string { return "" }

func (p *Predictor) files(paths []string) source {
	return source{
		n:    len(paths),
		name: func(i int) string { return paths[i] },
		load: func(i int, s *scratch) (*rgb.Image, Stage, error) {
			data, err := readImageFile(paths[i], &s.file)
			if err != nil {
				return nil, StageRead, err
			}
			return p.decodeBytes(data)
		},
	}
}

func (p *Predictor) blobs(files [][]byte) source {
	return source{n: len(files), name: noName, load: func(i int, _ *scratch) (*rgb.Image, Stage, error) {
		return p.decodeBytes(files[i])
	}}
}

func (p *Predictor) images(images []image.Image) source {
	return source{n: len(images), name: noName, load: func(i int, _ *scratch) (*rgb.Image, Stage, error) {
		return p.fromImage(images[i])
	}}
}

func (p *Predictor) decodeBytes(data []byte) (*rgb.Image, Stage, error) {
	img, err := decode.BytesWith(data, p.cfg.decode)
	return img, StageDecode, err
}

// fromImage reads an image.Image's pixels (rgb.FromImage), within the
// same size limit as decoded files.
func (p *Predictor) fromImage(img image.Image) (*rgb.Image, Stage, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, StageDecode, errors.New("empty image")
	}
	b := img.Bounds()
	if err := p.cfg.decode.Limits.Check(b.Dx(), b.Dy()); err != nil {
		return nil, StageDecode, err
	}
	return rgb.FromImage(img), StageDecode, nil
}

// readImageFile reads a file into *buf (reused across calls), refusing
// directories with a clear error. The path is left out of the error:
// InputError names the input.
func readImageFile(path string, buf *[]byte) ([]byte, error) {
	data, err := readInto(path, buf)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err // still errors.Is(err, fs.ErrNotExist) etc.
	}
	return data, err
}

func readInto(path string, buf *[]byte) ([]byte, error) {
	f, err := os.Open(path)
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
	size := int(st.Size())
	if cap(*buf) < size+1 {
		*buf = make([]byte, size+1)
	}
	// Read one byte past the stat size so a file that grew is not cut.
	n, err := io.ReadFull(f, (*buf)[:size+1])
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return (*buf)[:n], nil
	}
	if err != nil {
		return nil, err
	}
	rest, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	*buf = append((*buf)[:n], rest...)
	return *buf, nil
}
