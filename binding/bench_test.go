package binding

import (
	"os"
	"strconv"
	"testing"

	"github.com/torchgo/predict/internal/testenv"
)

// BenchmarkForwardModel is the model-only throughput of this LibTorch
// through the shim: one Forward of a ready uint8 batch (normalisation
// included, the part of the C call that is not the model is < 1%).
// $PREDICT_BENCH_BATCH (default 32) and $PREDICT_BENCH_THREADS (default:
// LibTorch's) set the batch size and intra-op threads; scripts/bench.sh
// reports it as images/s next to the end-to-end figures.
func BenchmarkForwardModel(b *testing.B) {
	model := testenv.Model(b)
	bs := envInt("PREDICT_BENCH_BATCH", 32)
	if t := envInt("PREDICT_BENCH_THREADS", 0); t > 0 {
		if err := SetThreads(t); err != nil {
			b.Fatal(err)
		}
	}
	m, err := Load(model, Device{Kind: CPU})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	px := batch(bs, 224, 224)
	lut := identity()
	if _, err := m.Forward(px, bs, 224, 224, lut); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Forward(px, bs, 224, 224, lut); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bs*b.N)/b.Elapsed().Seconds(), "images/s")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
