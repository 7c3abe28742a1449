package predictor

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/torchgo/predict/binding"
)

// forwardCheck is the sub-batch check New is about to rely on: the part
// size to check (0: none), and a verdict WithCheckCache already holds.
type forwardCheck struct {
	sub    int
	cached bool
	exact  bool
	file   string // the verdict's file in the cache, "" without a cache
}

// lookupCheck finds the part size to check and, in the cache, a verdict
// for it: the verdict of a check that ran with the same model file, the
// same LibTorch and shim, the same thread count, batch and image shape, on
// a CPU of the same model and instruction set.
func (p *Predictor) lookupCheck(modelPath string) forwardCheck {
	c := forwardCheck{sub: p.subBatchToCheck()}
	if c.sub == 0 || p.cfg.checkCache == "" {
		return c
	}
	key, err := p.checkKey(modelPath, fmt.Sprintf("threads %d sub %d", p.Threads(), c.sub))
	if err != nil {
		return c
	}
	c.file = filepath.Join(p.cfg.checkCache, "sub-batch-"+key)
	c.cached, c.exact = readVerdict(c.file)
	return c
}

// readVerdict reads a check's verdict from the cache: whether there is
// one, and whether it was exact.
func readVerdict(file string) (cached, exact bool) {
	switch b, _ := os.ReadFile(file); strings.TrimSpace(string(b)) {
	case "exact":
		return true, true
	case "differs":
		return true, false
	}
	return false, false
}

// threadsCheckFile is where WithCheckCache keeps the threads check's
// verdict for cur and n threads; "" without a cache.
func (p *Predictor) threadsCheckFile(modelPath string, cur, n int) string {
	if p.cfg.checkCache == "" {
		return ""
	}
	key, err := p.checkKey(modelPath, fmt.Sprintf("threads %d vs %d, batches of %d and 1", cur, n, p.cfg.batchSize))
	if err != nil {
		return ""
	}
	return filepath.Join(p.cfg.checkCache, "threads-"+key)
}

// save records a check's verdict in the cache, if there is one; a cache
// that cannot be written only means the check runs again next time.
func (c forwardCheck) save(exact bool) { saveVerdict(c.file, exact) }

func saveVerdict(file string, exact bool) {
	if file == "" {
		return
	}
	verdict := "differs\n"
	if exact {
		verdict = "exact\n"
	}
	if os.MkdirAll(filepath.Dir(file), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".sub-batch-*")
	if err != nil {
		return
	}
	_, werr := tmp.WriteString(verdict)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), file) != nil {
		os.Remove(tmp.Name())
	}
}

// checkKey hashes what a check's verdict depends on: the model file,
// LibTorch and the shim, the device, batch and image shape, the CPU, and
// what the check compared.
func (p *Predictor) checkKey(modelPath, what string) (string, error) {
	h := sha256.New()
	f, err := os.Open(modelPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	version, err := binding.Version()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "\nlibtorch %s abi %d cuda %v %s device %s batch %d image %dx%d cpu %s %s\n",
		version, binding.ABIVersion, binding.CUDABuilt(), what, p.module.Device(), p.cfg.batchSize,
		p.outW, p.outH, runtime.GOARCH, cpuIdentity())
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// cpuIdentity is the first CPU's model name and flags from /proc/cpuinfo
// (LibTorch picks its kernels by instruction set), "" where unreadable.
func cpuIdentity() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	var model, flags string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && (model == "" || flags == "") {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			model = strings.TrimSpace(v)
		case "flags", "Features":
			flags = strings.TrimSpace(v)
		}
	}
	return model + " | " + flags
}
