package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/torchgo/predict/predictor"
)

// headerJSONLength is the binary tensor data extension's header: the
// length of the JSON object that starts the body, binary data after it.
const headerJSONLength = "Inference-Header-Content-Length"

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/health/live", s.live)
	mux.HandleFunc("GET /v2/health/ready", s.readyz)
	mux.HandleFunc("GET /v2", s.serverMetadata)
	mux.HandleFunc("GET /v2/models/{name}", s.restModelMetadata)
	mux.HandleFunc("GET /v2/models/{name}/versions/{version}", s.restModelMetadata)
	mux.HandleFunc("GET /v2/models/{name}/ready", s.restModelReady)
	mux.HandleFunc("GET /v2/models/{name}/versions/{version}/ready", s.restModelReady)
	mux.HandleFunc("POST /v2/models/{name}/infer", s.inference("rest", s.serveREST))
	mux.HandleFunc("POST /v2/models/{name}/versions/{version}/infer", s.inference("rest", s.serveREST))
	mux.HandleFunc("POST /v1/classify", s.inference("classify", s.serveClassify))
	mux.Handle("GET /metrics", s.m.handler())
	mux.HandleFunc("GET /{$}", s.page)
	s.mux = mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeFailure answers {"error": ...} with the failure's status; a full
// queue says when to retry.
func writeFailure(w http.ResponseWriter, f *failure) {
	if f.kind == cancelled {
		return // nobody is listening
	}
	if f.kind == overloaded {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, f.kind.httpStatus(), map[string]string{"error": f.msg})
}

func (s *Server) live(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"live": true})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, readyStatus(s.ready()), map[string]bool{"ready": s.ready()})
}

func readyStatus(ready bool) int {
	if ready {
		return http.StatusOK
	}
	return http.StatusServiceUnavailable
}

// Extensions are the protocol extensions the server supports.
var Extensions = []string{"binary_tensor_data"}

func (s *Server) serverMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"name": ServerName, "version": s.cfg.Version, "extensions": Extensions})
}

func (s *Server) restModelMetadata(w http.ResponseWriter, r *http.Request) {
	if f := s.checkModel(r.PathValue("name"), r.PathValue("version")); f != nil {
		writeFailure(w, f)
		return
	}
	in, out := s.modelMeta()
	writeJSON(w, http.StatusOK, map[string]any{
		"name": s.cfg.ModelName, "versions": []string{s.cfg.ModelVersion}, "platform": Platform,
		"inputs": in, "outputs": out,
	})
}

func (s *Server) restModelReady(w http.ResponseWriter, r *http.Request) {
	if f := s.checkModel(r.PathValue("name"), r.PathValue("version")); f != nil {
		writeFailure(w, f)
		return
	}
	writeJSON(w, readyStatus(s.ready()), map[string]any{"name": s.cfg.ModelName, "ready": s.ready()})
}

// restRequest is $inference_request. Parameters stay raw until read: the
// protocol allows a bool, a number or a string for each.
type restRequest struct {
	ID         string                     `json:"id"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Inputs     []struct {
		Name       string                     `json:"name"`
		Shape      []int64                    `json:"shape"`
		Datatype   string                     `json:"datatype"`
		Parameters map[string]json.RawMessage `json:"parameters"`
		Data       json.RawMessage            `json:"data"`
	} `json:"inputs"`
	Outputs []struct {
		Name       string                     `json:"name"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"outputs"`
}

type restOutput struct {
	Name       string         `json:"name"`
	Datatype   string         `json:"datatype"`
	Shape      []int64        `json:"shape"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Data       any            `json:"data,omitempty"`
}

// boolParam and intParam read a parameter; absent is false or !ok.
func boolParam(p map[string]json.RawMessage, key string) (bool, *failure) {
	v, ok := p[key]
	if !ok {
		return false, nil
	}
	var b bool
	if json.Unmarshal(v, &b) != nil {
		return false, fail(badRequest, fmt.Sprintf("parameter %s: want true or false", key))
	}
	return b, nil
}

func intParam(p map[string]json.RawMessage, key string) (int64, bool, *failure) {
	v, ok := p[key]
	if !ok {
		return 0, false, nil
	}
	var n int64
	if json.Unmarshal(v, &n) != nil {
		return 0, false, fail(badRequest, fmt.Sprintf("parameter %s: want an integer", key))
	}
	return n, true, nil
}

