package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// doneResult is one result an output file already holds.
type doneResult struct {
	path   string
	failed bool
	end    int64 // offset just past its last byte
}

// written is what scanOutput finds in an output file: the results that
// stand complete, in order, and where the csv header ends.
type written struct {
	header  int64 // 0: no complete header (csv), or jsonl
	results []doneResult
	end     int64 // just past the last complete line or record
}

// csvHeader is the first line of every csv output.
const csvHeader = "path,rank,index,label,prob,error\n"

// scanOutput reads an output file of size bytes (jsonl or csv, as predict
// writes them) up to the first thing that is not a complete result: a
// torn last line after a kill, or anything else that is not predict's.
// What follows it is dropped by the resume and written again, so reading
// no further is always safe: the results before it are checked against
// the inputs. A file that does not start as predict's output is refused,
// so that --resume never truncates someone else's file.
func scanOutput(r io.ReaderAt, size int64, format string) (written, error) {
	sr := io.NewSectionReader(r, 0, size)
	if format == "csv" {
		return scanCSV(sr, size)
	}
	return scanJSONL(sr)
}

func scanJSONL(r io.Reader) (written, error) {
	var w written
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return w, nil // a torn line, or none
		}
		if err != nil {
			return w, err
		}
		var v struct {
			Path  *string `json:"path"`
			Error *string `json:"error"`
		}
		if json.Unmarshal(line, &v) != nil || v.Path == nil {
			if len(w.results) == 0 {
				return w, errors.New("its first line is not a predict jsonl result")
			}
			return w, nil
		}
		w.end += int64(len(line))
		w.results = append(w.results, doneResult{path: *v.Path, failed: v.Error != nil, end: w.end})
	}
}

func scanCSV(r *io.SectionReader, size int64) (written, error) {
	var w written
	head := make([]byte, len(csvHeader))
	n, _ := io.ReadFull(r, head)
	switch {
	case n == len(head) && string(head) == csvHeader:
		w.header = int64(n)
		w.end = w.header
	case bytes.HasPrefix([]byte(csvHeader), head[:n]):
		return w, nil // a torn header
	default:
		return w, errors.New("its first line is not predict's csv header")
	}
	// Records from the header on, only those ending in a newline: a torn
	// last record may still parse.
	body := io.NewSectionReader(r, w.header, size-w.header)
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = 6
	rows := 0 // rows of the last result, while it is a successful one
	topK := 0 // rows of a successful result, once one is complete
scan:
	for {
		rec, err := cr.Read()
		end := w.header + cr.InputOffset()
		if err != nil || !endsLine(r, end) {
			break // io.EOF, or the first thing that is not a complete record
		}
		last := len(w.results) - 1
		if rows > 0 && rec[1] != "" && rec[1] != "1" {
			if rec[0] != w.results[last].path || rec[1] != strconv.Itoa(rows+1) {
				break scan
			}
			w.results[last].end, w.end = end, end
			rows++
			continue
		}
		if rows > 0 && topK == 0 {
			topK = rows
		}
		switch rec[1] {
		case "": // an error row is a whole result
			w.results = append(w.results, doneResult{path: rec[0], failed: true, end: end})
			w.end, rows = end, 0
		case "1":
			w.results = append(w.results, doneResult{path: rec[0], end: end})
			w.end, rows = end, 1
		default:
			break scan
		}
	}
	// The last result stands only if known complete: an error row, or as
	// many rows as the complete ones before it.
	if n := len(w.results); n > 0 && rows > 0 && rows != topK {
		w.results = w.results[:n-1]
	}
	return w, nil
}

// endsLine reports whether the byte before off is a newline.
func endsLine(r io.ReaderAt, off int64) bool {
	var b [1]byte
	_, err := r.ReadAt(b[:], off-1)
	return off > 0 && err == nil && b[0] == '\n'
}

// resumePoint is how many of the results an output file holds the
// resumed run keeps: all of them when they cover every input; otherwise
// those up to the last complete batch (the successes are batched in
// order, batch at a time), so that the resumed run's batches are the
// uninterrupted run's and the file ends the same even for a model whose
// logits depend on the batch. It fails when the file's results are not
// for these inputs, in this order.
func resumePoint(w written, inputs []source, batch int) (int, error) {
	if len(w.results) > len(inputs) {
		return 0, fmt.Errorf("it holds %d results for %d inputs", len(w.results), len(inputs))
	}
	for i, r := range w.results {
		if r.path != inputs[i].name {
			return 0, fmt.Errorf("result %d is for %q, input %d is %q (other inputs, order or --shard?)", i+1, r.path, i+1, inputs[i].name)
		}
	}
	if len(w.results) == len(inputs) {
		return len(inputs), nil
	}
	keep, ok := 0, 0
	for i, r := range w.results {
		if !r.failed {
			ok++
		}
		if ok%batch == 0 {
			keep = i + 1
		}
	}
	return keep, nil
}
