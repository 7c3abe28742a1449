// Command servicebench measures the single-image service path
// (Predictor.ClassifyBytes) the way a Go service meets it: a burst of
// decompression-bomb uploads with short deadlines, and the first requests
// a freshly started service answers. Results go to docs/BENCHMARKS.md.
//
//	servicebench -model build/resnet18-seed0.pt -image testdata/images/rocket.jpg
//
// Each scenario prints one line of figures; peak RSS is the process's
// high-water mark (VmHWM, reset before the scenario through
// /proc/self/clear_refs), idle RSS what the process held just before.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/hostile"
	"github.com/torchgo/predict/predictor"
)

func main() {
	model := flag.String("model", "build/resnet18-seed0.pt", "TorchScript model")
	image := flag.String("image", "testdata/images/rocket.jpg", "image for the cold/warm scenario")
	threads := flag.Int("threads", runtime.NumCPU(), "LibTorch intra-op threads")
	callers := flag.Int("callers", 8, "concurrent callers")
	rounds := flag.Int("rounds", 10, "cold/warm: rounds of concurrent calls")
	delay := flag.Duration("delay", 50*time.Millisecond, "cold/warm: max delay, long enough for every caller of a round to share one batch")
	flag.Parse()
	if err := bomb(*model, *threads, *callers); err != nil {
		fmt.Fprintln(os.Stderr, "servicebench:", err)
		os.Exit(1)
	}
	if err := coldWarm(*model, *image, *threads, *callers, *rounds, *delay); err != nil {
		fmt.Fprintln(os.Stderr, "servicebench:", err)
		os.Exit(1)
	}
}

func open(model string, threads int, opts ...predictor.Option) (*predictor.Predictor, time.Duration, error) {
	if err := binding.SetThreads(threads); err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	p, err := predictor.New(model, append([]predictor.Option{predictor.WithDevice(binding.Device{Kind: binding.CPU})}, opts...)...)
	return p, time.Since(t0), err
}

// bomb: `callers` concurrent uploads of a 97 KB PNG declaring 10000×10000
// pixels, each with a 100 ms deadline, against a queue of 1.
func bomb(model string, threads, callers int) error {
	p, _, err := open(model, threads, predictor.WithQueueSize(1))
	if err != nil {
		return err
	}
	defer p.Close()
	data := hostile.PNGBomb(10000, 10000)
	debug.FreeOSMemory()
	idle := rss("VmRSS")
	resetPeak()

	start := time.Now()
	outcomes := make([]string, callers)
	answered := make([]time.Duration, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := p.ClassifyBytes(ctx, data)
			answered[i] = time.Since(start)
			outcomes[i] = outcome(err)
		}()
	}
	wg.Wait()
	last := slices.Max(answered)
	// Work the callers no longer wait for may still be running.
	time.Sleep(5 * time.Second)
	peak := rss("VmHWM")
	fmt.Printf("bomb: %d callers, %d-byte PNG of 10000x10000, 100 ms deadlines, queue 1, %d threads: "+
		"last answer after %v; outcomes %s; idle RSS %d MB, peak RSS %d MB (+%d MB)\n",
		callers, len(data), threads, last.Round(time.Millisecond), tally(outcomes), idle>>20, peak>>20, (peak-idle)>>20)
	return nil
}

// coldWarm: a freshly loaded predictor gets `rounds` rounds of `callers`
// concurrent ClassifyBytes calls; round 1 is the cold service.
func coldWarm(model, image string, threads, callers, rounds int, delay time.Duration) error {
	data, err := os.ReadFile(image)
	if err != nil {
		return err
	}
	p, load, err := open(model, threads, predictor.WithMaxDelay(delay))
	if err != nil {
		return err
	}
	defer p.Close()
	var cold, warm []time.Duration
	for r := range rounds {
		lat := make([]time.Duration, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				if _, err := p.ClassifyBytes(context.Background(), data); err != nil {
					fmt.Fprintln(os.Stderr, "servicebench:", err)
				}
				lat[i] = time.Since(t0)
			}()
		}
		wg.Wait()
		if r == 0 {
			cold = lat
		} else {
			warm = append(warm, lat...)
		}
	}
	fmt.Printf("cold/warm: %d callers, %s, max delay %v, %d threads, New %v: first round p50 %v max %v; rounds 2-%d p50 %v p99 %v\n",
		callers, image, delay, threads, load.Round(time.Millisecond),
		pct(cold, 50), slices.Max(cold).Round(time.Millisecond), rounds, pct(warm, 50), pct(warm, 99))
	return nil
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, predictor.ErrOverloaded):
		return "overloaded"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return "error"
}

func tally(outcomes []string) string {
	n := map[string]int{}
	for _, o := range outcomes {
		n[o]++
	}
	var parts []string
	for _, k := range []string{"ok", "overloaded", "deadline", "error"} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	return strings.Join(parts, ", ")
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(100 * time.Microsecond)
}

// rss reads a /proc/self/status field (VmRSS, VmHWM) in bytes.
func rss(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			fmt.Sscan(v, &kb)
			return kb << 10
		}
	}
	return 0
}

// resetPeak starts a new VmHWM high-water mark (proc(5), clear_refs "5").
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
