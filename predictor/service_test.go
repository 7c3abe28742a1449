package predictor

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/hostile"
	"github.com/torchgo/predict/internal/testenv"
)

func readAll(t *testing.T, paths []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(testenv.Path(p))
		require.NoError(t, err)
		out[i] = b
	}
	return out
}

// Many goroutines calling ClassifyBytes at once get their own results,
// equal to the batch API's (LibTorch on CPU is batch-invariant), and the
// calls are coalesced into shared batches.
func TestClassifyConcurrentCallers(t *testing.T) {
	p := tiny(t, WithLogits(true), WithBatchSize(8), WithMaxDelay(5*time.Millisecond), WithQueueSize(64))
	paths := []string{"testdata/images/video-001.jpeg", "testdata/images/horse.png",
		"testdata/images/video-005.gray.jpeg", "testdata/bad/empty.jpg"}
	blobs := readAll(t, paths)
	want, err := p.PredictBytes(context.Background(), blobs)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				i := (g + k) % len(blobs)
				r, err := p.ClassifyBytes(context.Background(), blobs[i])
				if i == 3 {
					var ie *InputError
					assert.ErrorAs(t, err, &ie)
					assert.ErrorIs(t, err, decode.ErrNotImage)
					continue
				}
				if assert.NoError(t, err) {
					assert.Equal(t, want[i].Logits, r.Logits)
					assert.Equal(t, want[i].Top, r.Top)
				}
			}
		}()
	}
	wg.Wait()
}

// A full queue answers ErrOverloaded at once instead of growing.
func TestClassifyOverloaded(t *testing.T) {
	p, err := New(testenv.TestModel(t, "slow.pt"), cpu, WithBatchSize(1), WithQueueSize(1))
	require.NoError(t, err)
	defer p.Close()
	blob := readAll(t, []string{"testdata/images/video-001.jpeg"})[0]

	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, overloaded int
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.ClassifyBytes(context.Background(), blob)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrOverloaded):
				overloaded++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	assert.Positive(t, ok)
	assert.Positive(t, overloaded, "12 callers on a queue of 1 with a slow model: some must be refused")
}

func TestClassifyAfterCloseAndCancel(t *testing.T) {
	p := tiny(t)
	blob := readAll(t, []string{"testdata/images/video-001.jpeg"})[0]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.ClassifyBytes(ctx, blob)
	assert.ErrorIs(t, err, context.Canceled)

	r, err := p.ClassifyImage(context.Background(), nil)
	assert.Error(t, err)
	assert.Equal(t, err, r.Err)

	require.NoError(t, p.Close())
	_, err = p.ClassifyBytes(context.Background(), blob)
	assert.ErrorIs(t, err, ErrClosed)
}

// Close while single-image calls are in flight: each gets a result or
// ErrClosed, none hangs.
func TestCloseWithCallersInFlight(t *testing.T) {
	p, err := New(testenv.TestModel(t, "slow.pt"), cpu, WithBatchSize(2))
	require.NoError(t, err)
	blob := readAll(t, []string{"testdata/images/video-001.jpeg"})[0]
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.ClassifyBytes(context.Background(), blob)
			if err != nil {
				assert.ErrorIs(t, err, ErrClosed)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, p.Close())
	wg.Wait()
}

// rssBytes reads a /proc/self/status field (VmRSS, VmHWM) in bytes.
func rssBytes(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// Eight concurrent uploads of a 97 KB PNG declaring 10000×10000 pixels,
// each with a 100 ms deadline, against a queue of 1: the seven beyond the
// queue are refused at once, before any decoding; the admitted one gives
// up decoding at its deadline. Nobody waits past the deadline and the
// process's peak memory stays near idle (decoding all eight took ~3 GB).
func TestBombUploadsAnswerWithinDeadline(t *testing.T) {
	p := tiny(t, WithQueueSize(1), WithWorkers(8))
	bomb := hostile.PNGBomb(10000, 10000)
	debug.FreeOSMemory()
	idle := rssBytes(t, "VmRSS")
	require.NoError(t, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)) // reset VmHWM

	const deadline = 100 * time.Millisecond
	start := time.Now()
	errs := make([]error, 8)
	took := make([]time.Duration, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			t0 := time.Now()
			_, errs[i] = p.ClassifyBytes(ctx, bomb)
			took[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	overloaded, late := 0, 0
	for i, err := range errs {
		switch {
		case errors.Is(err, ErrOverloaded):
			overloaded++
			assert.Less(t, took[i], 20*time.Millisecond, "refusal must come before any work")
		case errors.Is(err, context.DeadlineExceeded):
			late++
		default:
			t.Errorf("caller %d: unexpected %v", i, err)
		}
		assert.Less(t, took[i], deadline+100*time.Millisecond, "caller %d answered late", i)
	}
	assert.Equal(t, 7, overloaded)
	assert.Equal(t, 1, late)
	peak := rssBytes(t, "VmHWM")
	t.Logf("all answered after %v; RSS idle %d MB, peak %d MB", time.Since(start).Round(time.Millisecond), idle>>20, peak>>20)
	assert.Less(t, peak-idle, int64(300<<20), "peak RSS grew by %d MB", (peak-idle)>>20)
}

// Sixty-four callers whose 1 ms deadlines pass while they decode or wait
// leave no forward pass behind: once every caller has returned, nothing
// more is computed.
func TestCancelledCallersAreNotComputed(t *testing.T) {
	var forwards, after atomic.Int32
	var returned atomic.Bool
	p := tiny(t, WithBatchSize(8), WithMaxDelay(20*time.Millisecond), WithQueueSize(64),
		withForwardHook(func(int) {
			forwards.Add(1)
			if returned.Load() {
				after.Add(1)
			}
		}))
	blob := readAll(t, []string{"testdata/images/rocket.jpg"})[0]
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			_, err := p.ClassifyBytes(ctx, blob)
			if err != nil {
				assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrOverloaded), "%v", err)
			}
		}()
	}
	wg.Wait()
	returned.Store(true)
	time.Sleep(300 * time.Millisecond) // longer than max delay + a tiny batch
	t.Logf("forward passes while callers waited: %d", forwards.Load())
	assert.Zero(t, after.Load(), "forward passes after every caller had returned")
}

