package live

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Meter adds up the bytes delivered to live viewers per camera and writes
// them to the traffic usage every few seconds (and on Close), so that a busy
// camera costs one database write per period, not one per packet or request.
type Meter struct {
	flush func(ctx context.Context, cameraID int64, at time.Time, bytes int64) error
	log   *slog.Logger

	mu      sync.Mutex
	pending map[int64]int64

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NewMeter starts a meter that hands its totals to flush every period
// (default 10 s).
func NewMeter(flush func(ctx context.Context, cameraID int64, at time.Time, bytes int64) error, every time.Duration, log *slog.Logger) *Meter {
	if every <= 0 {
		every = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Meter{flush: flush, log: log, pending: map[int64]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go m.loop(every)
	return m
}

// Add counts bytes delivered for a camera.
func (m *Meter) Add(cameraID, bytes int64) {
	if bytes <= 0 {
		return
	}
	m.mu.Lock()
	m.pending[cameraID] += bytes
	m.mu.Unlock()
}

// Pending is the number of bytes counted and not yet written.
func (m *Meter) Pending() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, b := range m.pending {
		n += b
	}
	return n
}

func (m *Meter) loop(every time.Duration) {
	defer close(m.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			m.Flush()
			return
		case <-t.C:
			m.Flush()
		}
	}
}

// Flush writes what was counted so far. A failed write is kept for the
// next flush.
func (m *Meter) Flush() {
	m.mu.Lock()
	batch := m.pending
	m.pending = map[int64]int64{}
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	for id, n := range batch {
		if err := m.flush(ctx, id, now, n); err != nil {
			m.log.Warn("meter live traffic", "camera", id, "bytes", n, "err", err)
			m.Add(id, n)
		}
	}
}

// Close flushes and stops the meter; later calls do nothing.
func (m *Meter) Close() error {
	m.stopOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}
