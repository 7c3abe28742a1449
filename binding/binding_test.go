package binding

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// identity is a normalisation table mapping v to v/255 in every channel.
func identity() *[3][256]float32 {
	var t [3][256]float32
	for c := range t {
		for v := range t[c] {
			t[c][v] = float32(v) / 255
		}
	}
	return &t
}

func batch(n, h, w int) []byte {
	b := make([]byte, n*h*w*3)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{
		"":       {Kind: Auto},
		"auto":   {Kind: Auto},
		"cpu":    {Kind: CPU},
		"CUDA":   {Kind: CUDA},
		"cuda:3": {Kind: CUDA, Index: 3},
	} {
		got, err := ParseDevice(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"gpu", "cuda:", "cuda:-1", "cuda:x", "mps"} {
		_, err := ParseDevice(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "cuda:2", Device{Kind: CUDA, Index: 2}.String())
	assert.Equal(t, "cuda", CUDA.String())
	assert.Equal(t, "DeviceKind(7)", DeviceKind(7).String())
}

// Device reads and writes its text form through encoding (JSON here) and
// flag.
func TestDeviceText(t *testing.T) {
	var cfg struct{ Device Device }
	require.NoError(t, json.Unmarshal([]byte(`{"Device":"cuda:1"}`), &cfg))
	assert.Equal(t, Device{Kind: CUDA, Index: 1}, cfg.Device)
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Device":"cuda:1"}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"Device":"tpu"}`), &cfg))

	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dev := Device{Kind: CPU}
	fs.Var(&dev, "device", "where to run")
	require.NoError(t, fs.Parse([]string{"--device", "auto"}))
	assert.Equal(t, Device{Kind: Auto}, dev)
	assert.Error(t, fs.Parse([]string{"--device", "gpu"}))
}

func TestVersionAndDevices(t *testing.T) {
	v, err := Version()
	require.NoError(t, err)
	assert.Regexp(t, `^\d+\.\d+\.\d+$`, v)
	n, err := CUDADeviceCount()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 0)
}

func TestThreads(t *testing.T) {
	before, err := Threads()
	require.NoError(t, err)
	def, err := DefaultThreads()
	require.NoError(t, err)
	require.NoError(t, SetThreads(def+1))
	again, err := DefaultThreads()
	require.NoError(t, err)
	assert.Equal(t, def, again, "LibTorch's default does not follow SetThreads")
	require.NoError(t, SetThreads(2))
	got, err := Threads()
	require.NoError(t, err)
	assert.Equal(t, 2, got)
	require.NoError(t, SetThreads(before))

	assert.ErrorIs(t, SetThreads(0), ErrInvalidArgument)
}

// Load's failures say whose fault they are through their code, without
// C++ backtraces.
func TestLoadErrors(t *testing.T) {
	var te *Error
	_, err := Load(testenv.Path("no", "such", "model.pt"), Device{Kind: CPU})
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "load", te.Op)
	assert.Equal(t, IO, te.Code)
	assert.ErrorIs(t, err, ErrIO)
	assert.NotContains(t, err.Error(), "Exception raised from", "C++ backtrace leaked into the message")

	_, err = Load(testenv.Path("testdata"), Device{Kind: CPU})
	assert.ErrorIs(t, err, ErrIO, "a directory")

	_, err = Load(testenv.TestModel(t, "not_torchscript.pt"), Device{Kind: CPU})
	require.ErrorAs(t, err, &te)
	assert.Contains(t, te.Path, "not_torchscript.pt")
	assert.ErrorIs(t, err, ErrNotTorchScript)
	assert.Contains(t, err.Error(), "torch.jit.trace")
	assert.NotContains(t, err.Error(), "Exception raised from")
	assert.False(t, errors.Is(err, ErrIO))

	if n, _ := CUDADeviceCount(); n == 0 {
		_, err = Load(testenv.TestModel(t, "tiny_classifier.pt"), Device{Kind: CUDA})
		assert.ErrorIs(t, err, ErrDevice)
		assert.Contains(t, err.Error(), "no CUDA device")
	}
}

