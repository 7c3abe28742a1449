// Package storage is cmd/predict's door to object storage, through
// gocloud.dev/blob: inputs and outputs named by URL (s3://, gs://,
// azblob://, file://, mem://), a URL ending in "/" naming the objects
// directly under that prefix, as a directory names its files.
//
// A URL is scheme://bucket/key?parameters. The parameters configure the
// bucket's driver (for S3: endpoint, region, use_path_style, ...; see
// gocloud.dev's URL openers) and are not part of an object's name:
// Object.URL leaves them out, so results name the object the same
// whichever endpoint served it. Credentials come from each cloud's usual
// environment (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS,
// AZURE_STORAGE_ACCOUNT, ...).
//
// Transient failures (the service unreachable, throttling, 5xx) are
// retried with backoff; when they persist, the error is an
// *UnavailableError, which a batch job answers by stopping and exiting
// with a code that asks for a retry.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob"   // mem://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"
)

// Schemes are the URL schemes a Store opens.
var schemes = []string{"s3", "gs", "azblob", "file", "mem"}

// IsURL reports whether name is an object storage URL rather than a local
// path: one of the schemes followed by "://".
func IsURL(name string) bool {
	scheme, rest, ok := strings.Cut(name, "://")
	return ok && rest != "" && slices.Contains(schemes, scheme)
}

// IsPrefix reports whether rawURL names a prefix, to list, rather than
// an object: its path ends in "/" or it is a bucket's root.
func IsPrefix(rawURL string) bool {
	if !IsURL(rawURL) {
		return false
	}
	u, err := url.Parse(rawURL)
	return err == nil && (u.Path == "" || strings.HasSuffix(u.Path, "/"))
}

// UnavailableError is a storage failure that persisted through the
// retries and is worth retrying later: the service unreachable or
// overloaded, a connection lost mid-read. It is the storage's fault, not
// the object's.
type UnavailableError struct {
	URL string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s: storage unavailable: %v", e.URL, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Store opens buckets once and keeps them until Close.
type Store struct {
	// Attempts is how many times a transient failure is tried in all
	// (default 5); Backoff the wait after the first (default 250 ms),
	// doubled after each further one, with jitter.
	Attempts int
	Backoff  time.Duration

	mu      sync.Mutex
	buckets map[string]*blob.Bucket
}

// Object is one object: its bucket and key.
type Object struct {
	URL    string // scheme://bucket/key, without the bucket's parameters
	Key    string
	bucket *blob.Bucket
}

// Close closes the buckets opened.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, b := range s.buckets {
		errs = append(errs, b.Close())
	}
	s.buckets = nil
	return errors.Join(errs...)
}

// Object is the object rawURL names.
func (s *Store) Object(ctx context.Context, rawURL string) (Object, error) {
	b, base, key, err := s.open(ctx, rawURL)
	if err != nil {
		return Object{}, err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return Object{}, fmt.Errorf("%s: names a prefix, not an object", rawURL)
	}
	return Object{URL: base + key, Key: key, bucket: b}, nil
}

