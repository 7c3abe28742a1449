package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints "done/total, images/s, ETA, failures" on one rewritten
// stderr line, at most every interval, and a final newline. It starts
// printing only after `after`, so short runs stay silent.
type progress struct {
	w            io.Writer
	total        int
	start, last  time.Time
	after, every time.Duration
	done, failed int
	printed      bool
}

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	return &progress{w: w, total: total, start: now, last: now, after: time.Second, every: 250 * time.Millisecond}
}

func (p *progress) add(failed bool) {
	p.done++
	if failed {
		p.failed++
	}
	now := time.Now()
	if now.Sub(p.start) < p.after || (now.Sub(p.last) < p.every && p.done < p.total) {
		return
	}
	p.last = now
	p.print(now)
}

func (p *progress) print(now time.Time) {
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(p.done) / elapsed
	eta := "-"
	if rate > 0 && p.done < p.total {
		eta = (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%d/%d  %.1f images/s  ETA %s  %d failed\x1b[K", p.done, p.total, rate, eta, p.failed)
	p.printed = true
}

// finish ends the progress line, if one was printed.
func (p *progress) finish() {
	if p.printed {
		p.print(time.Now())
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device (a terminal), where
// a rewritten progress line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