// Every code maps to its own sentinel and nothing else.
func TestErrorCodes(t *testing.T) {
	sentinels := map[Code]error{
		InvalidArgument: ErrInvalidArgument, IO: ErrIO, NotTorchScript: ErrNotTorchScript,
		BadOutput: ErrBadOutput, ModelFailure: ErrModel, OutOfMemory: ErrOutOfMemory,
		DeviceFailure: ErrDevice, Internal: ErrInternal,
	}
	for code, want := range sentinels {
		err := error(&Error{Op: "forward", Code: code, Msg: "x"})
		for other, s := range sentinels {
			assert.Equal(t, code == other, errors.Is(err, s), "%v is %v", code, other)
		}
		assert.NotContains(t, code.String(), "Code(")
		assert.True(t, errors.Is(fmt.Errorf("wrapped: %w", err), want))
	}
	assert.Equal(t, "binding: forward m.pt: boom", (&Error{Op: "forward", Path: "m.pt", Code: ModelFailure, Msg: "boom"}).Error())
}

// testDevice is where the module tests run: $PREDICT_TEST_DEVICE ("cpu",
// "cuda", "cuda:N"; default cpu), so a GPU machine runs the same tests on
// CUDA (scripts/gpu-check.sh does).
func testDevice(t *testing.T) Device {
	t.Helper()
	s := os.Getenv("PREDICT_TEST_DEVICE")
	if s == "" {
		return Device{Kind: CPU}
	}
	d, err := ParseDevice(s)
	require.NoError(t, err, "PREDICT_TEST_DEVICE")
	return d
}

func load(t *testing.T, name string) *Module {
	t.Helper()
	m, err := Load(testenv.TestModel(t, name), testDevice(t))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func TestForwardRejectsBadOutputs(t *testing.T) {
	for name, want := range map[string]string{
		"tuple_output.pt": "Tuple",
		"wrong_rank.pt":   "4-D",
		"int_output.pt":   "Long",
		"wrong_batch.pt":  "[1, 3]",
	} {
		m := load(t, name)
		_, err := m.Forward(batch(2, 8, 8), 2, 8, 8, identity())
		assert.ErrorIs(t, err, ErrBadOutput, name)
		assert.Contains(t, err.Error(), "want a 2-D float32 tensor", name)
		assert.Contains(t, err.Error(), want, name)
	}
}

func TestForwardRejectsBadShapes(t *testing.T) {
	m := load(t, "tiny_classifier.pt")
	_, err := m.Forward(nil, 0, 8, 8, identity())
	assert.ErrorContains(t, err, "bad batch shape")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = m.Forward(batch(1, 8, 8), 2, 8, 8, identity())
	assert.ErrorContains(t, err, "needs")
	_, err = m.Forward(batch(1, 8, 8), 1, 8, 8, nil)
	assert.ErrorContains(t, err, "table")
	_, err = m.Forward(batch(1, 8, 8), 1, 8, 0, identity())
	assert.ErrorContains(t, err, "bad batch shape")
}

func TestForwardOutputs(t *testing.T) {
	m := load(t, "tiny_classifier.pt")
	out, err := m.Forward(batch(3, 5, 4), 3, 5, 4, identity())
	require.NoError(t, err)
	assert.Equal(t, 3, out.N)
	assert.Equal(t, 7, out.Classes)
	assert.Equal(t, 7, m.Classes())
	for i := 0; i < 3; i++ {
		_, probs := out.Row(i)
		sum := float32(0)
		for _, p := range probs {
			sum += p
		}
		assert.InDelta(t, 1, sum, 1e-5)
	}
}

// A model wider than the first guess (1000) is retried with room for it.
func TestForwardWideModel(t *testing.T) {
	m := load(t, "wide_classifier.pt")
	out, err := m.Forward(batch(2, 4, 4), 2, 4, 4, identity())
	require.NoError(t, err)
	assert.Equal(t, 1500, out.Classes)
	assert.Len(t, out.Logits, 3000)
}

// Concurrent Forward calls on one module give the serial results.
func TestConcurrentForward(t *testing.T) {
	forwardConcurrently(t, load(t, "tiny_classifier.pt"), 16)
}

// forwardConcurrently runs Forward from `goroutines` goroutines at once,
// ten calls each over four batch sizes, and checks every result against
// the serial one.
func forwardConcurrently(t *testing.T, m *Module, goroutines int) {
	t.Helper()
	want := make([][]float32, 4)
	for i := range want {
		out, err := m.Forward(batch(i+1, 16, 16), i+1, 16, 16, identity())
		require.NoError(t, err)
		want[i] = out.Logits
	}
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				i := (g + k) % 4
				out, err := m.Forward(batch(i+1, 16, 16), i+1, 16, 16, identity())
				if !assert.NoError(t, err) || !assert.Equal(t, want[i], out.Logits) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Close waits for an in-flight Forward, which completes; later calls get
// ErrClosed; a second Close is harmless.
func TestCloseWhileBusy(t *testing.T) {
	m, err := Load(testenv.TestModel(t, "slow.pt"), testDevice(t))
	require.NoError(t, err)

	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := m.Forward(batch(2, 64, 64), 2, 64, 64, identity())
		done <- err
	}()
	<-started
	time.Sleep(20 * time.Millisecond) // let Forward take the lock
	require.NoError(t, m.Close())
	select {
	case err := <-done:
		// Close returned only after Forward did (or before it started).
		if err != nil {
			assert.True(t, errors.Is(err, ErrClosed), "unexpected error: %v", err)
		}
	default:
		t.Fatal("Close returned while Forward was still running")
	}
	_, err = m.Forward(batch(1, 8, 8), 1, 8, 8, identity())
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, m.Close())
}

