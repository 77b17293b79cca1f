package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/tunnel"
)

const (
	// backfillMargin reaches back before the last byte the server was sent:
	// bytes in flight when the uplink went were lost with it, and the server
	// refuses what it has anyway.
	backfillMargin = 10 * time.Second
	// backfillDelay lets the local segment under way at reconnection finish,
	// and the server start its own recording, before the back-fill is sent.
	backfillDelay = 3 * time.Second
)

// markOutage notes, at the first failure after a working link, from when
// the server may be missing video: the last bytes it was sent, less a
// margin. It stays until a back-fill went through.
func (l *link) markOutage() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.pendingFrom.IsZero() {
		return
	}
	last := time.Now()
	if d := l.delivered.Load(); d != 0 {
		last = time.Unix(0, d)
	}
	l.pendingFrom = last.Add(-backfillMargin)
}

func (l *link) pending() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pendingFrom
}

// backfill sends what the local buffer recorded since the outage began,
// one segment at a time, and clears the outage once everything was
// answered. A link lost meanwhile leaves it for the next connection (the
// server skips what it already has).
func (l *link) backfill(ctx context.Context, sess *yamux.Session) {
	from := l.pending()
	if from.IsZero() || l.buf == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(backfillDelay):
	}
	now := time.Now()
	sent, skipped := 0, 0
	for _, s := range l.buf.since(l.bufID, from) {
		if s.End.After(now) {
			break // the server records from here on
		}
		if !plausible(l.serverTime(s.Start), l.serverTime(s.End), l.serverTime(now)) {
			skipped++ // dated by a clock that jumped: the server could not place it
			continue
		}
		ok, err := l.upload(sess, s)
		if err != nil {
			if ctx.Err() == nil {
				l.cfg.Logger.Warn("back-fill interrupted", "camera", l.cam.Name, "err", err)
			}
			return
		}
		if ok {
			sent++
		} else {
			skipped++
		}
	}
	l.mu.Lock()
	if l.pendingFrom.Equal(from) {
		l.pendingFrom = time.Time{}
	}
	l.mu.Unlock()
	l.cfg.Logger.Info("back-fill done", "camera", l.cam.Name, "sent", sent, "skipped", skipped, "from", from)
}

// upload sends one segment; ok is false when the server did not need it
// or refused it (a refusal is logged, not retried).
func (l *link) upload(sess *yamux.Session, s media.Segment) (ok bool, err error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return false, nil // dropped from the buffer meanwhile
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, nil
	}
	st, err := sess.OpenStream()
	if err != nil {
		return false, err
	}
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(2 * time.Minute))
	if err := writeJSONLine(st, tunnel.BackfillHeader{Type: "segment", StartMS: l.serverTime(s.Start).UnixMilli(), Bytes: fi.Size()}); err != nil {
		return false, err
	}
	if _, err := io.CopyN(st, f, fi.Size()); err != nil {
		return false, err
	}
	ans, err := bufio.NewReaderSize(st, 256).ReadString('\n')
	if err != nil {
		return false, fmt.Errorf("back-fill answer: %w", err)
	}
	ans = strings.TrimSuffix(ans, "\n")
	switch {
	case ans == "ok":
		return true, nil
	case strings.HasPrefix(ans, "skip "):
		return false, nil
	case strings.HasPrefix(ans, "error "):
		l.cfg.Logger.Warn("back-fill refused", "camera", l.cam.Name, "segment", s.Path, "reason", strings.TrimPrefix(ans, "error "))
		return false, nil
	}
	return false, errors.New("back-fill: malformed answer")
}

// stampedWriter notes when bytes last went to the server.
type stampedWriter struct {
	w io.Writer
	l *link
}

func (s stampedWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if n > 0 {
		s.l.delivered.Store(time.Now().UnixNano())
	}
	return n, err
}