// readBody reads the request body up to the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *failure) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, s.tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, s.tooLarge()
	case err != nil && r.Context().Err() != nil:
		return nil, fail(cancelled, "request cancelled")
	case err != nil:
		return nil, fail(badRequest, "reading the request body: "+err.Error())
	}
	return body, nil
}

func (s *Server) tooLarge() *failure {
	return fail(tooLarge, fmt.Sprintf("request body over the server's limit of %d bytes", s.cfg.MaxBodyBytes))
}

// parsedRequest is what an inference request asks for, whichever
// protocol carried it.
type parsedRequest struct {
	id      string
	images  [][]byte
	outputs []string
	binary  map[string]bool // outputs to send as binary data (REST)
	timeout time.Duration
}

// parseREST reads an inference request: a JSON object, and binary data
// after it when the binary tensor data extension's header says so.
func parseREST(r *http.Request, body []byte) (parsedRequest, *failure) {
	var q parsedRequest
	jsonPart, bin := body, []byte(nil)
	if h := r.Header.Get(headerJSONLength); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 || n > len(body) {
			return q, fail(badRequest, fmt.Sprintf("header %s: %q is not a length within the body (%d bytes)", headerJSONLength, h, len(body)))
		}
		jsonPart, bin = body[:n], body[n:]
	}
	var req restRequest
	dec := json.NewDecoder(bytes.NewReader(jsonPart))
	if err := dec.Decode(&req); err != nil {
		return q, fail(badRequest, "the request is not a JSON inference request: "+err.Error())
	}
	q.id = req.ID
	us, has, f := intParam(req.Parameters, "timeout")
	if f != nil {
		return q, f
	}
	if q.timeout, f = timeoutParam(us, has); f != nil {
		return q, f
	}
	if len(req.Inputs) != 1 {
		return q, wrongInputs()
	}
	in := req.Inputs[0]
	n, f := imageCount(in.Name, in.Datatype, in.Shape)
	if f != nil {
		return q, f
	}
	size, isBinary, f := intParam(in.Parameters, "binary_data_size")
	if f != nil {
		return q, f
	}
	if isBinary {
		if size < 0 || size > int64(len(bin)) {
			return q, fail(badRequest, fmt.Sprintf("input %q: binary_data_size %d, but %d bytes of binary data follow the JSON", inputName, size, len(bin)))
		}
		if int64(len(bin)) != size {
			return q, fail(badRequest, fmt.Sprintf("%d bytes of binary data after the JSON, input %q claims %d", len(bin), inputName, size))
		}
		if q.images, f = splitBytes(bin, n); f != nil {
			return q, f
		}
	} else if q.images, f = jsonImages(in.Data, n); f != nil {
		return q, f
	}
	allBinary, f := boolParam(req.Parameters, "binary_data_output")
	if f != nil {
		return q, f
	}
	q.binary = map[string]bool{}
	for _, o := range req.Outputs {
		q.outputs = append(q.outputs, o.Name)
		b, f := boolParam(o.Parameters, "binary_data")
		if f != nil {
			return q, f
		}
		_, set := o.Parameters["binary_data"]
		q.binary[o.Name] = b || allBinary && !set
	}
	if q.outputs, f = selectOutputs(q.outputs); f != nil {
		return q, f
	}
	if len(req.Outputs) == 0 {
		for _, o := range q.outputs {
			q.binary[o] = allBinary
		}
	}
	return q, nil
}

// jsonImages reads the input's JSON data: n base64 strings, flat or
// nested as the shape is.
func jsonImages(data json.RawMessage, n int) ([][]byte, *failure) {
	if out, ok := flatBase64(data); ok && len(out) == n {
		return out, nil
	}
	var v any
	if len(data) == 0 || json.Unmarshal(data, &v) != nil {
		return nil, fail(badRequest, fmt.Sprintf("input %q: no data (want %d base64-encoded image files)", inputName, n))
	}
	var out [][]byte
	var walk func(any) *failure
	walk = func(v any) *failure {
		switch e := v.(type) {
		case []any:
			for _, x := range e {
				if f := walk(x); f != nil {
					return f
				}
			}
		case string:
			b, err := base64.StdEncoding.DecodeString(e)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(e); err != nil {
					return fail(badRequest, fmt.Sprintf("input %q element %d: not base64", inputName, len(out)))
				}
			}
			out = append(out, b)
		default:
			return fail(badRequest, fmt.Sprintf("input %q element %d: want a base64 string", inputName, len(out)))
		}
		return nil
	}
	if f := walk(v); f != nil {
		return nil, f
	}
	if len(out) != n {
		return nil, fail(badRequest, fmt.Sprintf("input %q: shape says %d elements, data holds %d", inputName, n, len(out)))
	}
	return out, nil
}

