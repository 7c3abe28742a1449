package predictor

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// memoryBudget bounds the memory that images being decoded and resized
// hold at once, across every worker of every call and the single-image
// path: each image takes, before its decode starts, what its header says
// the decode and the resize will need at their peak, and gives it back
// once its pixels are prepared. A worker whose next image needs more than
// is free waits; an image needing more than the whole budget takes all of
// it and runs alone. The model's own memory (activations, weights) is not
// part of it.
type memoryBudget struct {
	sem         *semaphore.Weighted
	size        int64
	inUse, peak atomic.Int64 // bytes taken now, and the most at once
	holders     atomic.Int32 // images holding some now
	mostHolders atomic.Int32 // and the most at once
}

func newMemoryBudget(size int64) *memoryBudget {
	return &memoryBudget{sem: semaphore.NewWeighted(size), size: size}
}

// acquire takes n bytes (at most the whole budget) once they are free,
// honouring ctx, and returns what it took.
func (m *memoryBudget) acquire(ctx context.Context, n int64) (int64, error) {
	n = max(1, min(n, m.size))
	if err := m.sem.Acquire(ctx, n); err != nil {
		return 0, err
	}
	raise(&m.peak, m.inUse.Add(n))
	h := m.holders.Add(1)
	for {
		most := m.mostHolders.Load()
		if h <= most || m.mostHolders.CompareAndSwap(most, h) {
			break
		}
	}
	return n, nil
}

// release gives back n bytes taken for an image that needed `need`. The
// garbage collector frees an image's pixels only at its next cycle, which
// a heap grown by a huge image may put off until the next huge image has
// been allocated too: after one of those, memory is handed back first, so
// the budget bounds what the process holds, not only what is live.
func (m *memoryBudget) release(n, need int64) {
	if need >= hugeImage {
		debug.FreeOSMemory()
	}
	m.inUse.Add(-n)
	m.holders.Add(-1)
	m.sem.Release(n)
}

// hugeImage is the decode need (about 20 megapixels) past which an
// image's memory is handed back at once.
const hugeImage = 256 << 20

// raise sets *hi to v if v is higher.
func raise(hi *atomic.Int64, v int64) {
	for {
		old := hi.Load()
		if v <= old || hi.CompareAndSwap(old, v) {
			return
		}
	}
}

// fallbackMemory is what the default budget assumes when the machine's
// memory cannot be read.
const fallbackMemory = 8 << 30

// defaultMemoryBudget is half of the memory this process may use: the
// machine's, or less where a cgroup (a container's limit) says so.
func defaultMemoryBudget() int64 {
	mem := physicalMemory()
	if c := cgroupMemoryLimit(); c > 0 && (mem == 0 || c < mem) {
		mem = c
	}
	if mem == 0 {
		mem = fallbackMemory
	}
	return mem / 2
}

// physicalMemory is MemTotal from /proc/meminfo, 0 when unreadable.
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupMemoryLimit is this process's cgroup memory limit (v2
// memory.max, or v1 memory.limit_in_bytes), 0 when there is none.
func cgroupMemoryLimit() int64 {
	var files []string
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			parts := strings.SplitN(line, ":", 3)
			if len(parts) != 3 {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "": // v2
				files = append(files, filepath.Join("/sys/fs/cgroup", parts[2], "memory.max"))
			case strings.Contains(","+parts[1]+",", ",memory,"): // v1
				files = append(files, filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
			}
		}
	}
	files = append(files, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || v <= 0 || v >= 1<<62 { // "max", or v1's "no limit"
			return 0
		}
		return v
	}
	return 0
}
