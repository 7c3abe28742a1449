package predictor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/predictor"
)

// The examples use the seeded ResNet18 that `make models` exports (random
// weights: its classes are meaningless, but deterministic).
const model = "../build/resnet18-seed0.pt"

func ExampleNew() {
	p, err := predictor.New(model,
		predictor.WithDevice(binding.Device{Kind: binding.CPU}),
		predictor.WithPreset("resize256-crop224"),
		predictor.WithBatchSize(32),
		predictor.WithTopK(3))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	fmt.Println(p.Device(), p.Classes(), p.Labels()[0])
	// Output: cpu 1000 tench
}

func ExamplePredictor_PredictFiles() {
	p, err := predictor.New(model, predictor.WithDevice(binding.Device{Kind: binding.CPU}))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	results, err := p.PredictFiles(context.Background(), []string{
		"../testdata/images/rocket.jpg",
		"../testdata/bad/not-an-image.jpg",
	})
	if err != nil {
		log.Fatal(err) // the whole call failed: cancelled, or closed
	}
	for _, r := range results {
		var ie *predictor.InputError
		if errors.As(r.Err, &ie) {
			fmt.Printf("%s: failed at %s\n", ie.Path, ie.Stage)
			continue
		}
		fmt.Printf("%s: %s\n", r.Path, r.Best().Label)
	}
	// Output:
	// ../testdata/images/rocket.jpg: Greater Swiss Mountain dog
	// ../testdata/bad/not-an-image.jpg: failed at decode
}

// ClassifyBytes is the call for a service: one image per request, from
// many goroutines at once; concurrent calls share batches.
func ExamplePredictor_ClassifyBytes() {
	p, err := predictor.New(model, predictor.WithDevice(binding.Device{Kind: binding.CPU}), predictor.WithQueueSize(64))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	body, err := os.ReadFile("../testdata/images/rocket.jpg") // an upload
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.ClassifyBytes(context.Background(), body)
	var ie *predictor.InputError
	switch {
	case errors.As(err, &ie):
		fmt.Println("400:", err) // the client's image is bad
	case errors.Is(err, predictor.ErrOverloaded):
		fmt.Println("429:", err) // shed load
	case err != nil:
		fmt.Println("500:", err) // the model, the device, or closed
	default:
		fmt.Println(res.Best().Index, res.Best().Label)
	}
	// Output: 238 Greater Swiss Mountain dog
}

// Stream classifies inputs of any kind as they come, results in input order.
func ExamplePredictor_Stream() {
	p, err := predictor.New(model, predictor.WithDevice(binding.Device{Kind: binding.CPU}))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	inputs := func(yield func(predictor.Input) bool) {
		_ = yield(predictor.File("../testdata/images/rocket.jpg")) &&
			yield(predictor.Bytes("upload", []byte("not an image")))
	}
	for r, err := range p.Stream(context.Background(), inputs) {
		if err != nil {
			log.Fatal(err)
		}
		if r.Err != nil {
			fmt.Println(r.Path, "failed")
			continue
		}
		fmt.Println(r.Path, r.Best().Label)
	}
	// Output:
	// ../testdata/images/rocket.jpg Greater Swiss Mountain dog
	// upload failed
}
