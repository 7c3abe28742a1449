package server

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/torchgo/predict/predictor"
)

// Metrics are the server's Prometheus metrics. Make them before the
// predictor, so that its batches are reported (PredictorOptions).
type Metrics struct {
	gatherer prometheus.Gatherer

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	queue      prometheus.Histogram
	preprocess prometheus.Histogram
	compute    prometheus.Histogram
	batch      prometheus.Histogram
	inflight   prometheus.Gauge
	startup    *prometheus.GaugeVec

	pred atomic.Pointer[predictor.Predictor] // queue depth, once loaded
}

// NewRegistry is a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// NewMetrics registers the server's metrics with reg; GET /metrics serves
// what g gathers (usually the same registry).
func NewMetrics(reg prometheus.Registerer, g prometheus.Gatherer) *Metrics {
	// Latency buckets from 0.5 ms to ~16 s, doubling.
	latency := prometheus.ExponentialBuckets(0.0005, 2, 16)
	m := &Metrics{
		gatherer: g,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "predict_requests_total",
			Help: "Inference requests by protocol (rest, grpc, classify) and outcome (ok, bad_request, not_found, too_large, overloaded, unavailable, deadline, cancelled, error).",
		}, []string{"protocol", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "predict_request_duration_seconds", Help: "Inference request latency, receipt to response.", Buckets: latency,
		}, []string{"protocol"}),
		queue: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "predict_queue_duration_seconds", Help: "Time an image waited in the queue for its batch to start.", Buckets: latency,
		}),
		preprocess: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "predict_preprocess_duration_seconds", Help: "Time an image took from admission to the queue: a decoding turn, decode, resize.", Buckets: latency,
		}),
		compute: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "predict_compute_duration_seconds", Help: "Time a batch took in the model.", Buckets: latency,
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "predict_batch_size", Help: "Images per forward pass.", Buckets: prometheus.ExponentialBuckets(1, 2, 13),
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "predict_inflight_requests", Help: "Inference requests being served.",
		}),
		startup: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "predict_model_startup_seconds", Help: "How long loading the model took, by step (load, warm_up, check).",
		}, []string{"step"}),
	}
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "predict_queue_depth", Help: "Images admitted and not yet in a batch.",
	}, func() float64 {
		if p := m.pred.Load(); p != nil {
			return float64(p.QueueLen())
		}
		return 0
	})
	reg.MustRegister(m.requests, m.duration, m.queue, m.preprocess, m.compute, m.batch, m.inflight, m.startup, queued)
	return m
}

// ObserveBatch records one forward pass (predictor.WithBatchObserver).
func (m *Metrics) ObserveBatch(size int, compute time.Duration) {
	m.batch.Observe(float64(size))
	m.compute.Observe(compute.Seconds())
}

func (m *Metrics) setPredictor(p *predictor.Predictor) {
	m.pred.Store(p)
	if p == nil {
		return
	}
	st := p.Startup()
	m.startup.WithLabelValues("load").Set(st.Load.Seconds())
	m.startup.WithLabelValues("warm_up").Set(st.WarmUp.Seconds())
	m.startup.WithLabelValues("check").Set(st.Check.Seconds())
}

// observeImage records where one image's time went.
func (m *Metrics) observeImage(t predictor.Timing) {
	m.preprocess.Observe(t.Preprocess.Seconds())
	if t.BatchSize > 0 {
		m.queue.Observe(t.Queue.Seconds())
	}
}

func (m *Metrics) observeRequest(protocol, outcome string, d time.Duration) {
	m.requests.WithLabelValues(protocol, outcome).Inc()
	m.duration.WithLabelValues(protocol).Observe(d.Seconds())
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}
