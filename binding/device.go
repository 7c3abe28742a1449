package binding

import (
	"fmt"
	"strconv"
	"strings"
)

// DeviceKind says where a module runs.
type DeviceKind int

const (
	// Auto picks cuda:0 when LibTorch sees a CUDA device, else the CPU.
	Auto DeviceKind = iota
	CPU
	CUDA
)

// Device names a LibTorch device. The zero value is Auto.
type Device struct {
	Kind  DeviceKind
	Index int // CUDA ordinal; meaningful only for CUDA
}

// ParseDevice accepts "auto", "cpu", "cuda" (= cuda:0) and "cuda:N".
func ParseDevice(s string) (Device, error) {
	switch s := strings.ToLower(strings.TrimSpace(s)); {
	case s == "" || s == "auto":
		return Device{Kind: Auto}, nil
	case s == "cpu":
		return Device{Kind: CPU}, nil
	case s == "cuda":
		return Device{Kind: CUDA}, nil
	case strings.HasPrefix(s, "cuda:"):
		n, err := strconv.Atoi(s[len("cuda:"):])
		if err != nil || n < 0 {
			return Device{}, fmt.Errorf("bad device %q: want cuda:N with N a GPU ordinal >= 0", s)
		}
		return Device{Kind: CUDA, Index: n}, nil
	}
	return Device{}, fmt.Errorf("bad device %q: want auto, cpu, cuda or cuda:N", s)
}

// String gives the name LibTorch understands ("cpu", "cuda:0"), or "auto".
func (d Device) String() string {
	switch d.Kind {
	case CPU:
		return "cpu"
	case CUDA:
		return "cuda:" + strconv.Itoa(d.Index)
	}
	return "auto"
}

// Resolve turns Auto into a concrete device: cuda:0 when LibTorch sees a
// CUDA device, the CPU otherwise. Concrete devices are returned unchanged.
func (d Device) Resolve() (Device, error) {
	if d.Kind != Auto {
		return d, nil
	}
	n, err := CUDADeviceCount()
	if err != nil {
		return Device{}, err
	}
	if n > 0 {
		return Device{Kind: CUDA}, nil
	}
	return Device{Kind: CPU}, nil
}
