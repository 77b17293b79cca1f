package agent

import (
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/tunnel"
)

// TestClockOffset: the server's time on its connect answer sets the offset
// back-filled segments are dated with — a clock within a second (plus half
// the round trip) is left alone, one 90 s behind is moved, an older server
// without the header leaves it as is — and segments dated in the future or
// beyond the server's keeping are not sent.
func TestClockOffset(t *testing.T) {
	l := &link{cfg: &Config{Logger: slog.New(slog.DiscardHandler)}}
	sent := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	got := sent.Add(200 * time.Millisecond)
	answer := func(server time.Time) *http.Response {
		r := &http.Response{Header: http.Header{}}
		r.Header.Set(tunnel.HeaderServerTime, strconv.FormatInt(server.UnixMilli(), 10))
		return r
	}
	for _, c := range []struct {
		server time.Time
		want   time.Duration
	}{
		{sent.Add(100 * time.Millisecond), 0},
		{sent.Add(1 * time.Second), 0}, // within tolerance and half the round trip
		{sent.Add(90 * time.Second), 90*time.Second - 100*time.Millisecond},
		{sent.Add(-time.Hour), -time.Hour - 100*time.Millisecond},
	} {
		l.measureClock(answer(c.server), sent, got)
		if off := time.Duration(l.offset.Load()); off != c.want {
			t.Errorf("server at %v: offset %v, want %v", c.server.Sub(sent), off, c.want)
		}
	}
	l.measureClock(&http.Response{Header: http.Header{}}, sent, got)
	if off := time.Duration(l.offset.Load()); off != -time.Hour-100*time.Millisecond {
		t.Errorf("no header changed the offset to %v", off)
	}
	if s := l.serverTime(sent); !s.Equal(sent.Add(-time.Hour - 100*time.Millisecond)) {
		t.Errorf("server time %v", s)
	}
	now := sent
	for _, c := range []struct {
		start, end time.Time
		ok         bool
	}{
		{now.Add(-10 * time.Second), now.Add(-9 * time.Second), true},
		{now.Add(-time.Second), now.Add(time.Second), false},
		{now.Add(-8 * 24 * time.Hour), now.Add(-8*24*time.Hour + time.Second), false},
	} {
		if plausible(c.start, c.end, now) != c.ok {
			t.Errorf("plausible(%v, %v) != %v", c.start.Sub(now), c.end.Sub(now), c.ok)
		}
	}
}
