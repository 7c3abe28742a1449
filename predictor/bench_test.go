package predictor

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/testenv"
)

// BenchmarkClassifyConcurrent is the service case: C goroutines each
// calling ClassifyBytes in a loop on the seeded ResNet18 (batch 32, max
// delay 2ms; $PREDICT_BENCH_THREADS intra-op threads, else LibTorch's).
// It reports images/s and the p50/p99 latency of one call;
// scripts/bench.sh records them for 1, 8 and 64 callers.
func BenchmarkClassifyConcurrent(b *testing.B) {
	model := testenv.Model(b)
	data, err := os.ReadFile(testenv.Path("testdata", "images", "rocket.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	if t, err := strconv.Atoi(os.Getenv("PREDICT_BENCH_THREADS")); err == nil && t > 0 {
		if err := binding.SetThreads(t); err != nil {
			b.Fatal(err)
		}
	}
	p, err := New(model, cpu, WithQueueSize(256))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, callers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			perCaller := max(1, b.N/callers)
			lat := make([]time.Duration, 0, perCaller*callers)
			var mu sync.Mutex
			var wg sync.WaitGroup
			b.ResetTimer()
			for c := 0; c < callers; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mine := make([]time.Duration, 0, perCaller)
					for i := 0; i < perCaller; i++ {
						start := time.Now()
						if _, err := p.ClassifyBytes(context.Background(), data); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(start))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) == 0 {
				return
			}
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
