package server

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/status"

	"github.com/torchgo/predict/predictor"
	pb "github.com/torchgo/predict/server/inferencepb"
)

// grpcService is inference.GRPCInferenceService with the REST endpoints'
// semantics; outputs always travel in raw_output_contents.
type grpcService struct {
	pb.UnimplementedGRPCInferenceServiceServer
	s *Server
}

func grpcError(f *failure) error {
	if f == nil {
		return nil
	}
	return status.Error(f.kind.grpcCode(), f.msg)
}

func (g *grpcService) ServerLive(context.Context, *pb.ServerLiveRequest) (*pb.ServerLiveResponse, error) {
	return &pb.ServerLiveResponse{Live: true}, nil
}

func (g *grpcService) ServerReady(context.Context, *pb.ServerReadyRequest) (*pb.ServerReadyResponse, error) {
	return &pb.ServerReadyResponse{Ready: g.s.ready()}, nil
}

func (g *grpcService) ModelReady(_ context.Context, req *pb.ModelReadyRequest) (*pb.ModelReadyResponse, error) {
	if f := g.s.checkModel(req.GetName(), req.GetVersion()); f != nil {
		return nil, grpcError(f)
	}
	return &pb.ModelReadyResponse{Ready: g.s.ready()}, nil
}

func (g *grpcService) ServerMetadata(context.Context, *pb.ServerMetadataRequest) (*pb.ServerMetadataResponse, error) {
	return &pb.ServerMetadataResponse{Name: ServerName, Version: g.s.cfg.Version, Extensions: Extensions}, nil
}

func (g *grpcService) ModelMetadata(_ context.Context, req *pb.ModelMetadataRequest) (*pb.ModelMetadataResponse, error) {
	if f := g.s.checkModel(req.GetName(), req.GetVersion()); f != nil {
		return nil, grpcError(f)
	}
	in, out := g.s.modelMeta()
	conv := func(ts []tensorMeta) []*pb.ModelMetadataResponse_TensorMetadata {
		var o []*pb.ModelMetadataResponse_TensorMetadata
		for _, t := range ts {
			o = append(o, &pb.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape})
		}
		return o
	}
	return &pb.ModelMetadataResponse{
		Name: g.s.cfg.ModelName, Versions: []string{g.s.cfg.ModelVersion}, Platform: Platform,
		Inputs: conv(in), Outputs: conv(out),
	}, nil
}

func (g *grpcService) ModelInfer(ctx context.Context, req *pb.ModelInferRequest) (*pb.ModelInferResponse, error) {
	start := time.Now()
	g.s.m.inflight.Inc()
	defer g.s.m.inflight.Dec()
	resp, n, f := g.infer(ctx, req)
	g.s.logRequest("grpc", "ModelInfer", n, f, time.Since(start))
	return resp, grpcError(f)
}

func (g *grpcService) infer(ctx context.Context, req *pb.ModelInferRequest) (*pb.ModelInferResponse, int, *failure) {
	s := g.s
	if f := s.checkModel(req.GetModelName(), req.GetModelVersion()); f != nil {
		return nil, 0, f
	}
	q, f := parseGRPC(req)
	if f != nil {
		return nil, len(q.images), f
	}
	results, f := s.classify(ctx, q.images, q.timeout)
	if f != nil {
		return nil, len(q.images), f
	}
	resp, f := s.grpcResponse(req.GetId(), q, results)
	return resp, len(q.images), f
}

// grpcResponse holds the outputs the request asked for, each in
// raw_output_contents.
func (s *Server) grpcResponse(id string, q parsedRequest, results []predictor.Result) (*pb.ModelInferResponse, *failure) {
	resp := &pb.ModelInferResponse{ModelName: s.cfg.ModelName, ModelVersion: s.cfg.ModelVersion, Id: id}
	for _, name := range q.outputs {
		t, f := makeOutput(name, results)
		if f != nil {
			return nil, f
		}
		resp.Outputs = append(resp.Outputs, &pb.ModelInferResponse_InferOutputTensor{Name: t.name, Datatype: t.datatype, Shape: t.shape})
		resp.RawOutputContents = append(resp.RawOutputContents, t.raw())
	}
	return resp, nil
}

// parseGRPC reads a ModelInferRequest: the images from
// raw_input_contents or contents.bytes_contents.
func parseGRPC(req *pb.ModelInferRequest) (parsedRequest, *failure) {
	var q parsedRequest
	if p, ok := req.GetParameters()["timeout"]; ok {
		us, isInt := p.GetParameterChoice().(*pb.InferParameter_Int64Param)
		if !isInt {
			return q, fail(badRequest, "parameter timeout: want an int64 number of microseconds")
		}
		var f *failure
		if q.timeout, f = timeoutParam(us.Int64Param, true); f != nil {
			return q, f
		}
	}
	ins := req.GetInputs()
	if len(ins) != 1 {
		return q, wrongInputs()
	}
	n, f := imageCount(ins[0].GetName(), ins[0].GetDatatype(), ins[0].GetShape())
	if f != nil {
		return q, f
	}
	switch raw := req.GetRawInputContents(); {
	case len(raw) > 1:
		return q, fail(badRequest, fmt.Sprintf("%d raw_input_contents entries for one input", len(raw)))
	case len(raw) == 1:
		if len(ins[0].GetContents().GetBytesContents()) > 0 {
			return q, fail(badRequest, fmt.Sprintf("input %q has both contents and raw_input_contents", inputName))
		}
		if q.images, f = splitBytes(raw[0], n); f != nil {
			return q, f
		}
	default:
		q.images = ins[0].GetContents().GetBytesContents()
		if len(q.images) != n {
			return q, fail(badRequest, fmt.Sprintf("input %q: shape says %d elements, contents hold %d", inputName, n, len(q.images)))
		}
	}
	for _, o := range req.GetOutputs() {
		q.outputs = append(q.outputs, o.GetName())
	}
	q.outputs, f = selectOutputs(q.outputs)
	return q, f
}
