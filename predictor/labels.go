package predictor

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
)

// imagenetClasses are the 1000 ImageNet-1k class names in index order,
// taken from torchvision's own metadata (torchvision.models._meta).
//
//go:embed imagenet_classes.txt
var imagenetClasses string

// ImageNetLabels returns the 1000 ImageNet class names, the default labels
// for a model with 1000 outputs.
func ImageNetLabels() []string {
	return ParseLabels(imagenetClasses)
}

// ParseLabels splits a labels file: one class name per line, in class
// index order. Trailing whitespace and a final newline are ignored; blank
// lines in the middle are kept as (empty) names so indices stay aligned.
func ParseLabels(text string) []string {
	text = strings.TrimRight(text, "\r\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return lines
}

// MaxLabelsFileSize bounds a labels file: a million class names fit.
const MaxLabelsFileSize = 16 << 20

// LoadLabels reads a labels file (see ParseLabels): a regular file of at
// most MaxLabelsFileSize bytes, opened without blocking, so that a device
// or an endless pipe named by mistake fails at once.
func LoadLabels(path string) ([]string, error) {
	var buf []byte
	b, err := readFile(context.Background(), path, MaxLabelsFileSize, &buf)
	if err != nil {
		return nil, fmt.Errorf("labels %s: %w", path, err)
	}
	labels := ParseLabels(string(b))
	if len(labels) == 0 {
		return nil, fmt.Errorf("labels: %s holds no class names", path)
	}
	return labels, nil
}
