package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// shard is --shard I/N: the I-th of N contiguous, near-equal parts of the
// expanded input list. Part I holds the inputs from floor(I*L/N) up to
// floor((I+1)*L/N) of a list of L: sizes differ by at most one, every
// input is in exactly one part, and the parts in index order are the
// list in its order, which is what lets predict merge rebuild one run's
// output by concatenation.
type shard struct{ index, count int }

// jobIndexEnv is where a Kubernetes Indexed Job puts each pod's index.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// parseShard reads "I/N" or "auto/N" (I from JOB_COMPLETION_INDEX); ""
// is the whole list.
func parseShard(v string) (shard, error) {
	if v == "" {
		return shard{0, 1}, nil
	}
	i, n, ok := strings.Cut(v, "/")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count < 1 {
		return shard{}, fmt.Errorf("--shard %q: want I/N or auto/N, N at least 1", v)
	}
	if i == "auto" {
		env, set := os.LookupEnv(jobIndexEnv)
		if !set {
			return shard{}, fmt.Errorf("--shard auto/%d: %s is not set (it is in the pods of an Indexed Job)", count, jobIndexEnv)
		}
		i = env
	}
	index, err := strconv.Atoi(i)
	if err != nil || index < 0 || index >= count {
		return shard{}, fmt.Errorf("--shard %q: shard index %q: want 0 to %d", v, i, count-1)
	}
	return shard{index, count}, nil
}

// bounds is where the shard's part of a list of n starts and ends.
func (s shard) bounds(n int) (lo, hi int) {
	return int(int64(s.index) * int64(n) / int64(s.count)), int(int64(s.index+1) * int64(n) / int64(s.count))
}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.index, s.count) }