// A request whose caller gives up while it waits for its batch is dropped:
// with the model busy on one request, a second one cancelled in the queue
// is never computed.
func TestRequestCancelledInQueueIsDropped(t *testing.T) {
	var batches []int
	var mu sync.Mutex
	p, err := New(testenv.TestModel(t, "slow.pt"), cpu, WithBatchSize(1), WithQueueSize(4),
		withForwardHook(func(n int) { mu.Lock(); batches = append(batches, n); mu.Unlock() }))
	require.NoError(t, err)
	defer p.Close()
	blob := readAll(t, []string{"testdata/images/video-001.jpeg"})[0]

	first := make(chan error, 1)
	go func() { _, err := p.ClassifyBytes(context.Background(), blob); first <- err }()
	for { // wait until the first request is in the model
		mu.Lock()
		n := len(batches)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { _, err := p.ClassifyBytes(ctx, blob); second <- err }()
	time.Sleep(50 * time.Millisecond) // decoded and queued behind the first
	cancel()
	assert.ErrorIs(t, <-second, context.Canceled)
	require.NoError(t, <-first)
	// A third request still runs: the dropped one gave its queue slot back.
	_, err = p.ClassifyBytes(context.Background(), blob)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{1, 1}, batches, "the cancelled request was computed")
}

// Decoding on the single-image path takes one of WithWorkers turns; a
// caller waiting for a turn gives up with its context.
func TestDecodeTurnsHonourContext(t *testing.T) {
	p := tiny(t, WithWorkers(1), WithQueueSize(8))
	bomb := hostile.PNGBomb(6000, 6000)
	busy := make(chan struct{})
	go func() {
		close(busy)
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		p.ClassifyBytes(ctx, bomb) // holds the only turn while it decodes
	}()
	<-busy
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := p.ClassifyBytes(ctx, readAll(t, []string{"testdata/images/video-001.jpeg"})[0])
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(t0), 200*time.Millisecond)
}

// ClassifyReader reads within the size limit; beyond it is the input's
// fault, at StageRead.
func TestClassifyReader(t *testing.T) {
	blob := readAll(t, []string{"testdata/images/video-001.jpeg"})[0]
	p := tiny(t, WithLogits(true), WithMaxInputSize(int64(len(blob))))
	want, err := p.ClassifyBytes(context.Background(), blob)
	require.NoError(t, err)
	got, err := p.ClassifyReader(context.Background(), bytes.NewReader(blob))
	require.NoError(t, err)
	assert.Equal(t, want.Logits, got.Logits)

	_, err = p.ClassifyReader(context.Background(), io.MultiReader(bytes.NewReader(blob), strings.NewReader("x")))
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, StageRead, ie.Stage)
	assert.ErrorContains(t, err, "maximum input size")
	_, err = p.ClassifyBytes(context.Background(), append(blob, 0))
	assert.ErrorAs(t, err, &ie)
}

// A model failing on a batch is the batch's error, not its inputs': every
// input of the batch gets the same *BatchError, classified by the
// binding's code, and no *InputError.
func TestModelFailureIsBatchError(t *testing.T) {
	chdirRoot(t)
	p, err := New(testenv.TestModel(t, "fails_on_bright.pt"), cpu, WithBatchSize(2))
	require.NoError(t, err, "black warm-up batches pass")
	defer p.Close()
	white := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	res, err := p.Predict(context.Background(), []image.Image{image.NewGray(image.Rect(0, 0, 8, 8)), white, image.NewGray(image.Rect(0, 0, 8, 8))})
	require.NoError(t, err)
	assert.NoError(t, res[2].Err, "the next batch is unaffected")
	for _, r := range res[:2] {
		var be *BatchError
		require.ErrorAs(t, r.Err, &be)
		assert.Equal(t, 2, be.Size)
		assert.ErrorIs(t, r.Err, binding.ErrModel)
		var ie *InputError
		assert.False(t, errors.As(r.Err, &ie), "a model failure is not the input's fault")
	}
	_, err = p.ClassifyImage(context.Background(), white)
	assert.ErrorIs(t, err, binding.ErrModel)

	_, err = New(testenv.TestModel(t, "no_classes.pt"), cpu)
	assert.ErrorIs(t, err, binding.ErrBadOutput, "a model without outputs is a load error")
}
