package predictor

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/torchgo/predict/preprocess"
)

// ModelInfo is what a model file says about itself: the "predict.json"
// that scripts/export_resnet18.py and scripts/export_torchvision.py store
// inside the TorchScript archive (torch.jit.save's _extra_files). Models
// exported otherwise have none, and a zero ModelInfo.
type ModelInfo struct {
	Arch    string `json:"arch"` // torchvision's model name
	Classes int    `json:"classes"`
	Weights string `json:"weights"` // "random" or "trained"
	Source  string `json:"source"`
	Seed    *int64 `json:"seed,omitempty"`

	// Transform is the preprocessing the weights were made for (their
	// transforms()), if the exporter recorded it; New uses it unless
	// WithTransform is given.
	Transform *ModelTransform `json:"transform,omitempty"`
	// Categories are the class names, one per output; New uses them
	// unless WithLabels or WithLabelsFile is given.
	Categories []string `json:"categories,omitempty"`
}

// ModelTransform is the weights' transforms() preset (torchvision's
// ImageClassification: Resize, CenterCrop, ToTensor, Normalize).
type ModelTransform struct {
	Resize        []int     `json:"resize"` // [N]: shorter side; [H, W]: exact
	Crop          []int     `json:"crop"`   // [H, W], or none
	Interpolation string    `json:"interpolation"`
	MaxSize       int       `json:"max_size"`
	Mean          []float64 `json:"mean"`
	Std           []float64 `json:"std"`
}

// RandomWeights reports a model exported with random weights, whose
// predictions are meaningless.
func (i ModelInfo) RandomWeights() bool { return i.Weights == "random" }

// parseModelInfo reads the metadata: none when s is empty; a predict.json
// that does not parse is an error, since it may carry the preprocessing.
func parseModelInfo(s string) (ModelInfo, error) {
	var i ModelInfo
	if s == "" {
		return i, nil
	}
	if err := json.Unmarshal([]byte(s), &i); err != nil {
		return ModelInfo{}, fmt.Errorf("predict.json: %w", err)
	}
	return i, nil
}

// ErrNoModelInfo is ReadModelInfo's error for a model file without one
// (or that is no zip archive at all).
var ErrNoModelInfo = errors.New("the model file carries no predict.json")

// ReadModelInfo reads the predict.json a TorchScript archive carries from
// the file's zip directory, without LibTorch (New reads the same file
// through LibTorch when it loads the model).
func ReadModelInfo(path string) (ModelInfo, error) {
	zr, err := zip.OpenReader(path)
	if errors.Is(err, zip.ErrFormat) {
		return ModelInfo{}, ErrNoModelInfo // not an archive: loading it says more
	}
	if err != nil {
		return ModelInfo{}, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		// The archive's entries sit under one directory named for it.
		dir, name, ok := strings.Cut(f.Name, "/")
		if !ok || dir == "" || name != "extra/predict.json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return ModelInfo{}, fmt.Errorf("%s: %w", path, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
		if err != nil {
			return ModelInfo{}, fmt.Errorf("%s: %w", path, err)
		}
		info, err := parseModelInfo(string(b))
		if err != nil {
			return ModelInfo{}, fmt.Errorf("%s: %w", path, err)
		}
		return info, nil
	}
	return ModelInfo{}, ErrNoModelInfo
}

// PreprocessTransform is the transform as a preprocess.Transform.
func (m ModelTransform) PreprocessTransform() (preprocess.Transform, error) {
	t := preprocess.Transform{Name: "model", Norm: preprocess.ImageNetNormalization}
	switch len(m.Resize) {
	case 1:
		t.ResizeShort = m.Resize[0]
	case 2:
		t.ResizeH, t.ResizeW = m.Resize[0], m.Resize[1]
	default:
		return t, fmt.Errorf("predict.json: resize %v: want [N] or [H, W]", m.Resize)
	}
	switch len(m.Crop) {
	case 0:
	case 1:
		t.CropH, t.CropW = m.Crop[0], m.Crop[0]
	case 2:
		t.CropH, t.CropW = m.Crop[0], m.Crop[1]
	default:
		return t, fmt.Errorf("predict.json: crop %v: want [N] or [H, W]", m.Crop)
	}
	t.MaxSize = m.MaxSize
	if m.Interpolation != "" {
		var err error
		if t.Interpolation, err = preprocess.ParseInterpolation(m.Interpolation); err != nil {
			return t, fmt.Errorf("predict.json: %w", err)
		}
	}
	for _, v := range []struct {
		name string
		src  []float64
		dst  *[3]float64
	}{{"mean", m.Mean, &t.Norm.Mean}, {"std", m.Std, &t.Norm.Std}} {
		switch len(v.src) {
		case 0:
		case 3:
			copy(v.dst[:], v.src)
		default:
			return t, fmt.Errorf("predict.json: %s %v: want 3 values", v.name, v.src)
		}
	}
	return t, t.Validate()
}