// LibTorch takes the inter-op pool size once per process: our own check
// refuses nonsense, and a second setting comes back as an error, not a
// crash.
func TestInteropThreads(t *testing.T) {
	assert.ErrorIs(t, SetInteropThreads(0), ErrInvalidArgument)
	first := SetInteropThreads(1)
	second := SetInteropThreads(1)
	assert.True(t, first != nil || second != nil, "LibTorch accepted the inter-op pool size twice")
	if second != nil {
		assert.ErrorIs(t, second, ErrInvalidArgument)
	}
}

// Both normalisation paths — the CPU host loop and the tensor path CUDA
// takes (upload, gather) — give exactly the table's values in NCHW order.
func TestNormalizeEqualsTable(t *testing.T) {
	var lut [3][256]float32
	for c := range lut {
		for v := range lut[c] {
			lut[c][v] = float32(c*1000+v) + 0.25
		}
	}
	n, h, w := 3, 5, 7
	px := batch(n, h, w)
	want := make([]float32, n*3*h*w)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			for p := 0; p < h*w; p++ {
				want[(i*3+c)*h*w+p] = lut[c][px[(i*h*w+p)*3+c]]
			}
		}
	}
	for _, ops := range []bool{false, true} {
		got, err := normalize(Device{Kind: CPU}, ops, px, n, h, w, &lut)
		require.NoError(t, err)
		assert.Equal(t, want, got, "tensorOps=%v", ops)
	}
	if c, _ := CUDADeviceCount(); c > 0 {
		got, err := normalize(Device{Kind: CUDA}, false, px, n, h, w, &lut)
		require.NoError(t, err)
		assert.Equal(t, want, got, "cuda")
	}
	_, err := normalize(Device{Kind: CPU}, false, px[:5], n, h, w, &lut)
	assert.Error(t, err)
}

// Sub-batches fill the same rows as the whole batch; on the CPU the tiny
// classifier's logits do not depend on the batch, so they are equal.
func TestForwardSubBatched(t *testing.T) {
	m := load(t, "tiny_classifier.pt")
	px := batch(7, 6, 5)
	whole, err := m.Forward(px, 7, 6, 5, identity())
	require.NoError(t, err)
	for _, sub := range []int{1, 2, 3, 7, 100} {
		got, err := m.ForwardSubBatched(px, 7, 6, 5, identity(), sub)
		require.NoError(t, err, sub)
		assert.Equal(t, whole.Logits, got.Logits, "sub-batches of %d", sub)
		assert.Equal(t, whole.Probs, got.Probs, "sub-batches of %d", sub)
	}
	_, err = m.ForwardSubBatched(px, 7, 6, 5, identity(), -1)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	// The capacity retry works across sub-batches too.
	wide := load(t, "wide_classifier.pt")
	out, err := wide.ForwardSubBatched(batch(5, 4, 4), 5, 4, 4, identity(), 2)
	require.NoError(t, err)
	assert.Equal(t, 1500, out.Classes)
	assert.Len(t, out.Logits, 5*1500)
}
