package decode

import (
	"context"
	"sync/atomic"
)

// stopFlag carries a context's cancellation into a decode in progress as
// one int32 that Go row loops and the C decoders' row loops poll without
// a function call. A nil *stopFlag never stops.
type stopFlag struct {
	v   atomic.Int32 // 1 once ctx is done; C reads it through cStop
	ctx context.Context
}

// watch returns a flag that is raised when ctx is done, and the function
// that stops watching; nil and a no-op for a context that is never done.
func watch(ctx context.Context) (*stopFlag, func()) {
	if ctx.Done() == nil {
		return nil, func() {}
	}
	f := &stopFlag{ctx: ctx}
	if ctx.Err() != nil {
		f.v.Store(1)
		return f, func() {}
	}
	stop := context.AfterFunc(ctx, func() { f.v.Store(1) })
	return f, func() { stop() }
}

// err is the context's error once the flag is raised, else nil.
func (f *stopFlag) err() error {
	if f == nil || f.v.Load() == 0 {
		return nil
	}
	return f.ctx.Err()
}

// stopped is the error a decoder returns when its caller gave up.
func (b budget) stopped() error { return b.stop.err() }
