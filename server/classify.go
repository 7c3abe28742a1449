package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
)

// serveClassify is POST /v1/classify, for people and curl: the body is
// one image file (any Content-Type but multipart), answered with the
// object `predict --format jsonl` prints for it; or multipart/form-data
// whose file parts are images, answered with an array of those objects in
// part order, a bad image getting its own {"path", "error"} object.
// ?logits=true adds the logits. A bad single image is a 400 with its
// object; everything else fails as the v2 endpoints do.
func (s *Server) serveClassify(w http.ResponseWriter, r *http.Request) (int, *failure) {
	if f := s.unavailable(); f != nil {
		return 0, f
	}
	logits, _ := strconv.ParseBool(r.URL.Query().Get("logits"))
	body, f := s.readBody(w, r)
	if f != nil {
		return 0, f
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var names []string
	var images [][]byte
	if mt == "multipart/form-data" {
		if names, images, f = multipartImages(body, params["boundary"]); f != nil {
			return 0, f
		}
	} else {
		names, images = []string{""}, [][]byte{body}
	}
	results, f := s.classify(r.Context(), images, 0)
	if f != nil && f.kind != badRequest {
		return len(images), f
	}
	if f != nil && results == nil {
		return len(images), f // the request itself is bad
	}
	for i := range results {
		results[i].Path = names[i]
		if !logits {
			results[i].Logits = nil
		}
	}
	status := http.StatusOK
	if mt != "multipart/form-data" {
		if results[0].Err != nil {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, results[0])
		return 1, nil
	}
	writeJSON(w, status, results)
	return len(images), nil
}

// multipartImages reads the file parts of a multipart/form-data body.
func multipartImages(body []byte, boundary string) ([]string, [][]byte, *failure) {
	if boundary == "" {
		return nil, nil, fail(badRequest, "multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var names []string
	var images [][]byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fail(badRequest, "reading the multipart body: "+err.Error())
		}
		if part.FileName() == "" {
			continue // a form field, not a file
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, fail(badRequest, "reading the multipart body: "+err.Error())
		}
		names = append(names, part.FileName())
		images = append(images, data)
	}
	if len(images) == 0 {
		return nil, nil, fail(badRequest, "no file in the multipart body")
	}
	return names, images, nil
}
