package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/torchgo/predict/predictor"
)

// writer prints results as they come, in input order.
type writer interface {
	write(r predictor.Result) error
	flush() error
}

func newWriter(format string, w io.Writer) (writer, error) {
	switch format {
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tINDEX\tLABEL\tPROB")
		return &tableWriter{tw: tw}, nil
	case "jsonl":
		return &jsonlWriter{w: w}, nil
	case "csv":
		cw := csv.NewWriter(w)
		return &csvWriter{cw: cw}, cw.Write([]string{"path", "rank", "index", "label", "prob", "error"})
	}
	return nil, fmt.Errorf("unknown format %q (want table, jsonl or csv)", format)
}

// prob prints a float32 as the shortest decimal that parses back to it.
func prob(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

type tableWriter struct{ tw *tabwriter.Writer }

func (t *tableWriter) write(r predictor.Result) error {
	if r.Err != nil {
		_, err := fmt.Fprintf(t.tw, "%s\t-\terror: %s\t-\n", r.Path, errText(r))
		return err
	}
	b := r.Best()
	_, err := fmt.Fprintf(t.tw, "%s\t%d\t%s\t%.4f\n", r.Path, b.Index, b.Label, b.Prob)
	return err
}

func (t *tableWriter) flush() error { return t.tw.Flush() }

type jsonlWriter struct{ w io.Writer }

// jsonlLine is the schema shared with scripts/reference.py. encoding/json
// writes float32 fields as the shortest decimal that round-trips to the
// same float32.
type jsonlLine struct {
	Path   string            `json:"path"`
	Top    []predictor.Class `json:"top,omitempty"`
	Logits []float32         `json:"logits,omitempty"`
	Error  string            `json:"error,omitempty"`
}

func (j *jsonlWriter) write(r predictor.Result) error {
	line := jsonlLine{Path: r.Path, Top: r.Top, Logits: r.Logits}
	if r.Err != nil {
		line = jsonlLine{Path: r.Path, Error: errText(r)}
	}
	b, err := json.Marshal(line)
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
		return c.cw.Write([]string{r.Path, "", "", "", "", errText(r)})
	}
	for rank, cl := range r.Top {
		if err := c.cw.Write([]string{r.Path, strconv.Itoa(rank + 1), strconv.Itoa(cl.Index), cl.Label, prob(cl.Prob), ""}); err != nil {
			return err
		}
	}
	return nil
}

func (c *csvWriter) flush() error { c.cw.Flush(); return c.cw.Error() }

// errText is the error without the path, which every format prints apart.
func errText(r predictor.Result) string {
	if ie, ok := r.Err.(*predictor.InputError); ok {
		return ie.Err.Error()
	}
	return r.Err.Error()
}
