package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/torchgo/predict/predictor"
)

// writer prints results as they come, in input order, each one written
// out (not buffered) before the next.
type writer interface {
	write(r predictor.Result) error
	flush() error
}

// checkFormat refuses an unknown output format before anything runs.
func checkFormat(format string) error {
	switch format {
	case "table", "jsonl", "csv":
		return nil
	}
	return fmt.Errorf("unknown format %q (want table, jsonl or csv)", format)
}

// newWriter makes the writer for format. The table's columns are fixed
// up front from the widest of paths, within a limit, so that rows stream.
// The csv header is written unless w already holds it (a resumed run).
func newWriter(format string, w io.Writer, paths []string, hasHeader bool) (writer, error) {
	switch format {
	case "table":
		t := &tableWriter{w: w, pathW: columnWidth(paths, len("PATH"), maxPathWidth)}
		_, err := fmt.Fprintf(w, "%-*s  %5s  %-6s  %s\n", t.pathW, "PATH", "INDEX", "PROB", "LABEL")
		return t, err
	case "jsonl":
		return &jsonlWriter{w: w}, nil
	case "csv":
		c := &csvWriter{cw: csv.NewWriter(w)}
		if hasHeader {
			return c, nil
		}
		_, err := io.WriteString(w, csvHeader)
		return c, err
	}
	return nil, checkFormat(format)
}

// prob prints a float32 as the shortest decimal that parses back to it.
func prob(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

// maxPathWidth bounds the table's path column; longer paths lose their
// beginning ("…" then the end, where the file name is).
const maxPathWidth = 60

// tableWriter prints one aligned row per result; the label (or error)
// comes last so that a long one cannot push the other columns.
type tableWriter struct {
	w     io.Writer
	pathW int
}

func (t *tableWriter) write(r predictor.Result) error {
	path := cutLeft(r.Path, t.pathW)
	if r.Err != nil {
		_, err := fmt.Fprintf(t.w, "%-*s  %5s  %-6s  error: %s\n", t.pathW, path, "-", "-", r.ErrorText())
		return err
	}
	b := r.Best()
	_, err := fmt.Fprintf(t.w, "%-*s  %5d  %.4f  %s\n", t.pathW, path, b.Index, b.Prob, b.Label)
	return err
}

func (t *tableWriter) flush() error { return nil }

// columnWidth is the widest of names in runes, at least lo, at most hi.
func columnWidth(names []string, lo, hi int) int {
	w := lo
	for _, n := range names {
		w = max(w, utf8.RuneCountInString(n))
	}
	return min(w, hi)
}

// cutLeft shortens s to width runes by dropping its beginning.
func cutLeft(s string, width int) string {
	n := utf8.RuneCountInString(s)
	if n <= width {
		return s
	}
	r := []rune(s)
	return "…" + string(r[n-width+1:])
}

type jsonlWriter struct{ w io.Writer }

// write prints r as Result.MarshalJSON does: the schema shared with
// scripts/reference.py.
func (j *jsonlWriter) write(r predictor.Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.w.Write(append(b, '\n'))
	return err
}

func (j *jsonlWriter) flush() error { return nil }

type csvWriter struct{ cw *csv.Writer }

func (c *csvWriter) write(r predictor.Result) error {
	if r.Err != nil {
		c.cw.Write([]string{r.Path, "", "", "", "", r.ErrorText()})
		return c.flush()
	}
	for rank, cl := range r.Top {
		if err := c.cw.Write([]string{r.Path, strconv.Itoa(rank + 1), strconv.Itoa(cl.Index), cl.Label, prob(cl.Prob), ""}); err != nil {
			return err
		}
	}
	return c.flush()
}

func (c *csvWriter) flush() error { c.cw.Flush(); return c.cw.Error() }
