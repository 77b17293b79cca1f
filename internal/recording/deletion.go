package recording

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/events"
)

// sweepDelay is how long a deleted camera's directory is left alone: the
// recorder stops the camera on the change event and its last segment is
// finalized within a part or two.
const sweepDelay = 5 * time.Second

// onEvent handles what an event asks beyond a reconcile: deleting an
// account removes its cameras' rows in the database, and the files are
// ours to remove (app/delete.go).
func (s *Service) onEvent(ctx context.Context, e events.Event) {
	if e.Kind != events.AccountDeleted {
		return
	}
	at := s.a.Now()
	if e.CameraID != 0 {
		// A camera that survives unassigned lost its recordings' rows.
		s.mu.Lock()
		s.purged[e.CameraID] = at
		for id, t := range s.purged {
			if at.Sub(t) > time.Hour {
				delete(s.purged, id)
			}
		}
		s.mu.Unlock()
		s.RemoveCameraFiles(e.CameraID, at)
		return
	}
	s.sweeps.Add(1)
	go func() {
		defer s.sweeps.Done()
		s.sweepDeletedCameras(context.WithoutCancel(ctx), at)
	}()
}

// sweepDeletedCameras removes the files of camera directories whose camera
// no longer exists.
func (s *Service) sweepDeletedCameras(ctx context.Context, at time.Time) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return
	}
	var ids []int64
	for _, en := range entries {
		if id, err := strconv.ParseInt(en.Name(), 10, 64); err == nil && en.IsDir() {
			ids = append(ids, id)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	exist, err := s.a.Store.R().ExistingCameraIDs(ctx, ids)
	if err != nil {
		s.log.Warn("sweep deleted cameras", "err", err)
		return
	}
	for _, id := range ids {
		if !exist[id] {
			s.RemoveCameraFiles(id, at)
		}
	}
}

// RemoveCameraFiles deletes, once the recorder has let go of the camera,
// the files of a camera whose recordings were deleted: those that started
// before at, so a new camera that (on SQLite) reuses the id keeps its
// recordings. It returns at once (app.Recorder).
func (s *Service) RemoveCameraFiles(id int64, at time.Time) {
	camDir := filepath.Join(s.cfg.Dir, strconv.FormatInt(id, 10))
	s.sweeps.Add(1)
	go func() {
		defer s.sweeps.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = s.Reconcile(ctx)
		select {
		case <-time.After(sweepDelay):
		case <-s.released:
		}
		// Index first: a segment indexed in the moment between the
		// deletion and the recorder letting go must not outlive its file.
		if _, err := s.a.Store.W().DeleteCameraSegmentsBefore(ctx, id, at); err != nil {
			s.log.Warn("delete segments of a deleted recording", "camera", id, "err", err)
			return
		}
		_ = filepath.WalkDir(camDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := strings.TrimSuffix(strings.TrimSuffix(d.Name(), ".part"), ".mp4")
			if ms, perr := strconv.ParseInt(name, 10, 64); perr == nil && ms <= at.UnixMilli() {
				_ = removeFile(p)
			}
			return nil
		})
	}()
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
