package predictor

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/decode"
	"github.com/torchgo/predict/internal/hostile"
	"github.com/torchgo/predict/internal/testenv"
	"github.com/torchgo/predict/preprocess"
)

var cpu = WithDevice(binding.Device{Kind: binding.CPU})

func tiny(t *testing.T, opts ...Option) *Predictor {
	t.Helper()
	p, err := New(testenv.TestModel(t, "tiny_classifier.pt"), append([]Option{cpu}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPerInputErrorsAreTyped(t *testing.T) {
	chdirRoot(t)
	p := tiny(t)
	res, err := p.PredictFiles(context.Background(), []string{
		"testdata/bad/empty.jpg", "testdata/images/video-001.jpeg", "testdata/missing.jpg",
		"testdata/images", "testdata/bad/truncated-scan.jpg",
	})
	require.NoError(t, err)
	require.Len(t, res, 5)
	assert.NoError(t, res[1].Err)
	assert.Len(t, res[1].Top, 5)

	var ie *InputError
	require.ErrorAs(t, res[0].Err, &ie)
	assert.Equal(t, StageDecode, ie.Stage)
	assert.Equal(t, "testdata/bad/empty.jpg", ie.Path)
	assert.ErrorIs(t, res[0].Err, decode.ErrNotImage)

	require.ErrorAs(t, res[2].Err, &ie)
	assert.Equal(t, StageRead, ie.Stage)
	assert.ErrorIs(t, res[2].Err, fs.ErrNotExist)
	assert.Equal(t, "testdata/missing.jpg: no such file or directory", res[2].Err.Error())

	assert.ErrorContains(t, res[3].Err, "is a directory")
	assert.ErrorIs(t, res[4].Err, decode.ErrTruncated)
	assert.Equal(t, 2, res[2].Index)
}

func TestTopKAndLabels(t *testing.T) {
	chdirRoot(t)
	labels := strings.Split("a b c d e f g", " ")
	p := tiny(t, WithTopK(7), WithLabels(labels))
	assert.Equal(t, 7, p.Classes())
	res, err := p.PredictFiles(context.Background(), []string{"testdata/images/video-001.jpeg"})
	require.NoError(t, err)
	top := res[0].Top
	require.Len(t, top, 7)
	for i := 1; i < len(top); i++ {
		assert.GreaterOrEqual(t, top[i-1].Prob, top[i].Prob)
	}
	assert.Equal(t, labels[top[0].Index], top[0].Label)
	assert.Equal(t, top[0], res[0].Best())

	_, err = New(testenv.TestModel(t, "tiny_classifier.pt"), cpu, WithLabels([]string{"x"}))
	assert.ErrorContains(t, err, "1 labels for a model with 7 outputs")

	p2 := tiny(t) // 7 outputs, no labels: indices
	assert.Equal(t, "6", p2.Labels()[6])
}

func TestTopKOrder(t *testing.T) {
	got := topK([]float32{0.1, 0.3, 0.3, 0.05, 0.25}, 3, nil)
	assert.Equal(t, []Class{{Index: 1, Prob: 0.3}, {Index: 2, Prob: 0.3}, {Index: 4, Prob: 0.25}}, got)
}

func TestImageNetLabels(t *testing.T) {
	l := ImageNetLabels()
	require.Len(t, l, 1000)
	assert.Equal(t, "tench", l[0])
	assert.Equal(t, "toilet tissue", l[999])
}

func TestPredictImages(t *testing.T) {
	p := tiny(t, WithLogits(true))
	m := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	g := image.NewGray(image.Rect(0, 0, 10, 10))
	res, err := p.Predict(context.Background(), []image.Image{m, nil, g, image.NewUniform(color.Black)})
	require.NoError(t, err)
	assert.NoError(t, res[0].Err)
	assert.Error(t, res[1].Err)
	assert.NoError(t, res[2].Err)
	assert.Error(t, res[3].Err, "an unbounded image is refused")
}

// Many inputs, small batches, more workers than batch slots: results stream
// in strict input order, failures included, and every input appears once.
func TestStreamOrder(t *testing.T) {
	for _, k := range []int{1, 3} {
		testStreamOrder(t, tiny(t, WithBatchSize(3), WithWorkers(8), WithInferenceWorkers(k)))
	}
}

func testStreamOrder(t *testing.T, p *Predictor) {
	chdirRoot(t)
	var paths []string
	for i := 0; i < 40; i++ {
		switch i % 5 {
		case 1:
			paths = append(paths, "testdata/bad/not-an-image.jpg")
		case 3:
			paths = append(paths, "testdata/images/rocket.jpg")
		default:
			paths = append(paths, "testdata/images/video-001.q50.420.jpeg")
		}
	}
	next := 0
	err := p.StreamFiles(context.Background(), paths, func(r Result) error {
		assert.Equal(t, next, r.Index)
		assert.Equal(t, paths[r.Index], r.Path)
		assert.Equal(t, r.Index%5 == 1, r.Err != nil, "input %d", r.Index)
		next++
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, len(paths), next)
}

func TestCancelAndClose(t *testing.T) {
	chdirRoot(t)
	p := tiny(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.PredictFiles(ctx, []string{"testdata/images/video-001.jpeg"})
	assert.ErrorIs(t, err, context.Canceled)

	stop := errors.New("stop")
	err = p.StreamFiles(context.Background(), []string{"testdata/images/video-001.jpeg", "testdata/images/video-001.jpeg"},
		func(Result) error { return stop })
	assert.ErrorIs(t, err, stop)

	require.NoError(t, p.Close())
	_, err = p.PredictFiles(context.Background(), []string{"testdata/images/video-001.jpeg"})
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, p.Close())
}

// Concurrent calls on one Predictor are safe and give equal results.
func TestConcurrentCalls(t *testing.T) {
	chdirRoot(t)
	p := tiny(t, WithLogits(true), WithBatchSize(2))
	paths := []string{"testdata/images/video-001.jpeg", "testdata/images/horse.png", "testdata/images/video-005.gray.jpeg"}
	want, err := p.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := p.PredictFiles(context.Background(), paths)
			if assert.NoError(t, err) {
				for i := range got {
					assert.Equal(t, want[i].Logits, got[i].Logits)
				}
			}
		}()
	}
	wg.Wait()
}

func TestOptionsValidate(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	for _, o := range []Option{WithBatchSize(0), WithTopK(0), WithWorkers(0), WithMaxInputSize(0), WithPreset("nope")} {
		_, err := New(model, cpu, o)
		assert.Error(t, err)
	}
	_, err := New(testenv.Path("testdata", "missing.pt"), cpu)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// Stream takes any mix of inputs and yields their results in order, each
// named as its input; bytes, readers and files of one image agree.
func TestStreamMixedInputs(t *testing.T) {
	chdirRoot(t)
	p := tiny(t, WithLogits(true), WithBatchSize(2))
	path := "testdata/images/video-001.jpeg"
	blob := readAll(t, []string{path})[0]
	img, err := decode.Bytes(blob, decode.Limits{})
	require.NoError(t, err)
	var closed atomic.Int32
	opened := func(ctx context.Context) (io.ReadCloser, error) {
		require.NoError(t, ctx.Err(), "opened with the call's live context")
		return &sizedReader{Reader: bytes.NewReader(blob), size: int64(len(blob)), closed: &closed}, nil
	}
	huge := func(context.Context) (io.ReadCloser, error) {
		return &sizedReader{Reader: iotest.ErrReader(errors.New("read although too large")), size: 1 << 40, closed: &closed}, nil
	}
	failing := func(context.Context) (io.ReadCloser, error) { return nil, fs.ErrPermission }
	inputs := []Input{
		File(path), Bytes("mem", blob), Reader("stream", bytes.NewReader(blob)),
		Bytes("bad", []byte("nope")), Image("decoded", img), File("testdata/missing.jpg"),
		Opener("opened", opened), Opener("huge", huge), Opener("failing", failing),
	}
	var got []Result
	for r, err := range p.Stream(context.Background(), slices.Values(inputs)) {
		require.NoError(t, err)
		got = append(got, r)
	}
	require.Len(t, got, len(inputs))
	for i, r := range got {
		assert.Equal(t, i, r.Index)
		assert.Equal(t, inputs[i].Name(), r.Path)
	}
	for _, i := range []int{1, 2, 4, 6} {
		require.NoError(t, got[i].Err)
		assert.Equal(t, got[0].Logits, got[i].Logits, inputs[i].Name())
	}
	assert.ErrorIs(t, got[3].Err, decode.ErrNotImage)
	assert.ErrorIs(t, got[5].Err, fs.ErrNotExist)
	assert.ErrorContains(t, got[7].Err, "above the 1073741824-byte maximum input size", "refused from its Size, unread")
	assert.ErrorIs(t, got[8].Err, fs.ErrPermission)
	assert.Equal(t, int32(2), closed.Load(), "every reader opened is closed")
}

// sizedReader is a ReadCloser that knows its size, as blob.Reader does.
type sizedReader struct {
	io.Reader
	size   int64
	closed *atomic.Int32 // decode workers close readers concurrently
}

func (r *sizedReader) Size() int64  { return r.size }
func (r *sizedReader) Close() error { r.closed.Add(1); return nil }

// Breaking out of the loop stops the run; a cancelled context ends it
// with the context's error as the last pair.
func TestStreamStops(t *testing.T) {
	chdirRoot(t)
	p := tiny(t, WithBatchSize(2))
	endless := func(yield func(Input) bool) {
		for yield(File("testdata/images/video-001.q50.420.jpeg")) {
		}
	}
	n := 0
	for _, err := range p.Stream(context.Background(), endless) {
		require.NoError(t, err)
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last error
	n = 0
	for _, err := range p.Stream(ctx, endless) {
		if err != nil {
			last = err
			continue
		}
		if n++; n == 3 {
			cancel()
		}
	}
	assert.ErrorIs(t, last, context.Canceled)
}

// After Close every call answers ErrClosed without doing work; Close is
// idempotent.
func TestCallsAfterClose(t *testing.T) {
	chdirRoot(t)
	var forwards atomic.Int32
	p, err := New(testenv.TestModel(t, "tiny_classifier.pt"), cpu, withForwardHook(func(int) { forwards.Add(1) }))
	require.NoError(t, err)
	require.NoError(t, p.Close())
	require.NoError(t, p.Close())
	path := "testdata/images/video-001.jpeg"
	_, err = p.PredictFiles(context.Background(), []string{path})
	assert.ErrorIs(t, err, ErrClosed)
	_, err = p.PredictBytes(context.Background(), [][]byte{{1}})
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, p.StreamFiles(context.Background(), []string{path}, func(Result) error { return nil }), ErrClosed)
	for _, err := range p.Stream(context.Background(), Files([]string{path})) {
		assert.ErrorIs(t, err, ErrClosed)
	}
	_, err = p.ClassifyBytes(context.Background(), []byte("x"))
	assert.ErrorIs(t, err, ErrClosed)
	_, err = p.ClassifyReader(context.Background(), strings.NewReader("x"))
	assert.ErrorIs(t, err, ErrClosed)
	assert.Zero(t, forwards.Load())
}

// Labels are the predictor's own: neither the caller's slice nor the
// returned one can change them.
func TestLabelsAreCopies(t *testing.T) {
	labels := strings.Split("a b c d e f g", " ")
	p := tiny(t, WithLabels(labels))
	labels[0] = "changed"
	got := p.Labels()
	assert.Equal(t, "a", got[0])
	got[1] = "changed"
	assert.Equal(t, "b", p.Labels()[1])
}

// A path that is not a regular file (here a FIFO nobody writes to) is
// refused at once, as its own input's error; a file above the maximum
// input size is refused without being read.
func TestSpecialAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.jpg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	huge := filepath.Join(dir, "huge.jpg")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<40)) // sparse: 1 TiB, nothing on disk
	f.Close()
	p := tiny(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.PredictFiles(ctx, []string{fifo, huge})
	require.NoError(t, err)
	var ie *InputError
	require.ErrorAs(t, res[0].Err, &ie)
	assert.Equal(t, StageRead, ie.Stage)
	assert.ErrorContains(t, res[0].Err, "not a regular file")
	assert.ErrorContains(t, res[1].Err, "maximum input size")
}

// On the CPU full batches run in parts of 8 once a check at load proves
// the logits unchanged; a model whose logits depend on the batch keeps
// whole batches, and asking for parts then fails New.
func TestSubBatchPlan(t *testing.T) {
	chdirRoot(t)
	paths := slices.Repeat([]string{"testdata/images/video-001.jpeg", "testdata/images/horse.png"}, 9)
	p := tiny(t, WithBatchSize(16), WithLogits(true))
	assert.Equal(t, 8, p.SubBatch())
	assert.Contains(t, p.ForwardPlan(), "sub-batches of 8")
	whole := tiny(t, WithBatchSize(16), WithLogits(true), WithSubBatch(16))
	assert.Zero(t, whole.SubBatch())
	a, err := p.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	b, err := whole.PredictFiles(context.Background(), paths)
	require.NoError(t, err)
	for i := range a {
		assert.Equal(t, b[i].Logits, a[i].Logits)
	}
	small := tiny(t, WithBatchSize(8))
	assert.Zero(t, small.SubBatch(), "batches no larger than a part run whole")

	model := testenv.TestModel(t, "batch_dependent.pt")
	dep, err := New(model, cpu, WithBatchSize(16))
	require.NoError(t, err)
	defer dep.Close()
	assert.Zero(t, dep.SubBatch())
	assert.Contains(t, dep.ForwardPlan(), "change the logits")
	_, err = New(model, cpu, WithBatchSize(16), WithSubBatch(4))
	assert.ErrorContains(t, err, "sub-batches of 4 change this model's logits")
}

// An image whose logits are not finite gets ErrNotFinite; the others of
// its batch are classified.
func TestNonFiniteOutput(t *testing.T) {
	p, err := New(testenv.TestModel(t, "nan_on_bright.pt"), cpu, WithBatchSize(4))
	require.NoError(t, err)
	defer p.Close()
	white := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	black := image.NewGray(image.Rect(0, 0, 8, 8))
	res, err := p.Predict(context.Background(), []image.Image{black, white, black})
	require.NoError(t, err)
	assert.NoError(t, res[0].Err)
	assert.ErrorIs(t, res[1].Err, ErrNotFinite)
	assert.Empty(t, res[1].Top)
	assert.NoError(t, res[2].Err)
}

// Top-k beyond the model's classes and a labels file that is not a
// regular file, or too large, fail New clearly.
func TestBoundsAtLoad(t *testing.T) {
	model := testenv.TestModel(t, "tiny_classifier.pt")
	_, err := New(model, cpu, WithTopK(8))
	assert.ErrorContains(t, err, "top-k 8 for a model with 7 classes")
	_, err = New(model, cpu, WithLabelsFile("/dev/zero"))
	assert.ErrorContains(t, err, "not a regular file")
	big := filepath.Join(t.TempDir(), "labels.txt")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("x\n"), MaxLabelsFileSize/2+1), 0o644))
	_, err = New(model, cpu, WithLabelsFile(big))
	assert.ErrorContains(t, err, "maximum input size")
}