// flatBase64 reads the common shape of the data, a flat array of
// base64 strings without escapes, straight from the JSON text: decoding
// it through encoding/json scans a 100 KB image four times. Anything
// else is !ok and left to the general reader, which also words the errors.
func flatBase64(data []byte) (out [][]byte, ok bool) {
	rest, ok := bytes.CutPrefix(bytes.TrimSpace(data), []byte("["))
	if !ok {
		return nil, false
	}
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		s, ok := bytes.CutPrefix(rest, []byte(`"`))
		if !ok {
			return nil, false
		}
		end := bytes.IndexByte(s, '"')
		if end < 0 || bytes.IndexByte(s[:end], '\\') >= 0 {
			return nil, false
		}
		enc := base64.StdEncoding
		if end%4 != 0 {
			enc = base64.RawStdEncoding
		}
		b := make([]byte, enc.DecodedLen(end))
		m, err := enc.Decode(b, s[:end])
		if err != nil {
			return nil, false
		}
		out = append(out, b[:m])
		rest = bytes.TrimLeft(s[end+1:], " \t\r\n")
		switch {
		case len(rest) == 0:
			return nil, false
		case rest[0] == ']':
			return out, len(bytes.TrimSpace(rest[1:])) == 0
		case rest[0] != ',':
			return nil, false
		}
		rest = rest[1:]
	}
}

// inference is an inference endpoint: serve's work, counted in flight,
// its failure answered, and the request logged and measured; serve
// returns how many images the request held.
func (s *Server) inference(protocol string, serve func(http.ResponseWriter, *http.Request) (int, *failure)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.m.inflight.Inc()
		defer s.m.inflight.Dec()
		n, f := serve(w, r)
		if f != nil {
			writeFailure(w, f)
		}
		s.logRequest(protocol, r.URL.Path, n, f, time.Since(start))
	}
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) (int, *failure) {
	if f := s.checkModel(r.PathValue("name"), r.PathValue("version")); f != nil {
		return 0, f
	}
	if f := s.unavailable(); f != nil {
		return 0, f
	}
	body, f := s.readBody(w, r)
	if f != nil {
		return 0, f
	}
	q, f := parseREST(r, body)
	if f != nil {
		return len(q.images), f
	}
	results, f := s.classify(r.Context(), q.images, q.timeout)
	if f != nil {
		return len(q.images), f
	}
	return len(q.images), s.writeREST(w, q, results)
}

// writeREST writes an infer response: the JSON header, then the outputs
// the request asked for as binary, each in its turn.
func (s *Server) writeREST(w http.ResponseWriter, q parsedRequest, results []predictor.Result) *failure {
	resp := map[string]any{"model_name": s.cfg.ModelName, "model_version": s.cfg.ModelVersion}
	if q.id != "" {
		resp["id"] = q.id
	}
	var outs []restOutput
	var bin [][]byte
	for _, name := range q.outputs {
		t, f := makeOutput(name, results)
		if f != nil {
			return f
		}
		o := restOutput{Name: t.name, Datatype: t.datatype, Shape: t.shape}
		if q.binary[name] {
			raw := t.raw()
			o.Parameters = map[string]any{"binary_data_size": len(raw)}
			bin = append(bin, raw)
		} else {
			o.Data = t.jsonData()
		}
		outs = append(outs, o)
	}
	resp["outputs"] = outs
	head, err := json.Marshal(resp)
	if err != nil {
		return fail(internal, "encoding the response: "+err.Error())
	}
	if len(bin) == 0 {
		w.Header().Set("Content-Type", "application/json")
		w.Write(head)
		return nil
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set(headerJSONLength, strconv.Itoa(len(head)))
	w.Write(head)
	for _, b := range bin {
		w.Write(b)
	}
	return nil
}

// logRequest and the metrics: one line per request at debug, failures at
// warn (a client that left at debug).
func (s *Server) logRequest(protocol, target string, images int, f *failure, d time.Duration) {
	s.m.observeRequest(protocol, f.outcome(), d)
	if f == nil || f.kind == cancelled {
		s.log.Debug("request", "protocol", protocol, "target", target, "images", images, "outcome", f.outcome(), "duration", d)
		return
	}
	s.log.Warn("request failed", "protocol", protocol, "target", target, "images", images, "outcome", f.outcome(),
		"status", f.kind.httpStatus(), "error", f.msg, "duration", d)
}
