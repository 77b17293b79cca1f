package media

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// Back-off between connection attempts. The cap is low on purpose: a
	// camera that comes back after a network blip must be recording again
	// within seconds, and a failed RTSP dial costs next to nothing.
	backoffMin = 200 * time.Millisecond
	backoffMax = 1 * time.Second
	// A session that stayed up this long resets the back-off.
	backoffReset = 10 * time.Second
	// rtspTimeout bounds reads and writes; a silent camera is declared
	// gone after this long (gortsplib checks it periodically).
	rtspTimeout = 5 * time.Second
	// bitrateWindow is how often the status bitrate is recomputed.
	bitrateWindow = 3 * time.Second
)

// camera is one pulled camera in the hub: a single RTSP session at a time
// (reconnecting until stopped) whose access units go to the recording, when
// the camera is recorded, and to every live reader.
type camera struct {
	r      *Recorder
	id     int64
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	prev   *camera // previous runner of the same camera id, still finishing

	// Guarded by Recorder.mu: who needs the pull. The camera stops when
	// neither is left (readers after Config.LiveLinger).
	wantRec  bool
	nReaders int
	linger   *time.Timer

	// Read by the ingest goroutine without the Recorder's lock.
	recording atomic.Bool   // mirrors wantRec
	recGen    atomic.Uint64 // bumped when the recording's settings change
	readers   atomic.Pointer[[]*reader]
	kick      atomic.Pointer[func()] // closes the current RTSP session (URL changed)
	// eventsOnly mirrors Target.EventsOnly; keep is how far back the GOP
	// cache reaches for it (0: the current GOP only).
	eventsOnly atomic.Bool
	keep       atomic.Int64

	// codec is "h264"/"h265" once a DESCRIBE succeeded; ready is closed then.
	codec     atomic.Pointer[string]
	ready     chan struct{}
	readyOnce sync.Once

	// Timeline for live readers across reconnects, and the GOP a new
	// reader starts with (ingest goroutine only).
	lastDTS   int64
	lastAt    time.Time
	gop       gopCache
	watchedAt time.Time // when a live reader was last there

	mu sync.Mutex
	t  Target
	st CameraStatus
	// bitrate accounting: rxBytes is bumped per packet without the lock;
	// the rate is derived from it at most every bitrateWindow.
	rxBytes   atomic.Int64
	rateFrom  time.Time
	rateBytes int64
	frames    uint64 // video frames written by finished recordings
	played    bool   // a session reached PLAY before
	ev        eventWindow
}

func (c *camera) target() Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// retarget applies a changed Target without dropping the pull: a new URL
// reconnects, new recording settings start a new segment.
func (c *camera) retarget(t Target) {
	c.mu.Lock()
	old := c.t
	c.t = t
	c.mu.Unlock()
	if old.SegmentLength != t.SegmentLength || old.EventsOnly != t.EventsOnly {
		c.recGen.Add(1)
	}
	c.setEventsOnly(t.EventsOnly)
	if old.URL != t.URL {
		if k := c.kick.Load(); k != nil {
			(*k)()
		}
	}
}

func (c *camera) status() CameraStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshRateLocked(time.Now())
	return c.st
}

func (c *camera) setErr(err error) {
	c.mu.Lock()
	c.st.LastError, c.st.Reason = describeErr(err), ReasonOf(err)
	c.mu.Unlock()
}

func (c *camera) run() {
	defer close(c.done)
	if c.prev != nil {
		// A restarted camera must not write alongside its old runner.
		<-c.prev.done
		c.prev = nil
	}
	log := c.r.log.With("camera", c.id)
	backoff := backoffMin
	for {
		began := time.Now()
		wasOnline, err := c.pull()
		if c.ctx.Err() != nil {
			return
		}
		c.setErr(err)
		if wasOnline {
			// Transitions are worth an operator's attention; the retries
			// of a camera that stays down are not.
			log.Info("camera offline", "reason", ReasonOf(err), "err", err)
		} else {
			log.Debug("camera unreachable", "err", err)
		}
		if time.Since(began) > backoffReset {
			backoff = backoffMin
		}
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff *= 2
		if backoff > backoffMax {
			backoff = backoffMax
		}
	}
}

func (c *camera) setCodec(name string) {
	c.codec.Store(&name)
	c.readyOnce.Do(func() { close(c.ready) })
}

func (c *camera) segmentLength() time.Duration {
	if t := c.target(); t.SegmentLength > 0 {
		return t.SegmentLength
	}
	return c.r.cfg.DefaultSegmentLength
}

func (c *camera) addLost(n uint64) {
	c.mu.Lock()
	c.st.FramesLost += n
	c.mu.Unlock()
}

// countRx accounts received payload bytes; called for every packet.
func (c *camera) countRx(n int) { c.rxBytes.Add(int64(n)) }

// refreshRateLocked recomputes the bitrate once per bitrateWindow.
func (c *camera) refreshRateLocked(now time.Time) {
	if !c.st.Online {
		return
	}
	el := now.Sub(c.rateFrom)
	if el < bitrateWindow {
		return
	}
	rx := c.rxBytes.Load()
	kbps := int(float64(rx-c.rateBytes) * 8 / el.Seconds() / 1000)
	c.st.BitrateKbps = kbps
	over := c.t.MaxBitrateKbps > 0 && kbps > c.t.MaxBitrateKbps
	if over {
		c.st.LastError = fmt.Sprintf("bitrate %d kbps is above the plan limit of %d kbps", kbps, c.t.MaxBitrateKbps)
	} else if c.st.OverBitrate {
		c.st.LastError = ""
	}
	c.st.OverBitrate = over
	c.rateFrom, c.rateBytes = now, rx
}

// readBufferSize is the socket read buffer under gortsplib's own 4 KiB
// bufio.Reader. Profiling 50-200 cameras showed read(2) as the largest CPU
// cost: one syscall per ~3 RTP packets. Reading up to 32 KiB at a time makes
// it about one per burst of packets, for 32 KiB of memory per camera.
const readBufferSize = 32 << 10

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// DialFunc opens a network connection to a camera.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// buffered wraps dial so that every camera connection reads in large
// chunks (see readBufferSize).
func buffered(dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &bufferedConn{Conn: conn, r: bufio.NewReaderSize(conn, readBufferSize)}, nil
	}
}
