package server

import (
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed page/index.html
var pageHTML string

// pageTemplate is the page at GET /: choose or drop an image, see its top
// classes. Everything it needs is in the one file.
var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	k := 0
	if p := s.pred.Load(); p != nil {
		k = p.TopK()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTemplate.Execute(w, struct {
		Model string
		TopK  int
	}{s.cfg.ModelName, k})
}
