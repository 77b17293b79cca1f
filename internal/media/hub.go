package media

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Unit is one video access unit as the hub hands it to live readers.
type Unit struct {
	// Codec is "h264" or "h265".
	Codec string
	// PTS and DTS are in 90 kHz units on one timeline per camera that keeps
	// running across reconnects (a reader never sees time go backwards).
	PTS, DTS int64
	// NTP is when the unit was received.
	NTP time.Time
	// AU holds the NAL units; a keyframe carries its parameter sets.
	AU [][]byte
	// Key marks a random access point.
	Key bool
	// Params are the current parameter sets (H.264: SPS, PPS; H.265: VPS,
	// SPS, PPS).
	Params [][]byte
	// Replay marks a unit from the camera's GOP cache, handed to a new
	// reader in a burst before the live unit it joined at: its timestamps
	// are the real ones, already in the past. A player that shows frames
	// by their timestamps (WebRTC) should pack them tightly so that it
	// catches up with live instead of trailing it by the GOP.
	Replay bool
}

// Reader receives a camera's video from the hub. WriteUnit runs on the
// camera's ingest goroutine, so it must not block (hand off or drop), and
// the Unit and its slices are valid only during the call. A reader's first
// unit is a keyframe. The reader list is read without a lock, so one last
// WriteUnit may still arrive just after the stop function returned: a
// reader must tolerate it (e.g. never close a channel WriteUnit sends on).
type Reader interface {
	WriteUnit(u *Unit)
}

// Source is a camera to pull for live readers when it is not recorded.
type Source struct {
	CameraID int64
	// URL is the rtsp:// address, credentials included.
	URL string
}

// ErrClosed is returned by Watch after Close.
var ErrClosed = errors.New("media: recorder closed")

type reader struct {
	r       Reader
	started bool // ingest goroutine only
}

// anchor places the session's first unit on the camera's live timeline,
// continuing where the previous session left it, advanced by the wall time
// of the outage. It runs before the unit is recorded or fanned out.
func (s *session) anchor(dts int64, now time.Time) {
	if s.anchored {
		return
	}
	c := s.c
	s.anchored = true
	next := int64(0)
	if !c.lastAt.IsZero() {
		next = c.lastDTS + durToClock(now.Sub(c.lastAt), videoClock)
	}
	s.tsOffset = next - dts
	c.gop.reset() // the previous session's GOPs may not match this one's parameters
}

// fanOut hands one access unit to every live reader, and keeps it in the
// camera's GOP cache.
func (s *session) fanOut(dts, pts int64, au [][]byte, key bool, now time.Time) {
	c := s.c
	rs := c.readers.Load()
	c.lastDTS, c.lastAt = dts+s.tsOffset, now
	watched := rs != nil && len(*rs) > 0
	if watched {
		c.watchedAt = now
	}
	// An events-only camera keeps its pre-buffer (keep > 0) whoever watches.
	if keep := time.Duration(c.keep.Load()); watched || keep > 0 || now.Sub(c.watchedAt) < gopKeep {
		var info *segmentInfo
		if key {
			info = s.info
		}
		c.gop.add(dts+s.tsOffset, pts+s.tsOffset, now, au, key, s.params, info, keep)
	} else {
		c.gop.release()
	}
	if !watched {
		return
	}
	u := &s.unit
	codec := s.tc.video.name
	for _, rd := range *rs {
		if !rd.started {
			if !key {
				// Joined mid-GOP: the GOP so far (without this unit,
				// which the cache holds last) first.
				c.gop.replay(u, codec, s.params, 1, func(ru *Unit) {
					rd.started = true
					rd.r.WriteUnit(ru)
				})
				if !rd.started {
					continue
				}
			}
			rd.started = true
		}
		u.Codec, u.PTS, u.DTS, u.NTP, u.AU, u.Key, u.Params, u.Replay = codec, pts+s.tsOffset, dts+s.tsOffset, now, au, key, s.params, false
		rd.r.WriteUnit(u)
	}
	u.AU = nil
}

// Watch subscribes rd to a camera's video. A camera already pulled (recorded
// or watched) is shared; otherwise it is pulled now from src. The returned
// stop ends the subscription; a camera that is then neither recorded nor
// watched is released after Config.LiveLinger.
func (r *Recorder) Watch(src Source, rd Reader) (stop func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	c := r.cams[src.CameraID]
	if c == nil {
		c = r.startLocked(Target{CameraID: src.CameraID, URL: src.URL})
	} else if !c.wantRec && c.target().URL != src.URL {
		c.retarget(Target{CameraID: src.CameraID, URL: src.URL})
	}
	if c.linger != nil {
		c.linger.Stop()
		c.linger = nil
	}
	c.nReaders++
	sub := &reader{r: rd}
	c.setReaders(func(rs []*reader) []*reader { return append(rs, sub) })
	var once sync.Once
	return func() { once.Do(func() { r.unwatch(c, sub) }) }, nil
}

// setReaders replaces the reader list copy-on-write, so the ingest
// goroutine reads it without a lock. Recorder.mu must be held.
func (c *camera) setReaders(edit func([]*reader) []*reader) {
	var cur []*reader
	if p := c.readers.Load(); p != nil {
		cur = *p
	}
	next := edit(slices.Clone(cur))
	c.readers.Store(&next)
}

func (r *Recorder) unwatch(c *camera, sub *reader) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.setReaders(func(rs []*reader) []*reader {
		return slices.DeleteFunc(rs, func(x *reader) bool { return x == sub })
	})
	c.nReaders--
	if c.nReaders > 0 || c.wantRec || r.cams[c.id] != c {
		return
	}
	c.linger = time.AfterFunc(r.cfg.LiveLinger, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.cams[c.id] == c && c.nReaders == 0 && !c.wantRec {
			r.stopLocked(c)
		}
	})
}

// Codec waits until the camera's video codec is known ("h264" or "h265")
// or ctx ends. The camera must be pulled (recorded or watched).
func (r *Recorder) Codec(ctx context.Context, cameraID int64) (string, error) {
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil {
		return "", errors.New("media: camera not pulled")
	}
	select {
	case <-c.ready:
		return *c.codec.Load(), nil
	case <-ctx.Done():
		if st := c.status(); st.LastError != "" {
			return "", errors.New(st.LastError)
		}
		return "", ctx.Err()
	}
}

// Pulled lists the cameras with an RTSP session wanted now: recorded,
// watched, or lingering after their last viewer.
func (r *Recorder) Pulled() []int64 {
	r.mu.Lock()
	ids := make([]int64, 0, len(r.cams))
	for id := range r.cams {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	slices.Sort(ids)
	return ids
}
