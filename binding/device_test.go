package binding

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/torchgo/predict/internal/testenv"
)

// loadCPU loads a test model on the CPU whatever PREDICT_TEST_DEVICE says:
// these tests compare the CPU's two paths.
func loadCPU(t *testing.T, name string) *Module {
	t.Helper()
	m, err := Load(testenv.TestModel(t, name), Device{Kind: CPU})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// The device path (slot, staging buffer, upload, gather — what CUDA runs)
// gives the host path's outputs bit for bit on the CPU, and reuses one slot
// for sequential calls.
func TestDevicePathMatchesHostPath(t *testing.T) {
	m := loadCPU(t, "tiny_classifier.pt")
	px := batch(3, 9, 11)
	host, err := m.Forward(px, 3, 9, 11, identity())
	require.NoError(t, err)
	n, err := m.slots()
	require.NoError(t, err)
	assert.Equal(t, 0, n, "host path made a slot")

	require.NoError(t, m.setDevicePath(true))
	for i := 0; i < 3; i++ {
		dev, err := m.Forward(px, 3, 9, 11, identity())
		require.NoError(t, err)
		assert.Equal(t, host.Logits, dev.Logits)
		assert.Equal(t, host.Probs, dev.Probs)
	}
	// A larger batch grows the slot's buffers; a smaller one reuses them.
	big, err := m.Forward(batch(5, 9, 11), 5, 9, 11, identity())
	require.NoError(t, err)
	assert.Equal(t, host.Logits, big.Logits[:len(host.Logits)], "same first 3 images")
	again, err := m.Forward(px, 3, 9, 11, identity())
	require.NoError(t, err)
	assert.Equal(t, host.Logits, again.Logits)
	n, err = m.slots()
	require.NoError(t, err)
	assert.Equal(t, 1, n, "sequential calls share one slot")
}

// Another table is uploaded again, not served from the slot's cache.
func TestDevicePathTableChange(t *testing.T) {
	m := loadCPU(t, "tiny_classifier.pt")
	require.NoError(t, m.setDevicePath(true))
	px := batch(2, 6, 6)
	a, err := m.Forward(px, 2, 6, 6, identity())
	require.NoError(t, err)
	other := identity()
	for c := range other {
		for v := range other[c] {
			other[c][v] = other[c][v]*2 - 1
		}
	}
	b, err := m.Forward(px, 2, 6, 6, other)
	require.NoError(t, err)
	assert.NotEqual(t, a.Logits, b.Logits)
	require.NoError(t, m.setDevicePath(false))
	want, err := m.Forward(px, 2, 6, 6, other)
	require.NoError(t, err)
	assert.Equal(t, want.Logits, b.Logits)
}

// Concurrent calls on the device path each take their own slot and give
// the serial results; no more slots than calls in flight.
func TestDevicePathConcurrent(t *testing.T) {
	m := loadCPU(t, "tiny_classifier.pt")
	require.NoError(t, m.setDevicePath(true))
	const goroutines = 8
	forwardConcurrently(t, m, goroutines)
	n, err := m.slots()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1)
	assert.LessOrEqual(t, n, goroutines)
}

func TestWarmUp(t *testing.T) {
	m := loadCPU(t, "tiny_classifier.pt")
	assert.Zero(t, m.Classes())
	require.NoError(t, m.WarmUp(4, 8, 8, identity(), 2, 3))
	assert.Equal(t, 7, m.Classes(), "warm-up learns the output width")
	n, _ := m.slots()
	assert.Equal(t, 0, n, "host path warm-up made slots")

	require.NoError(t, m.setDevicePath(true))
	require.NoError(t, m.WarmUp(4, 8, 8, identity(), 1, 3))
	n, _ = m.slots()
	assert.Equal(t, 3, n)
	require.NoError(t, m.WarmUp(2, 8, 8, identity(), 2, 2))
	n, _ = m.slots()
	assert.Equal(t, 3, n, "warm-up reuses slots")

	for _, bad := range [][2]int{{1, 0}, {0, 1}} {
		assert.ErrorIs(t, m.WarmUp(4, 8, 8, identity(), bad[0], bad[1]), ErrInvalidArgument)
	}
	assert.ErrorIs(t, m.WarmUp(0, 8, 8, identity(), 1, 1), ErrInvalidArgument)
	assert.ErrorIs(t, m.WarmUp(1, 8, 8, nil, 1, 1), ErrInvalidArgument)
	// The model's own errors surface from warm-up too.
	bad := loadCPU(t, "wrong_rank.pt")
	err := bad.WarmUp(1, 8, 8, identity(), 1, 1)
	assert.ErrorContains(t, err, "want a 2-D float32 tensor")
	assert.ErrorIs(t, err, ErrBadOutput)
	m.Close()
	assert.ErrorIs(t, m.WarmUp(1, 8, 8, identity(), 1, 1), ErrClosed)
	_, err = m.slots()
	assert.ErrorIs(t, err, ErrClosed)
}

