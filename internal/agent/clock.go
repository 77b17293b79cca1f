package agent

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/tunnel"
)

// The agent's clock is not trusted for back-fill: a small box without a
// battery-backed clock or NTP may be minutes or years off, and a segment
// dated by it would land at the wrong place in the server's timeline (or be
// refused as out of range). The agent measures the server's clock at every
// connection and dates what it back-fills in the server's time.

const (
	// clockTolerance: an offset within it is left alone (the measurement
	// itself is only good to half a round trip; shifting by noise would
	// make back-filled segments overlap the server's own).
	clockTolerance = time.Second
	// backfillMaxAge is how old a segment the server still takes (it
	// refuses older ones; sending them costs the uplink for nothing).
	backfillMaxAge = 7 * 24 * time.Hour
)

// measureClock reads the server's time off its answer to the connect
// request: sent and got bound when the server stamped it, the midpoint is
// the best guess of our time then.
func (l *link) measureClock(resp *http.Response, sent, got time.Time) {
	if resp == nil {
		return
	}
	ms, err := strconv.ParseInt(resp.Header.Get(tunnel.HeaderServerTime), 10, 64)
	if err != nil || ms <= 0 {
		return // an older server: nothing measured, the clock is taken as is
	}
	mid := sent.Add(got.Sub(sent) / 2)
	off := time.UnixMilli(ms).Sub(mid)
	if off.Abs() <= clockTolerance+got.Sub(sent)/2 {
		off = 0
	} else {
		l.cfg.Logger.Warn("this machine's clock is off; back-filled video is dated by the server's clock",
			"camera", l.cam.Name, "offset", off.Round(time.Millisecond))
	}
	l.offset.Store(int64(off))
}

// serverTime is t (our clock) in the server's time.
func (l *link) serverTime(t time.Time) time.Time { return t.Add(time.Duration(l.offset.Load())) }

// plausible reports whether a segment, dated in the server's time, is one
// the server can take: not in the future, not older than it keeps.
func plausible(start, end, serverNow time.Time) bool {
	return !end.After(serverNow) && start.After(serverNow.Add(-backfillMaxAge))
}
