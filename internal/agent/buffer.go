package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// bufferSegment is the length of a locally buffered segment: the recorder
// cuts at the first keyframe after it, so a back-fill fills an outage to
// within about a GOP at each end.
const bufferSegment = time.Second

// localBuffer records the agent's cameras on its own disk all the time
// (a second pull of each camera, on the LAN), keeping the newest
// Config.BufferMax bytes, so that what the server missed while the uplink
// was down can be sent afterwards (back-fill). It starts afresh: segments
// of an earlier run are removed, their outage being unknown.
type localBuffer struct {
	rec *media.Recorder
	max int64
	log func(msg string, args ...any)

	mu    sync.Mutex
	segs  []media.Segment // every camera's, in the order they finished
	total int64
}

// newLocalBuffer starts recording cameras (index i is camera id i+1) into dir.
func newLocalBuffer(cfg *Config) (*localBuffer, error) {
	dir := filepath.Join(cfg.BufferDir, "segments")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	b := &localBuffer{max: cfg.BufferMax, log: cfg.Logger.Warn}
	b.rec = media.New(media.Config{RecordingsDir: dir, Sink: media.SinkFunc(b.add), DefaultSegmentLength: bufferSegment,
		Dial: media.DialFunc(cfg.Dial), Logger: cfg.Logger.With("part", "buffer")})
	var targets []media.Target
	for i, cam := range cfg.Cameras {
		if cam.ONVIF {
			continue // its stream address is the server's to ask (not buffered yet)
		}
		targets = append(targets, media.Target{CameraID: int64(i + 1), URL: cam.URL})
	}
	b.rec.Reconcile(targets)
	return b, nil
}

// add keeps a finished segment and drops the oldest ones over the bound.
func (b *localBuffer) add(_ context.Context, s media.Segment) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.segs = append(b.segs, s)
	b.total += s.Bytes
	for b.total > b.max && len(b.segs) > 1 {
		old := b.segs[0]
		b.segs = b.segs[1:]
		b.total -= old.Bytes
		if err := os.Remove(old.Path); err != nil && !os.IsNotExist(err) {
			b.log("buffer: removing a segment", "path", old.Path, "err", err)
		}
	}
	return nil
}

// since lists camera id's finished segments that start at or after from,
// oldest first.
func (b *localBuffer) since(id int64, from time.Time) []media.Segment {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []media.Segment
	for _, s := range b.segs {
		if s.CameraID == id && !s.Start.Before(from) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y media.Segment) int { return x.Start.Compare(y.Start) })
	return out
}

// Bytes is what the buffer holds on disk now (finished segments).
func (b *localBuffer) Bytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

func (b *localBuffer) close() { b.rec.Stop() }
