package predictor

import (
	"context"
	"errors"
	"image"
	"runtime"
	"sync"
	"time"

	"github.com/torchgo/predict/binding"
	"github.com/torchgo/predict/rgb"
)

// ErrOverloaded is returned by single-image calls when the request queue
// is full: the caller should shed load or retry later, as with HTTP 503.
var ErrOverloaded = errors.New("predictor: overloaded: request queue is full")

// ClassifyBytes classifies one encoded image. Concurrent calls from many
// goroutines are coalesced into batches (up to the batch size, waiting at
// most WithMaxDelay for company), as an inference server would; each
// caller gets its own result. Decoding and preprocessing run on the
// caller's goroutine. The error is an *InputError for a bad image,
// ErrOverloaded, ErrClosed, or the context's.
func (p *Predictor) ClassifyBytes(ctx context.Context, data []byte) (Result, error) {
	return p.classify(ctx, func() (*rgb.Image, Stage, error) { return p.decodeBytes(data) })
}

// ClassifyImage is ClassifyBytes for a decoded image (see Predict).
func (p *Predictor) ClassifyImage(ctx context.Context, img image.Image) (Result, error) {
	return p.classify(ctx, func() (*rgb.Image, Stage, error) { return p.fromImage(img) })
}

// request is one caller's prepared image waiting for a batch.
type request struct {
	item  prepared
	reply chan Result // buffered: the coalescer never blocks on a caller
}

// coalescer is the goroutine that turns single requests into batches.
type coalescer struct {
	queue chan *request
	quit  chan struct{}
	done  chan struct{}

	mu     sync.RWMutex // enqueue holds it shared; stop exclusively
	closed bool
}

// enqueue adds a request unless the queue is full or stopped. Under the
// lock, no request can slip in after stop has drained the queue.
func (c *coalescer) enqueue(r *request) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	select {
	case c.queue <- r:
		return nil
	default:
		return ErrOverloaded
	}
}

func (p *Predictor) classify(ctx context.Context, load func() (*rgb.Image, Stage, error)) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	s := p.scratches.Get().(*scratch)
	item := p.prepare(0, "", load, s)
	p.scratches.Put(s)
	if item.err != nil {
		return Result{Err: item.err}, item.err
	}
	req := &request{item: item, reply: make(chan Result, 1)}
	if err := p.service.enqueue(req); err != nil {
		p.putItem(item.pix)
		return Result{}, err
	}
	select {
	case r := <-req.reply:
		return r, r.Err
	case <-ctx.Done():
		return Result{}, ctx.Err() // the batch still runs; its reply is dropped
	}
}

func (p *Predictor) startCoalescer() *coalescer {
	size := p.cfg.queueSize
	if size == 0 {
		size = 4 * p.cfg.batchSize
	}
	c := &coalescer{queue: make(chan *request, size), quit: make(chan struct{}), done: make(chan struct{})}
	go p.coalesce(c)
	return c
}

// stop ends the coalescer after its current batch; waiting requests get
// ErrClosed.
func (c *coalescer) stop() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	close(c.quit)
	<-c.done
	for {
		select {
		case r := <-c.queue:
			r.reply <- Result{Err: ErrClosed}
		default:
			return
		}
	}
}

// coalesce takes the first waiting request, gathers more until the batch
// is full or maxDelay has passed since the first, and runs the batch.
// Requests that arrive while a batch runs queue up and fill the next one
// at once, so under load batches are full and the delay never applies.
func (p *Predictor) coalesce(c *coalescer) {
	defer close(c.done)
	runtime.LockOSThread() // see run's inference goroutines
	defer runtime.UnlockOSThread()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*request, 0, p.cfg.batchSize)
	for {
		batch = batch[:0]
		select {
		case r := <-c.queue:
			batch = append(batch, r)
		case <-c.quit:
			return
		}
		timer.Reset(p.cfg.maxDelay)
	fill:
		for len(batch) < p.cfg.batchSize {
			select {
			case r := <-c.queue:
				batch = append(batch, r)
			case <-timer.C:
				break fill
			case <-c.quit:
				break fill
			}
		}
		timer.Stop()
		p.runRequests(batch)
	}
}

// runRequests forwards one coalesced batch and answers its callers.
func (p *Predictor) runRequests(batch []*request) {
	buf := p.getBatch()
	for _, r := range batch {
		*buf = append(*buf, r.item.pix...)
		p.putItem(r.item.pix)
	}
	out, err := p.module.Forward(*buf, len(batch), p.outH, p.outW, p.table)
	p.putBatch(buf)
	for i, r := range batch {
		res := p.result(r.item, out, i, err)
		if err != nil && errors.Is(err, binding.ErrClosed) {
			res.Err = ErrClosed
		}
		r.reply <- res
	}
}
