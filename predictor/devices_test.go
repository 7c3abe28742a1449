package predictor

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/internal/testenv"
)

// threeCPUs runs the multi-device path on three CPU modules: the code
// CUDA devices take, less the devices.
var threeCPUs = withDeviceList(binding.Device{Kind: binding.CPU}, binding.Device{Kind: binding.CPU}, binding.Device{Kind: binding.CPU})

// deviceImages are n inputs: the shipped images over and over, a bad one
// among them.
func deviceImages(t *testing.T, n int) []string {
	t.Helper()
	chdirRoot(t)
	names, err := filepath.Glob("testdata/images/*")
	require.NoError(t, err)
	var out []string
	for i := range n {
		if i%11 == 5 {
			out = append(out, "testdata/missing.jpg")
			continue
		}
		out = append(out, names[i%len(names)])
	}
	return out
}

// Batches are dealt across the devices (each one gets some) and the
// results are a single device's, in input order.
func TestDevicesDealBatchesInOrder(t *testing.T) {
	paths := deviceImages(t, 60)
	want, err := tiny(t, WithLogits(true), WithBatchSize(4)).PredictFiles(context.Background(), paths)
	require.NoError(t, err)

	var per [3]atomic.Int32
	slow := func(dev, n int) error {
		per[dev].Add(1)
		time.Sleep(5 * time.Millisecond) // long enough for the others to take the next batches
		return nil
	}
	p := tiny(t, WithLogits(true), WithBatchSize(4), threeCPUs, withDeviceForward(slow))
	assert.Len(t, p.Devices(), 3)
	assert.Contains(t, p.ForwardPlan(), "batches dealt across cpu, cpu, cpu")
	for i := range per {
		per[i].Store(0) // warm-up and checks do not count
	}
	got, err := p.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Path, got[i].Path, "result %d", i)
		assert.Equal(t, want[i].Logits, got[i].Logits, paths[i])
		assert.Equal(t, want[i].Err == nil, got[i].Err == nil, paths[i])
	}
	for dev := range per {
		assert.Positive(t, per[dev].Load(), "device %d ran batches", dev)
	}
}

// A device that fails fails its own batches: each of their inputs has the
// *BatchError, every other result is there and right, in order.
func TestDeviceFailureFailsItsBatchesOnly(t *testing.T) {
	paths := deviceImages(t, 40)
	want, err := tiny(t, WithLogits(true), WithBatchSize(4)).PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	broken := &binding.Error{Op: "forward", Code: binding.DeviceFailure, Msg: "device 1 lost"}
	var armed atomic.Bool
	failing := func(dev, n int) error {
		time.Sleep(2 * time.Millisecond)
		if dev == 1 && armed.Load() {
			return broken
		}
		return nil
	}
	p := tiny(t, WithLogits(true), WithBatchSize(4), threeCPUs, withDeviceForward(failing))
	armed.Store(true)
	got, err := p.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	require.Len(t, got, len(paths))
	failed := 0
	for i, r := range got {
		require.Equal(t, paths[i], r.Path)
		var be *BatchError
		switch {
		case errors.As(r.Err, &be):
			failed++
			assert.ErrorIs(t, r.Err, binding.ErrDevice)
		case want[i].Err != nil:
			assert.Error(t, r.Err, paths[i])
		default:
			require.NoError(t, r.Err, paths[i])
			assert.Equal(t, want[i].Logits, r.Logits, paths[i])
		}
	}
	assert.Positive(t, failed, "device 1 took some batches")
	assert.Less(t, failed, len(paths)-10, "the other devices took the rest")
}

// Close while every device is busy waits for the batches in flight, and
// the run ends with ErrClosed or its results, never a crash.
func TestCloseWhileDevicesBusy(t *testing.T) {
	paths := deviceImages(t, 200)
	started := make(chan struct{})
	var once sync.Once
	busy := func(dev, n int) error {
		once.Do(func() { close(started) })
		time.Sleep(20 * time.Millisecond)
		return nil
	}
	p, err := New(testenv.TestModel(t, "tiny_classifier.pt"), cpu, WithBatchSize(4), threeCPUs, withDeviceForward(busy))
	require.NoError(t, err)
	var runErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, runErr = p.PredictFiles(context.Background(), paths)
	}()
	<-started
	require.NoError(t, p.Close())
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after Close")
	}
	assert.ErrorIs(t, runErr, ErrClosed)
	_, err = p.PredictFiles(context.Background(), paths[:1])
	assert.ErrorIs(t, err, ErrClosed)
}

func TestWithDevicesRefuses(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	cuda0 := binding.Device{Kind: binding.CUDA}
	for name, opt := range map[string]Option{
		"none":  WithDevices(),
		"twice": WithDevices(cuda0, cuda0),
		"auto":  WithDevices(binding.Device{Kind: binding.Auto}),
	} {
		_, err := New(model, opt)
		assert.Error(t, err, name)
	}
	// One device is the plain path.
	p := tiny(t, WithDevices(binding.Device{Kind: binding.CPU}))
	assert.Equal(t, []binding.Device{{Kind: binding.CPU}}, p.Devices())
	assert.NotContains(t, p.ForwardPlan(), "devices")
}

// Single-image calls fill batches for every free inference worker: with
// three devices, batches run on several at once, and each caller gets its
// own image's result.
func TestDevicesServeSingleImages(t *testing.T) {
	var paths []string
	for _, p := range deviceImages(t, 26) {
		if p != "testdata/missing.jpg" {
			paths = append(paths, p)
		}
	}
	blobs := readAll(t, paths)
	var running, most atomic.Int32
	var seen [3]atomic.Bool
	hook := func(dev, n int) error {
		seen[dev].Store(true)
		now := running.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return nil
	}
	single := tiny(t, WithLogits(true), WithQueueSize(64))
	p := tiny(t, WithLogits(true), WithBatchSize(2), WithMaxDelay(time.Millisecond), WithQueueSize(64), threeCPUs, withDeviceForward(hook))
	for i := range seen {
		seen[i].Store(false)
	}
	most.Store(0)
	var wg sync.WaitGroup
	for i, b := range blobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := p.ClassifyBytes(context.Background(), b)
			want, werr := single.ClassifyBytes(context.Background(), b)
			if werr != nil {
				assert.Error(t, err, paths[i])
				return
			}
			assert.NoError(t, err, paths[i])
			assert.Equal(t, want.Logits, got.Logits, paths[i])
		}()
	}
	wg.Wait()
	assert.Greater(t, most.Load(), int32(1), "batches ran on several devices at once")
	n := 0
	for i := range seen {
		if seen[i].Load() {
			n++
		}
	}
	assert.Greater(t, n, 1, "more than one device took batches")
}
