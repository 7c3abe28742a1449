package predictor

import "encoding/json"

// ModelInfo is what a model file says about itself: the "predict.json"
// that scripts/export_resnet18.py stores inside the TorchScript archive.
// Models exported otherwise have none, and a zero ModelInfo.
type ModelInfo struct {
	Arch    string `json:"arch"`
	Classes int    `json:"classes"`
	Weights string `json:"weights"` // "random" or "trained"
	Source  string `json:"source"`
	Seed    *int64 `json:"seed,omitempty"`
}

// RandomWeights reports a model exported with random weights, whose
// predictions are meaningless.
func (i ModelInfo) RandomWeights() bool { return i.Weights == "random" }

// parseModelInfo reads the metadata; anything unreadable counts as none,
// since the file is informative only.
func parseModelInfo(s string) ModelInfo {
	var i ModelInfo
	if s != "" && json.Unmarshal([]byte(s), &i) != nil {
		return ModelInfo{}
	}
	return i
}
