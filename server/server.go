// Package server serves a predictor over the Open Inference Protocol
// ("KServe v2", the protocol of Triton and KServe) on REST and gRPC, with
// health endpoints, Prometheus metrics, a graceful drain, a plain
// classification endpoint and a page for people.
//
// The model takes one input, "image": a BYTES tensor of shape [N] whose
// elements are encoded image files, decoded and preprocessed exactly as
// the user's Python pipeline does. It answers with the outputs "logits"
// and "probabilities" (FP32 [N, classes]), "top_classes" (INT64 [N, k]),
// "top_probs" (FP32 [N, k]) and "top_labels" (BYTES [N, k]). Requests are
// batched with each other by the predictor (ClassifyBytes), admitted
// before any work, and refused at once when its queue is full.
//
// A Server is an http.Handler (REST, /metrics, the page) and registers its
// gRPC services on a grpc.Server; it does not listen itself, so it can be
// mounted in a service's own mux. Its lifecycle is the caller's: New (the
// model loading or loaded), SetPredictor once loaded, Drain (readiness
// fails, inference still served), Refuse (inference refused), then the
// HTTP and gRPC servers' own graceful shutdown.
package server

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/torchgo/predict/predictor"
	"github.com/torchgo/predict/server/inferencepb"
)

// Config configures a Server. ModelName is required; the zero value of
// every other field is a default.
type Config struct {
	// ModelName is the name clients address the model by.
	ModelName string
	// ModelVersion is its one version (default "1").
	ModelVersion string
	// MaxBodyBytes bounds a REST request body and a gRPC message (default
	// DefaultMaxBodyBytes): larger ones are refused (413,
	// RESOURCE_EXHAUSTED) before they are read in full.
	MaxBodyBytes int64
	// Logger gets one line per request at debug, failures at warn (default
	// slog.Default()).
	Logger *slog.Logger
	// Metrics are the Prometheus metrics the server updates and /metrics
	// serves (default: NewMetrics on a registry of its own).
	Metrics *Metrics
	// Version is what GET /v2 reports as the server's version (default
	// "dev").
	Version string
}

// DefaultMaxBodyBytes is the default request size limit.
const DefaultMaxBodyBytes = 64 << 20

// ServerName is what GET /v2 reports as the server's name.
const ServerName = "predict"

// Server serves one model. Its methods are safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	m      *Metrics
	pred   atomic.Pointer[predictor.Predictor]
	drain  atomic.Bool // readiness fails
	refuse atomic.Bool // inference refused
	health *health.Server
	mux    *http.ServeMux
}

// New makes a server for p, which may be nil while the model loads: the
// server is then live but not ready, and refuses inference, until
// SetPredictor. p must keep logits and probabilities
// (PredictorOptions).
func New(p *predictor.Predictor, cfg Config) (*Server, error) {
	if cfg.ModelName == "" {
		return nil, fmt.Errorf("server: no model name")
	}
	cfg.ModelVersion = cmp.Or(cfg.ModelVersion, "1")
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	cfg.Version = cmp.Or(cfg.Version, "dev")
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		reg := NewRegistry()
		cfg.Metrics = NewMetrics(reg, reg)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, m: cfg.Metrics, health: health.NewServer()}
	s.routes()
	s.SetPredictor(p)
	return s, nil
}

// PredictorOptions are the options the predictor a Server serves needs:
// logits and probabilities kept, and batch sizes and compute times
// reported to m.
func PredictorOptions(m *Metrics) []predictor.Option {
	return []predictor.Option{
		predictor.WithLogits(true),
		predictor.WithProbabilities(true),
		predictor.WithBatchObserver(m.ObserveBatch),
	}
}

// SetPredictor sets the predictor once its model is loaded and warmed up:
// the server turns ready (unless draining).
func (s *Server) SetPredictor(p *predictor.Predictor) {
	s.pred.Store(p)
	s.m.setPredictor(p)
	s.updateHealth()
}

// Drain turns readiness off (GET /v2/health/ready answers 503, gRPC
// ServerReady false, grpc.health.v1 NOT_SERVING) so that load balancers
// stop sending; inference requests are still served until Refuse.
func (s *Server) Drain() {
	s.drain.Store(true)
	s.updateHealth()
	s.log.Info("draining: readiness off")
}

// Refuse refuses new inference requests (503, UNAVAILABLE); those in
// flight finish.
func (s *Server) Refuse() {
	s.drain.Store(true)
	s.refuse.Store(true)
	s.updateHealth()
	s.log.Info("draining: refusing new inference requests")
}

// ready is whether inference requests are wanted: the model is loaded and
// the server is not draining.
func (s *Server) ready() bool { return s.pred.Load() != nil && !s.drain.Load() }

func (s *Server) updateHealth() {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if s.ready() {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(inferencepb.GRPCInferenceService_ServiceDesc.ServiceName, st)
}

// RegisterGRPC registers the inference service and grpc.health.v1 on g.
// Give g MaxRecvMsgSize (GRPCServerOptions) so that large requests reach
// the service.
func (s *Server) RegisterGRPC(g *grpc.Server) {
	inferencepb.RegisterGRPCInferenceServiceServer(g, &grpcService{s: s})
	healthpb.RegisterHealthServer(g, s.health)
}

// GRPCServerOptions are the grpc.Server options the service expects: the
// message size limits of Config.MaxBodyBytes, and flow-control windows
// that take an image in one round trip (gRPC's initial 64 KiB window
// would stall every upload larger than that for an acknowledgement).
func (s *Server) GRPCServerOptions() []grpc.ServerOption {
	n := int(min(s.cfg.MaxBodyBytes, 1<<31-1))
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(n), grpc.MaxSendMsgSize(n),
		grpc.InitialWindowSize(grpcWindow), grpc.InitialConnWindowSize(4 * grpcWindow),
	}
}

// grpcWindow is the per-stream flow-control window: a few large images.
const grpcWindow = 4 << 20

// ServeHTTP serves REST, /metrics and the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
