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

func (k DeviceKind) String() string {
	switch k {
	case Auto:
		return "auto"
	case CPU:
		return "cpu"
	case CUDA:
		return "cuda"
	}
	return fmt.Sprintf("DeviceKind(%d)", int(k))
}

// Device names a LibTorch device. The zero value is Auto. Its text form
// ("auto", "cpu", "cuda:1") is what ParseDevice reads; it implements
// encoding.TextMarshaler and TextUnmarshaler (JSON, YAML, env decoders)
// and flag.Value (flag.Var(&dev, "device", ...)).
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
			return Device{}, fmt.Errorf("binding: bad device %q: want cuda:N with N a GPU ordinal >= 0", s)
		}
		return Device{Kind: CUDA, Index: n}, nil
	}
	return Device{}, fmt.Errorf("binding: bad device %q: want auto, cpu, cuda or cuda:N", s)
}

// String gives the name LibTorch understands ("cpu", "cuda:0"), or "auto".
func (d Device) String() string {
	if d.Kind == CUDA {
		return "cuda:" + strconv.Itoa(d.Index)
	}
	return d.Kind.String()
}

// MarshalText is String as bytes.
func (d Device) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText is ParseDevice.
func (d *Device) UnmarshalText(b []byte) error { return d.Set(string(b)) }

// Set is ParseDevice, for flag.Value.
func (d *Device) Set(s string) error {
	v, err := ParseDevice(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
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
