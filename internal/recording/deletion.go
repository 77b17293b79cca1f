package recording

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
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
	if s.cfg.Objects != nil {
		// The bucket holds cameras this recorder never wrote (or wrote and
		// no longer buffers): its top-level prefixes are camera ids.
		dirs, err := s.cfg.Objects.Dirs(ctx, "")
		if err != nil {
			s.log.Warn("sweep deleted cameras in S3", "err", err)
		}
		local := make(map[int64]bool, len(ids))
		for _, id := range ids {
			local[id] = true
		}
		for _, d := range dirs {
			if id, err := strconv.ParseInt(strings.TrimSuffix(d, "/"), 10, 64); err == nil && !local[id] {
				ids = append(ids, id)
			}
		}
	}
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
	s.sweepClipObjects(ctx)
}

// sweepClipObjects deletes the clips kept in the bucket (clips/<camera>/…,
// camera.Clip.ObjectKey) of cameras that no longer exist: deleting an
// account removes its cameras' clip rows by cascade.
func (s *Service) sweepClipObjects(ctx context.Context) {
	if s.cfg.Objects == nil {
		return
	}
	dirs, err := s.cfg.Objects.Dirs(ctx, "clips/")
	if err != nil {
		s.log.Warn("sweep clips of deleted cameras in S3", "err", err)
		return
	}
	var ids []int64
	for _, d := range dirs {
		if id, err := strconv.ParseInt(path.Base(d), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	exist, err := s.a.Store.R().ExistingCameraIDs(ctx, ids)
	if err != nil {
		s.log.Warn("sweep clips of deleted cameras", "err", err)
		return
	}
	for _, id := range ids {
		if exist[id] {
			continue
		}
		objs, err := s.cfg.Objects.List(ctx, "clips/"+strconv.FormatInt(id, 10)+"/")
		if err != nil {
			s.log.Warn("list clips of a deleted camera", "camera", id, "err", err)
			return
		}
		for _, o := range objs {
			if err := s.cfg.Objects.Delete(ctx, o.Key); err != nil {
				s.log.Warn("delete clip of a deleted camera", "key", o.Key, "err", err)
				return
			}
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
			if startedBy(d.Name(), at) {
				_ = removeFile(p)
			}
			return nil
		})
		s.removeCameraObjects(ctx, id, at)
	}()
}

// removeCameraObjects deletes a deleted recording's objects from the
// bucket: those under the camera's prefix that started before at (the
// same rule as its files).
func (s *Service) removeCameraObjects(ctx context.Context, id int64, at time.Time) {
	if s.cfg.Objects == nil {
		return
	}
	objs, err := s.cfg.Objects.List(ctx, strconv.FormatInt(id, 10)+"/")
	if err != nil {
		s.log.Warn("list objects of a deleted recording", "camera", id, "err", err)
		return
	}
	n := 0
	for _, o := range objs {
		if !startedBy(path.Base(o.Key), at) {
			continue
		}
		if err := s.cfg.Objects.Delete(ctx, o.Key); err != nil {
			s.log.Warn("delete object of a deleted recording", "key", o.Key, "err", err)
			return
		}
		n++
	}
	if n > 0 {
		s.log.Info("objects of a deleted recording removed", "camera", id, "count", n)
	}
}

// startedBy reports whether a segment file name (<unix ms>.mp4[.part])
// names a segment that started at or before at.
func startedBy(name string, at time.Time) bool {
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".part"), ".mp4")
	ms, err := strconv.ParseInt(name, 10, 64)
	return err == nil && ms <= at.UnixMilli()
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