// List is the objects directly under the prefix rawURL names (which ends
// in "/", or is a bucket's root), sorted by key, those keep accepts.
func (s *Store) List(ctx context.Context, rawURL string, keep func(key string) bool) ([]Object, error) {
	b, base, prefix, err := s.open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("%s: a prefix to list ends in /", rawURL)
	}
	var out []Object
	err = s.retry(ctx, rawURL, func() error {
		out = out[:0]
		it := b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if !o.IsDir && keep(o.Key) {
				out = append(out, Object{URL: base + o.Key, Key: o.Key, bucket: b})
			}
		}
	})
	if err != nil {
		return nil, named(rawURL, err)
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Open opens o to read it, refusing it before its body is read when it
// is larger than max bytes. Errors reading the body are
// *UnavailableError: the object was there, the connection was not. The
// errors do not name o: they are the input's, which the caller names.
func (s *Store) Open(ctx context.Context, o Object, max int64) (io.ReadCloser, error) {
	var r *blob.Reader
	err := s.retry(ctx, o.URL, func() (err error) {
		r, err = o.bucket.NewReader(ctx, o.Key, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.Size() > max {
		r.Close()
		return nil, fmt.Errorf("input of %d bytes is above the %d-byte maximum input size", r.Size(), max)
	}
	return &reader{r: r, url: o.URL}, nil
}

// Download writes o to f from its start, truncating f first (and again
// before each retry).
func (s *Store) Download(ctx context.Context, o Object, f Rewindable) error {
	return named(o.URL, s.retry(ctx, o.URL, func() error {
		if err := rewind(f); err != nil {
			return err
		}
		return o.bucket.Download(ctx, o.Key, f, nil)
	}))
}

// Upload writes what f holds, from its start, to o, replacing it.
func (s *Store) Upload(ctx context.Context, o Object, f io.ReadSeeker) error {
	return named(o.URL, s.retry(ctx, o.URL, func() error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return o.bucket.Upload(ctx, o.Key, f, &blob.WriterOptions{ContentType: contentType(o.Key)})
	}))
}

// named puts the URL before an error that does not already carry it.
func named(name string, err error) error {
	var u *UnavailableError
	if err == nil || errors.As(err, &u) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Rewindable is a file Download can start again.
type Rewindable interface {
	io.Writer
	io.Seeker
	Truncate(size int64) error
}

func rewind(f Rewindable) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".jsonl"):
		return "application/jsonl"
	case strings.HasSuffix(key, ".csv"):
		return "text/csv"
	}
	return "application/octet-stream"
}

// open parses rawURL into its bucket (opened once per scheme, bucket and
// parameters), the URL prefix of the bucket's objects, and the key.
func (s *Store) open(ctx context.Context, rawURL string) (*blob.Bucket, string, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !IsURL(rawURL) {
		return nil, "", "", fmt.Errorf("%s: not a storage URL (%s://bucket/key)", rawURL, strings.Join(schemes, ":// or "))
	}
	key := strings.TrimPrefix(u.Path, "/")
	bucketURL := u.Scheme + "://" + u.Host
	if u.Scheme == "file" {
		// file:///dir/x.jpg: the file system's root is the bucket, the
		// path the key.
		bucketURL = "file:///"
	}
	base := bucketURL
	if u.Scheme != "file" {
		base += "/"
	}
	if u.RawQuery != "" {
		bucketURL += "?" + u.RawQuery
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucketURL]; b != nil {
		return b, base, key, nil
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", rawURL, err)
	}
	if s.buckets == nil {
		s.buckets = map[string]*blob.Bucket{}
	}
	s.buckets[bucketURL] = b
	return b, base, key, nil
}

// retry runs op until it succeeds, fails for good, or has failed
// transiently Attempts times (then the error is an *UnavailableError).
func (s *Store) retry(ctx context.Context, name string, op func() error) error {
	attempts, wait := s.Attempts, s.Backoff
	if attempts < 1 {
		attempts = 5
	}
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	for i := 1; ; i++ {
		err := op()
		if err == nil || !transient(ctx, err) {
			return describe(err)
		}
		if i == attempts {
			return &UnavailableError{URL: name, Err: err}
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(wait/2 + rand.N(wait)):
		}
		wait *= 2
	}
}

// transient reports whether err may pass: not the caller's own end, not
// an answer about the object (absent, forbidden, malformed).
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch gcerrors.Code(err) {
	case gcerrors.Unknown, gcerrors.Internal, gcerrors.ResourceExhausted, gcerrors.DeadlineExceeded:
		return true
	}
	return false
}

// describe words a failure for good: a missing object reads like a
// missing file, and is one for errors.Is(err, fs.ErrNotExist).
func describe(err error) error {
	if err != nil && gcerrors.Code(err) == gcerrors.NotFound {
		return errNotFound
	}
	return err
}

var errNotFound notFoundError

type notFoundError struct{}

func (notFoundError) Error() string        { return "no such object" }
func (notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// reader marks errors reading a body as the storage's fault.
type reader struct {
	r   *blob.Reader
	url string
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &UnavailableError{URL: r.url, Err: err}
	}
	return n, err
}

func (r *reader) Size() int64  { return r.r.Size() }
func (r *reader) Close() error { return r.r.Close() }