// A cancelled run returns within about a second whatever its inputs are
// doing: a FIFO, a decompression bomb decoding, a huge image resizing.
func TestCancelledRunReturnsPromptly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	bomb := filepath.Join(dir, "bomb.png")
	require.NoError(t, os.WriteFile(bomb, hostile.PNGBomb(10000, 10000), 0o644))
	p := tiny(t, WithWorkers(2))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := p.PredictFiles(ctx, []string{fifo, bomb, bomb, bomb})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(t0), time.Second+200*time.Millisecond)
}

// The memory budget is shared by the workers: images whose decode needs
// more than is free wait, so four 3000×3000 bombs decoded by four workers,
// within a budget that holds one of them, run one at a time (the budget's
// high-water mark is one image's need; peak RSS, for the log, also
// depends on when the garbage collector frees the pixels).
func TestMemoryBudgetBoundsDecodes(t *testing.T) {
	bomb := hostile.PNGBomb(3000, 3000)
	h, err := decode.Config(bomb)
	require.NoError(t, err)
	need := h.PeakBytes() + preprocess.Resize256Crop224().ScratchBytes(3000, 3000)
	p := tiny(t, WithWorkers(4), WithMemoryBudget(need*3/2), WithTransform(preprocess.Resize256Crop224()))
	assert.Equal(t, need*3/2, p.MemoryBudget())
	blobs := [][]byte{bomb, bomb, bomb, bomb}
	debug.FreeOSMemory()
	idle := rssBytes(t, "VmRSS")
	require.NoError(t, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0))
	res, err := p.PredictBytes(context.Background(), blobs)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	t.Logf("decode need %d MB each; budget high-water mark %d MB; peak RSS grew by %d MB",
		need>>20, p.memory.peak.Load()>>20, (rssBytes(t, "VmHWM")-idle)>>20)
	assert.Equal(t, int32(1), p.memory.mostHolders.Load(), "decodes overlapped beyond the budget")
	assert.Equal(t, need, p.memory.peak.Load())

	// One image above the whole budget still runs, alone.
	small := tiny(t, WithMemoryBudget(1<<20))
	res, err = small.PredictBytes(context.Background(), blobs[:2])
	require.NoError(t, err)
	assert.NoError(t, res[0].Err)
	assert.NoError(t, res[1].Err)
}
