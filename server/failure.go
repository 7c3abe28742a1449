package server

import (
	"net/http"

	"google.golang.org/grpc/codes"
)

// failKind is why a request failed, in terms each protocol maps to its own
// status: whose fault it is, and what the client should do.
type failKind int

const (
	badRequest  failKind = iota + 1 // the request or one of its images is bad: fix it
	notFound                        // no such model or version
	tooLarge                        // the request is over the size limit
	overloaded                      // the queue is full: retry later
	unavailable                     // not ready, or draining: go elsewhere
	deadline                        // the request's deadline passed first
	cancelled                       // the client went away
	internal                        // the model or device failed
)

// failure is a failed request: its kind and a message for the client.
type failure struct {
	kind failKind
	msg  string
}

func (f *failure) Error() string { return f.msg }

func fail(k failKind, msg string) *failure { return &failure{kind: k, msg: msg} }

// statusClientClosed is what the log and metrics say of a request whose
// client left (nginx's 499); nothing is written to the client.
const statusClientClosed = 499

func (k failKind) httpStatus() int {
	switch k {
	case badRequest:
		return http.StatusBadRequest
	case notFound:
		return http.StatusNotFound
	case tooLarge:
		return http.StatusRequestEntityTooLarge
	case overloaded:
		return http.StatusTooManyRequests
	case unavailable:
		return http.StatusServiceUnavailable
	case deadline:
		return http.StatusGatewayTimeout
	case cancelled:
		return statusClientClosed
	}
	return http.StatusInternalServerError
}

func (k failKind) grpcCode() codes.Code {
	switch k {
	case badRequest:
		return codes.InvalidArgument
	case notFound:
		return codes.NotFound
	case tooLarge, overloaded:
		return codes.ResourceExhausted
	case unavailable:
		return codes.Unavailable
	case deadline:
		return codes.DeadlineExceeded
	case cancelled:
		return codes.Canceled
	}
	return codes.Internal
}

// outcome is the metrics label of a request that ended so; nil is "ok".
func (f *failure) outcome() string {
	if f == nil {
		return "ok"
	}
	return [...]string{badRequest: "bad_request", notFound: "not_found", tooLarge: "too_large", overloaded: "overloaded",
		unavailable: "unavailable", deadline: "deadline", cancelled: "cancelled", internal: "error"}[f.kind]
}
