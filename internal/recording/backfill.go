package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// Bounds of a back-filled segment: an agent buffers at most a few days,
// and one segment is short (the agent cuts at every keyframe after 1 s).
const (
	backfillMaxAge = 7 * 24 * time.Hour
	backfillMaxDur = 10 * time.Minute
	// backfillSlack absorbs the millisecond rounding of segment times and
	// the clocks of agent and server when checking for overlap.
	backfillSlack = 200 * time.Millisecond
)

// Backfill keeps a segment a P&P camera's agent recorded on its LAN while
// its link was down (tunnel.Config.Backfill): written beside the camera's
// own segments, checked by reading it (a file that does not parse as a
// segment of the claimed start is refused), and indexed unless the server
// has any of that time already — indexed, or in the segment being written
// — so the timeline gets the hole filled and nothing twice. skip names why
// a segment was not needed.
func (s *Service) Backfill(ctx context.Context, cameraID int64, start time.Time, r io.Reader) (skip string, err error) {
	s.mu.Lock()
	desired := s.desired[cameraID]
	s.mu.Unlock()
	if !desired {
		return tunnel.BackfillNotRecording, nil
	}
	now := s.a.Now()
	start = start.UTC().Truncate(time.Millisecond)
	if start.Before(now.Add(-backfillMaxAge)) || start.After(now) {
		return "", errors.New(tunnel.BackfillBadSegment + ": start out of range")
	}
	path := media.SegmentPath(s.cfg.Dir, cameraID, start)
	if _, err := os.Stat(path); err == nil {
		return tunnel.BackfillCovered, nil // sent before (a retry after a lost answer)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	tmp := path + ".upload"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("receiving the segment: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.Remove(path)
		}
	}()
	seg, err := media.ProbeSegment(path)
	if err != nil || seg.Duration() <= 0 || seg.Duration() > backfillMaxDur || seg.End.After(now.Add(5*time.Second)) {
		return "", errors.New(tunnel.BackfillBadSegment + ": not a readable segment of plausible length")
	}
	covered, err := s.covered(ctx, cameraID, seg)
	if err != nil || covered {
		return tunnel.BackfillCovered, err
	}
	if err := s.index(ctx, seg); err != nil {
		return "", err
	}
	keep = true
	return "", nil
}

// covered reports whether the server has recorded any of seg's time.
func (s *Service) covered(ctx context.Context, cameraID int64, seg media.Segment) (bool, error) {
	from, to := seg.Start.Add(backfillSlack), seg.End.Add(-backfillSlack)
	if !to.After(from) {
		return true, nil // too short to fill anything
	}
	if st := s.rec.Status(cameraID); st.Recording && to.After(st.SegmentStart) {
		return true, nil
	}
	have, err := s.a.Store.R().SegmentsInRange(ctx, cameraID, from, to)
	return len(have) > 0, err
}
