package predictor

import (
	"context"
	"image"
	"io"
	"sync"
	"time"
)

// ClassifyBytes classifies one encoded image, as a service does for each
// request. Concurrent calls from many goroutines are coalesced into
// batches (up to the batch size, waiting at most WithMaxDelay for
// company); each caller gets its own result.
//
// Work is admitted before it is done: a closed predictor answers
// ErrClosed and a full queue (WithQueueSize calls already admitted)
// ErrOverloaded at once, before any decoding. Admitted calls decode on
// the caller's goroutine, at most WithWorkers at a time, waiting for a
// turn while honouring ctx; a call whose ctx ends while it decodes or
// waits for its batch returns ctx's error at once, and its image is
// dropped from the batch, never computed.
//
// The error is an *InputError for a bad image, a *BatchError when the
// model failed on the batch, ErrOverloaded, ErrClosed, or ctx's error.
func (p *Predictor) ClassifyBytes(ctx context.Context, data []byte) (Result, error) {
	return p.classify(ctx, Bytes("", data))
}

// ClassifyReader is ClassifyBytes for an image read from r, at most
// WithMaxInputSize bytes (more is an *InputError at StageRead). r is read
// after admission, on the caller's goroutine.
func (p *Predictor) ClassifyReader(ctx context.Context, r io.Reader) (Result, error) {
	return p.classify(ctx, Reader("", r))
}

// ClassifyImage is ClassifyBytes for a decoded image (see Image).
func (p *Predictor) ClassifyImage(ctx context.Context, img image.Image) (Result, error) {
	return p.classify(ctx, Image("", img))
}

// request is one caller's prepared image waiting for a batch.
type request struct {
	ctx        context.Context
	item       prepared
	queued     time.Time
	preprocess time.Duration
	reply      chan Result // buffered: the coalescer never blocks on a caller
}

// coalescer admits single-image calls and turns them into batches.
type coalescer struct {
	// admitted holds a token for each call from admission until its batch
	// starts (or it fails or gives up): the queue size.
	admitted chan struct{}
	// decoding holds a token for each call decoding now: the workers.
	decoding chan struct{}
	// queue holds prepared requests; it has room for every admitted call,
	// so a send never blocks.
	queue chan *request
	quit  chan struct{}
	done  chan struct{}

	mu     sync.RWMutex // enqueue holds it shared; stop exclusively
	closed bool
}

func (p *Predictor) startCoalescer() *coalescer {
	size := p.cfg.queueSize
	if size == 0 {
		size = 4 * p.cfg.batchSize
	}
	c := &coalescer{
		admitted: make(chan struct{}, size),
		decoding: make(chan struct{}, p.cfg.workers),
		queue:    make(chan *request, size),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go p.coalesce(c)
	return c
}

// QueueLen is how many single-image calls are admitted and not yet in a
// batch (decoding, or waiting in the queue): at most WithQueueSize.
func (p *Predictor) QueueLen() int { return len(p.coalescer.admitted) }

// QueueSize is the most single-image calls admitted at once
// (WithQueueSize).
func (p *Predictor) QueueSize() int { return cap(p.coalescer.admitted) }

// admit takes a queue token, or refuses at once.
func (c *coalescer) admit() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	select {
	case c.admitted <- struct{}{}:
		return nil
	default:
		return ErrOverloaded
	}
}

func (c *coalescer) release() { <-c.admitted }

// startDecode waits for a decoding turn.
func (c *coalescer) startDecode(ctx context.Context) error {
	select {
	case c.decoding <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return ErrClosed
	}
}

func (c *coalescer) endDecode() { <-c.decoding }

// enqueue hands a prepared request to the coalescer unless it stopped.
// Under the lock, no request can slip in after stop has drained the queue.
func (c *coalescer) enqueue(r *request) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	c.queue <- r // never blocks: one slot per admitted call
	return nil
}

