package recording

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/media"
)

// index is the recorder's Sink: one row per finished segment. A segment of
// a camera deleted meanwhile is an orphan and its file goes.
func (s *Service) index(ctx context.Context, seg media.Segment) error {
	s.mu.Lock()
	cut, purged := s.purged[seg.CameraID]
	s.mu.Unlock()
	if purged && !seg.Start.After(cut) {
		return removeFile(seg.Path)
	}
	row := camera.Segment{CameraID: seg.CameraID, Start: seg.Start, End: seg.End, Bytes: seg.Bytes, Path: seg.Path,
		Codec: seg.Codec, Width: seg.Width, Height: seg.Height}
	if s.cfg.Gate != nil {
		row.LeaseRevision = s.cfg.Gate.Revision(seg.CameraID)
		if row.LeaseRevision > 0 {
			l, found, err := s.a.Store.R().Lease(ctx, seg.CameraID)
			if err != nil {
				return err
			}
			if fleet.Fenced(l, found, row.LeaseRevision, seg.Start) {
				// Written after another recorder took the camera over
				// (the handover's overlap): that one has this time.
				s.log.Debug("segment after a handover dropped", "camera", seg.CameraID, "revision", row.LeaseRevision,
					"holder", l.NodeID, "holder_revision", l.Revision)
				return removeFile(seg.Path)
			}
		}
	}
	inserted, err := s.a.Store.IndexSegment(ctx, &row)
	if inserted {
		s.a.Observe.SegmentIndexed(seg.Bytes)
		if s.cfg.Uploader != nil {
			// A failure leaves the file local and indexed; the uploader's
			// start-up scan queues it then.
			if qerr := s.cfg.Uploader.Enqueue(row); qerr != nil {
				s.log.Error("queue segment upload", "path", seg.Path, "err", qerr)
			}
		}
	}
	if errs.KindOf(err) == errs.NotFound {
		s.log.Info("segment of a deleted camera removed", "camera", seg.CameraID, "path", seg.Path)
		return removeFile(seg.Path)
	}
	return err
}

// indexTail indexes finished segments that a crash left on disk but not in
// the index (the process died between renaming a file and indexing it).
// Only the newest day directory of each camera can hold such files, so
// start-up does not walk months of recordings.
func (s *Service) indexTail(ctx context.Context) (int, error) {
	cams, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return 0, err
	}
	var paths []string
	for _, c := range cams {
		if _, err := strconv.ParseInt(c.Name(), 10, 64); err != nil || !c.IsDir() {
			continue
		}
		day := newestDayDir(filepath.Join(s.cfg.Dir, c.Name()))
		if day == "" {
			continue
		}
		files, _ := os.ReadDir(day)
		for _, f := range files {
			if !f.IsDir() && strings.HasSuffix(f.Name(), ".mp4") {
				paths = append(paths, filepath.Join(day, f.Name()))
			}
		}
	}
	known, err := s.a.Store.R().IndexedPaths(ctx, paths)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range paths {
		if known[p] {
			continue
		}
		seg, err := media.ProbeSegment(p)
		if err != nil {
			s.log.Warn("unreadable segment left out of the index", "path", p, "err", err)
			continue
		}
		if err := s.index(ctx, seg); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// newestDayDir returns <camDir>/YYYY/MM/DD of the latest day, or "".
func newestDayDir(camDir string) string {
	dir := camDir
	for range 3 {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return ""
		}
		last := ""
		for _, e := range ents { // ReadDir sorts by name; zero-padded names sort by date
			if e.IsDir() {
				last = e.Name()
			}
		}
		if last == "" {
			return ""
		}
		dir = filepath.Join(dir, last)
	}
	return dir
}
