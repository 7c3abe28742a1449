package binding

// #include "torchc.h"
import "C"

import (
	"fmt"
)

// CUDABuilt reports whether libtorchc.so was built against a LibTorch with
// CUDA (false too when the library fails the ABI check). Whether a GPU can
// be used is CUDADeviceCount's business.
func CUDABuilt() bool { return abi() == nil && C.torchc_cuda_built() != 0 }

// CUDADeviceCount is the number of CUDA devices LibTorch can use; 0 for a
// CPU-only LibTorch or a machine without a driver.
func CUDADeviceCount() (int, error) {
	var n C.int
	err := call("count CUDA devices", "", func(e *C.torchc_error) { n = C.torchc_cuda_device_count(e) })
	return int(n), err
}

// CuDNNVersion is the cuDNN version LibTorch uses (e.g. 90100 for 9.1.0),
// 0 without CUDA or cuDNN.
func CuDNNVersion() (int, error) {
	var v C.int64_t
	err := call("cuDNN version", "", func(e *C.torchc_error) { v = C.torchc_cudnn_version(e) })
	return int(v), err
}

// CUDARuntimeVersion is the CUDA runtime version LibTorch was built with
// (e.g. 13000 for 13.0), 0 without CUDA.
func CUDARuntimeVersion() (int, error) {
	var v C.int64_t
	err := call("CUDA runtime version", "", func(e *C.torchc_error) { v = C.torchc_cuda_runtime_version(e) })
	return int(v), err
}

// FormatCUDAVersion renders LibTorch's integer versions (13000, 90100) as
// "13.0" and "9.1.0"; "" for 0.
func FormatCUDAVersion(v int, patch bool) string {
	switch {
	case v <= 0:
		return ""
	case patch: // cuDNN >= 9: major*10000 + minor*100 + patch
		if v >= 10000 {
			return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
		}
		return fmt.Sprintf("%d.%d.%d", v/1000, v/100%10, v%100) // cuDNN 8
	default: // CUDA: major*1000 + minor*10
		return fmt.Sprintf("%d.%d", v/1000, v/10%100)
	}
}

// CUDADevice describes one CUDA device as the driver reports it.
type CUDADevice struct {
	Index        int    // ordinal, as in "cuda:N"
	Name         string // e.g. "NVIDIA H200"
	Major, Minor int    // compute capability
	MemoryBytes  int64  // total device memory
}

// CUDADevices lists the CUDA devices LibTorch can use (none for a CPU-only
// LibTorch or a machine without a driver).
func CUDADevices() ([]CUDADevice, error) {
	n, err := CUDADeviceCount()
	if err != nil || n == 0 {
		return nil, err
	}
	devs := make([]CUDADevice, n)
	for i := range devs {
		var name *C.char
		if err := call("CUDA device name", "", func(e *C.torchc_error) { name = C.torchc_cuda_device_name(C.int(i), e) }); err != nil {
			return nil, err
		}
		var major, minor C.int
		var mem C.int64_t
		if err := call("CUDA device properties", "", func(e *C.torchc_error) {
			C.torchc_cuda_device_properties(C.int(i), &major, &minor, &mem, e)
		}); err != nil {
			return nil, err
		}
		devs[i] = CUDADevice{Index: i, Name: takeString(name), Major: int(major), Minor: int(minor), MemoryBytes: int64(mem)}
	}
	return devs, nil
}

// CUDAMath is LibTorch's process-wide CUDA math configuration.
type CUDAMath struct {
	TF32CuDNN          bool // TF32 tensor cores for cuDNN convolutions (PyTorch default: on)
	TF32CuBLAS         bool // TF32 for cuBLAS float32 matmuls (PyTorch default: off)
	DeterministicCuDNN bool // deterministic cuDNN algorithms only (default: off)
	BenchmarkCuDNN     bool // cuDNN autotuning (default: off)
}

// CUDAMathSettings reports LibTorch's process-wide CUDA math configuration.
func CUDAMathSettings() (CUDAMath, error) {
	var v C.int
	if err := call("CUDA math settings", "", func(e *C.torchc_error) { v = C.torchc_cuda_math(e) }); err != nil {
		return CUDAMath{}, err
	}
	return CUDAMath{
		TF32CuDNN:          v&C.TORCHC_MATH_TF32_CUDNN != 0,
		TF32CuBLAS:         v&C.TORCHC_MATH_TF32_CUBLAS != 0,
		DeterministicCuDNN: v&C.TORCHC_MATH_DETERMINISTIC_CUDNN != 0,
		BenchmarkCuDNN:     v&C.TORCHC_MATH_BENCHMARK_CUDNN != 0,
	}, nil
}

// SetCUDADeterministic switches LibTorch to full-fp32, reproducible CUDA
// math (no TF32 in cuDNN or cuBLAS, deterministic cuDNN, no autotuning), or
// back to the settings it had before (PyTorch's defaults, which are what
// the user's Python gets: logits match Python's only with the defaults,
// unless the Python side sets the same flags). Process-wide: it applies
// to every module; call it before Load. Harmless without CUDA.
func SetCUDADeterministic(on bool) error {
	return call("set CUDA deterministic", "", func(e *C.torchc_error) { C.torchc_set_cuda_deterministic(cBool(on), e) })
}