func (p *Predictor) classify(ctx context.Context, in Input) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	c := p.coalescer
	if err := c.admit(); err != nil {
		return Result{}, err
	}
	admitted := time.Now()
	item, err := p.prepareOne(ctx, c, in)
	if err != nil {
		c.release()
		return Result{Err: item.err, Timing: Timing{Preprocess: time.Since(admitted)}}, err
	}
	req := &request{ctx: ctx, item: item, queued: time.Now(), reply: make(chan Result, 1)}
	req.preprocess = req.queued.Sub(admitted)
	if err := c.enqueue(req); err != nil {
		p.putItem(item.pix)
		c.release()
		return Result{}, err
	}
	// From here the coalescer owns the token and the pixels.
	select {
	case r := <-req.reply:
		return r, r.Err
	case <-ctx.Done():
		return Result{}, ctx.Err() // the coalescer drops the request
	}
}

// prepareOne decodes and preprocesses in on the caller's goroutine in a
// decoding turn. The error is the item's InputError, or ctx's or
// ErrClosed with a zero item.
func (p *Predictor) prepareOne(ctx context.Context, c *coalescer, in Input) (prepared, error) {
	if err := c.startDecode(ctx); err != nil {
		return prepared{}, err
	}
	s := p.scratches.Get().(*scratch)
	item := p.prepare(ctx, 0, in, s)
	p.scratches.Put(s)
	c.endDecode()
	if err := ctx.Err(); err != nil { // a cancelled input is not a bad one
		p.putItem(item.pix)
		return prepared{}, err
	}
	return item, item.err
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
			c.release()
		default:
			return
		}
	}
}

// coalesce takes the first waiting request, gathers more until the batch
// is full or maxDelay has passed since the first was queued, and runs the
// batch. It starts a batch only when an inference worker is free (one on
// the CPU; two per GPU, on every device): requests that arrive while the
// workers are busy queue up and fill the next batch at once, so under
// load batches are full and the delay never applies. Requests whose
// caller has gone are dropped without computing.
func (p *Predictor) coalesce(c *coalescer) {
	free := make(chan struct{}, p.lanes())
	var running sync.WaitGroup
	defer func() { running.Wait(); close(c.done) }()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case free <- struct{}{}:
		case <-c.quit:
			return
		}
		batch := make([]*request, 0, p.cfg.batchSize)
		select {
		case r := <-c.queue:
			batch = p.keep(c, batch, r)
		case <-c.quit:
			return
		}
		if len(batch) == 0 {
			<-free
			continue
		}
		timer.Reset(time.Until(batch[0].queued.Add(p.cfg.maxDelay)))
	fill:
		for len(batch) < p.cfg.batchSize {
			select {
			case r := <-c.queue:
				batch = p.keep(c, batch, r)
			case <-timer.C:
				break fill
			case <-c.quit:
				break fill
			}
		}
		timer.Stop()
		// Callers who gave up while the batch filled leave it now.
		live := batch[:0]
		for _, r := range batch {
			live = p.keep(c, live, r)
		}
		if len(live) == 0 {
			<-free
			continue
		}
		running.Add(1)
		go func() {
			defer running.Done()
			p.runRequests(c, live)
			<-free
		}()
	}
}

// keep appends r to batch unless its caller has gone, in which case its
// pixels and its queue token are given back.
func (p *Predictor) keep(c *coalescer, batch []*request, r *request) []*request {
	if r.ctx.Err() != nil {
		p.putItem(r.item.pix)
		c.release()
		return batch
	}
	return append(batch, r)
}

// runRequests forwards one coalesced batch and answers its callers. Its
// requests leave the queue as the batch starts.
func (p *Predictor) runRequests(c *coalescer, batch []*request) {
	buf := p.getBatch()
	for _, r := range batch {
		*buf = append(*buf, r.item.pix...)
		p.putItem(r.item.pix)
		c.release()
	}
	start := time.Now()
	out, err := p.forward(*buf, len(batch))
	compute := time.Since(start)
	p.putBatch(buf)
	for i, r := range batch {
		res := p.result(r.item, out, i, err)
		if err == ErrClosed {
			res.Err = ErrClosed
		}
		res.Timing = Timing{Preprocess: r.preprocess, Queue: start.Sub(r.queued), Compute: compute, BatchSize: len(batch)}
		r.reply <- res
	}
}
