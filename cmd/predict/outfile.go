package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/torchgo/predict/internal/storage"
)

// outputFile is --output: a local file that each result is appended to
// as it is written (a kill loses nothing written), or an object in a
// bucket, which cannot be appended to: the results are staged in a local
// file and the whole of it uploaded every checkpoint and at the end, so
// that a kill loses at most one checkpoint's results.
type outputFile struct {
	name  string
	f     *os.File
	obj   *storage.Object // nil: f is the output itself
	store *storage.Store
	every time.Duration
	last  time.Time
	ctx   context.Context // uploads outlive the run's cancellation
}

// openOutput opens the output, holding what it already holds when
// resuming (downloaded, for a bucket), empty otherwise.
func openOutput(ctx context.Context, store *storage.Store, name string, resume bool, every time.Duration) (*outputFile, error) {
	o := &outputFile{name: name, store: store, every: every, last: time.Now(), ctx: context.WithoutCancel(ctx)}
	if !storage.IsURL(name) {
		flags := os.O_RDWR | os.O_CREATE
		if !resume {
			flags |= os.O_TRUNC
		}
		f, err := os.OpenFile(name, flags, 0o644)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("%s: not a regular file", name)
		}
		o.f = f
		return o, nil
	}
	obj, err := store.Object(ctx, name)
	if err != nil {
		return nil, err
	}
	o.obj = &obj
	if o.f, err = scratchFile(); err != nil {
		return nil, err
	}
	if resume {
		err := store.Download(ctx, obj, o.f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			o.f.Close()
			return nil, err
		}
	}
	return o, nil
}

// scratchFile is a temporary file already unlinked: nothing is left
// behind, however the process ends.
func scratchFile() (*os.File, error) {
	f, err := os.CreateTemp("", "predict-*")
	if err == nil {
		os.Remove(f.Name())
	}
	return f, err
}

// size is how many bytes the output holds.
func (o *outputFile) size() (int64, error) {
	st, err := o.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// cut keeps the first n bytes and appends after them.
func (o *outputFile) cut(n int64) error {
	if err := o.f.Truncate(n); err != nil {
		return err
	}
	_, err := o.f.Seek(n, 0)
	return err
}

func (o *outputFile) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	if err != nil {
		return n, err
	}
	if time.Since(o.last) >= o.every {
		err = o.checkpoint()
	}
	return n, err
}

// checkpoint makes what is written so far durable: synced to disk, or
// uploaded.
func (o *outputFile) checkpoint() error {
	o.last = time.Now()
	if o.obj == nil {
		return o.f.Sync()
	}
	pos, err := o.f.Seek(0, 1)
	if err != nil {
		return err
	}
	if err := o.store.Upload(o.ctx, *o.obj, o.f); err != nil {
		return err
	}
	_, err = o.f.Seek(pos, 0)
	return err
}

// Close makes the output durable and closes it.
func (o *outputFile) Close() error {
	err := o.checkpoint()
	return errors.Join(err, o.f.Close())
}
