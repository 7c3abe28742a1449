package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/torchgo/predict/predictor"
	"github.com/torchgo/predict/preprocess"
)

// transformOptions are the flags of the preprocessing. Unset (empty, 0)
// ones leave the preset's or the model file's value.
type transformOptions struct {
	preset, resize, crop, interpolation, mean, std string
	maxSize                                        int
}

func addTransformFlags(fs *flag.FlagSet, t *transformOptions) {
	fs.StringVar(&t.preset, "preset", "", "preprocessing: resize224 = Resize((224,224)) (the default, unless the model file carries its own transform); resize256-crop224 (or imagenet) = Resize(256)+CenterCrop(224)")
	fs.StringVar(&t.resize, "resize", "", "Resize: N (the shorter side to N) or HxW (exactly, torchvision's (h, w) order)")
	fs.StringVar(&t.crop, "crop", "", "CenterCrop after Resize: N or HxW")
	fs.StringVar(&t.interpolation, "interpolation", "", "Resize's interpolation: nearest, bilinear (default), bicubic, box, hamming or lanczos")
	fs.IntVar(&t.maxSize, "max-size", 0, "Resize(N)'s max_size: the longer side at most this")
	fs.StringVar(&t.mean, "mean", "", "Normalize's mean: three numbers, comma-separated (default: ImageNet's)")
	fs.StringVar(&t.std, "std", "", "Normalize's std: three numbers, comma-separated (default: ImageNet's)")
}

// transform is the preprocessing: the preset's, or the model file's own
// (predict.json) when no preset is named, then each flag. A flag that
// changes what the model file says is stated on stderr. The model file's
// class names come back too.
func (t transformOptions) transform(model string, stderr io.Writer) (preprocess.Transform, []string, error) {
	// A file that cannot be opened or is no archive fails later, at the
	// model load, which says why; a predict.json that does not parse fails
	// here.
	info, err := predictor.ReadModelInfo(model)
	var pathErr *fs.PathError
	if err != nil && !errors.Is(err, predictor.ErrNoModelInfo) && !errors.As(err, &pathErr) {
		return preprocess.Transform{}, nil, err
	}
	carried := info.Transform != nil
	var mt predictor.ModelTransform
	if carried {
		mt = *info.Transform
	}
	var tr preprocess.Transform
	switch {
	case t.preset != "":
		if tr, err = preprocess.Preset(t.preset); err != nil {
			return tr, nil, err
		}
		if carried {
			fmt.Fprintf(stderr, "predict: --preset %s replaces the transform %s carries (%s)\n", t.preset, model, describeModelTransform(mt))
		}
	case carried:
		if tr, err = mt.PreprocessTransform(); err != nil {
			return tr, nil, fmt.Errorf("%s: %w", model, err)
		}
	default:
		tr = preprocess.Resize224()
	}
	note := func(flag, value string, differs bool) {
		if carried && t.preset == "" && differs {
			fmt.Fprintf(stderr, "predict: --%s %s overrides the model file's transform (%s)\n", flag, value, describeModelTransform(mt))
		}
	}
	if t.resize != "" {
		h, w, err := parseSize(t.resize)
		if err != nil {
			return tr, nil, fmt.Errorf("--resize: %w", err)
		}
		old := [3]int{tr.ResizeShort, tr.ResizeH, tr.ResizeW}
		tr.ResizeShort, tr.ResizeH, tr.ResizeW = 0, h, w
		if w == 0 {
			tr.ResizeShort, tr.ResizeH = h, 0
		} else {
			tr.MaxSize = 0 // max_size is Resize(N)'s; --max-size may set it again
		}
		note("resize", t.resize, old != [3]int{tr.ResizeShort, tr.ResizeH, tr.ResizeW})
	}
	if t.crop != "" {
		h, w, err := parseSize(t.crop)
		if err != nil {
			return tr, nil, fmt.Errorf("--crop: %w", err)
		}
		if w == 0 {
			w = h
		}
		note("crop", t.crop, tr.CropH != h || tr.CropW != w)
		tr.CropH, tr.CropW = h, w
	}
	if t.interpolation != "" {
		in, err := preprocess.ParseInterpolation(t.interpolation)
		if err != nil {
			return tr, nil, fmt.Errorf("--interpolation: %w", err)
		}
		note("interpolation", t.interpolation, in != tr.Interpolation)
		tr.Interpolation = in
	}
	if t.maxSize != 0 {
		note("max-size", strconv.Itoa(t.maxSize), t.maxSize != tr.MaxSize)
		tr.MaxSize = t.maxSize
	}
	for _, f := range []struct {
		name, value string
		dst         *[3]float64
	}{{"mean", t.mean, &tr.Norm.Mean}, {"std", t.std, &tr.Norm.Std}} {
		if f.value == "" {
			continue
		}
		v, err := parseFloats3(f.value)
		if err != nil {
			return tr, nil, fmt.Errorf("--%s: %w", f.name, err)
		}
		note(f.name, f.value, v != *f.dst)
		*f.dst = v
	}
	if t.resize != "" || t.crop != "" || t.interpolation != "" || t.maxSize != 0 || t.mean != "" || t.std != "" {
		tr.Name = "custom"
	}
	if err := tr.Validate(); err != nil {
		return tr, nil, err
	}
	return tr, slices.Clip(info.Categories), nil
}

// parseSize reads N (w is 0) or HxW.
func parseSize(s string) (h, w int, err error) {
	hs, ws, two := strings.Cut(strings.ToLower(s), "x")
	if h, err = strconv.Atoi(hs); err == nil && two {
		w, err = strconv.Atoi(ws)
	}
	if err != nil || h < 1 || two && w < 1 {
		return 0, 0, fmt.Errorf("%q: want N or HxW with positive numbers", s)
	}
	return h, w, nil
}

func parseFloats3(s string) ([3]float64, error) {
	var v [3]float64
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return v, fmt.Errorf("%q: want three comma-separated numbers", s)
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return v, fmt.Errorf("%q: %w", s, err)
		}
		v[i] = f
	}
	return v, nil
}

func describeModelTransform(m predictor.ModelTransform) string {
	return fmt.Sprintf("resize %v, crop %v, %s, mean %v, std %v", m.Resize, m.Crop, m.Interpolation, m.Mean, m.Std)
}
