package decode

import (
	"errors"
	"fmt"
)

// Kind classifies decode failures.
type Kind int

const (
	NotImage    Kind = iota + 1 // no known image signature
	Unsupported                 // a known format this package does not decode (exactly)
	Corrupt                     // the data is damaged or invalid
	Truncated                   // the data ends early
	TooLarge                    // above the decompression-bomb limit
)

func (k Kind) String() string {
	switch k {
	case NotImage:
		return "not an image"
	case Unsupported:
		return "unsupported"
	case Corrupt:
		return "corrupt"
	case Truncated:
		return "truncated"
	case TooLarge:
		return "too large"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// FormatError is a decode failure. Format is the detected format ("" when
// none was recognised). Like every type of this package it is a plain
// value; the package's functions are safe for concurrent use.
type FormatError struct {
	Format string
	Kind   Kind
	Msg    string
}

func (e *FormatError) Error() string { return e.Msg }

// Is lets errors.Is(err, decode.ErrUnsupported) etc. match on Kind.
func (e *FormatError) Is(target error) bool {
	t, ok := target.(*FormatError)
	return ok && t.Format == "" && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is: they match any FormatError of their Kind.
var (
	ErrNotImage    error = &FormatError{Kind: NotImage}
	ErrUnsupported error = &FormatError{Kind: Unsupported}
	ErrCorrupt     error = &FormatError{Kind: Corrupt}
	ErrTruncated   error = &FormatError{Kind: Truncated}
	ErrTooLarge    error = &FormatError{Kind: TooLarge}
)

// errorf is the one constructor of this package's errors: a FormatError of
// format and kind, its message formatted as fmt.Sprintf does.
func errorf(format string, kind Kind, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, Kind: kind, Msg: fmt.Sprintf(msg, args...)}
}

// declined marks a header failure that Pillow's reader raises as
// SyntaxError, IndexError, TypeError or struct.error: Image.open then tries
// its other readers, TGA last (lastresort.go), before giving up with
// "cannot identify image file".
type declined struct{ *FormatError }

func (e declined) Unwrap() error { return e.FormatError }

// unidentified is format's reader declining a file: Pillow says "cannot
// identify image file" unless a reader tried after it takes the file.
func unidentified(format, reason string, args ...any) error {
	return declined{errorf(format, NotImage, "not an image: Pillow cannot identify this %s file (%s)", format, fmt.Sprintf(reason, args...))}
}

// withFormat renames a decode error for the container format it came from
// (a DIB in a CUR, a PCX page in a DCX), keeping whether it is declined.
func withFormat(err error, format string) error {
	switch e := err.(type) {
	case declined:
		f := *e.FormatError
		f.Format = format
		return declined{&f}
	case *FormatError:
		f := *e
		f.Format = format
		return &f
	}
	return err
}

// KindOf reports the Kind of a decode error anywhere in err's chain, or 0.
func KindOf(err error) Kind {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return 0
}
