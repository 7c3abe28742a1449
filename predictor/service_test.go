package predictor

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/decode"
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
	p, err := New(testenv.TestModel(t, "slow.pt"), cpu, WithBatchSize(1), WithQueueSize(1), WithThreads(1))
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
	p, err := New(testenv.TestModel(t, "slow.pt"), cpu, WithBatchSize(2), WithThreads(1))
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