// On the test device (CUDA under scripts/gpu-check.sh): warm-up makes the
// slots asked for, and Forward after it gives the same results as before.
func TestWarmUpOnTestDevice(t *testing.T) {
	m := load(t, "tiny_classifier.pt")
	px := batch(4, 12, 12)
	before, err := m.Forward(px, 4, 12, 12, identity())
	require.NoError(t, err)
	require.NoError(t, m.WarmUp(4, 12, 12, identity(), 1, 2))
	after, err := m.Forward(px, 4, 12, 12, identity())
	require.NoError(t, err)
	assert.Equal(t, before.Logits, after.Logits)
	n, err := m.slots()
	require.NoError(t, err)
	if m.Device().Kind == CUDA {
		assert.Equal(t, 2, n)
		var te *Error
		assert.ErrorAs(t, m.setDevicePath(true), &te, "CUDA has only the device path")
	} else {
		assert.Equal(t, 0, n)
	}
}

func TestCUDAInfo(t *testing.T) {
	count, err := CUDADeviceCount()
	require.NoError(t, err)
	devs, err := CUDADevices()
	require.NoError(t, err)
	assert.Len(t, devs, count)
	for i, d := range devs {
		assert.Equal(t, i, d.Index)
		assert.NotEmpty(t, d.Name)
		assert.Positive(t, d.Major)
		assert.Positive(t, d.MemoryBytes)
		t.Logf("cuda:%d %s (compute capability %d.%d, %d MiB)", i, d.Name, d.Major, d.Minor, d.MemoryBytes>>20)
	}
	cudnn, err := CuDNNVersion()
	require.NoError(t, err)
	rt, err := CUDARuntimeVersion()
	require.NoError(t, err)
	if !CUDABuilt() {
		assert.Zero(t, count)
		assert.Zero(t, cudnn)
		assert.Zero(t, rt)
	} else {
		assert.Positive(t, rt)
	}
	t.Logf("CUDA built: %v, runtime %s, cuDNN %s", CUDABuilt(), FormatCUDAVersion(rt, false), FormatCUDAVersion(cudnn, true))
}

func TestFormatCUDAVersion(t *testing.T) {
	assert.Equal(t, "", FormatCUDAVersion(0, false))
	assert.Equal(t, "13.0", FormatCUDAVersion(13000, false))
	assert.Equal(t, "12.8", FormatCUDAVersion(12080, false))
	assert.Equal(t, "9.10.2", FormatCUDAVersion(91002, true))
	assert.Equal(t, "8.9.7", FormatCUDAVersion(8907, true))
}

// Deterministic mode turns TF32 off and deterministic cuDNN on; turning it
// off restores exactly what was there (PyTorch's defaults).
func TestCUDADeterministic(t *testing.T) {
	before, err := CUDAMathSettings()
	require.NoError(t, err)
	t.Logf("defaults: %+v", before)
	assert.False(t, before.DeterministicCuDNN)
	assert.False(t, before.BenchmarkCuDNN)
	assert.False(t, before.TF32CuBLAS, "PyTorch's default keeps cuBLAS matmuls in full fp32")

	require.NoError(t, SetCUDADeterministic(true))
	on, err := CUDAMathSettings()
	require.NoError(t, err)
	assert.Equal(t, CUDAMath{DeterministicCuDNN: true}, on)

	require.NoError(t, SetCUDADeterministic(false))
	after, err := CUDAMathSettings()
	require.NoError(t, err)
	assert.Equal(t, before, after)
}
