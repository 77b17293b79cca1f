package recording

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
)

// syncEvents hands the recorder the open motion events of its events-plan
// cameras (camera id → customer path), so that they record around them. It
// runs on every reconcile, which follows every event burst: an event opened
// or closed reaches the recorder at once, and a missed one on the timer.
// The events module is enforced here too: a customer without it gets no
// event recording, even from an event opened before it was switched off.
func (s *Service) syncEvents(ctx context.Context, paths map[int64]string) error {
	open := map[int64]time.Time{}
	if len(paths) > 0 {
		evs, err := s.a.Store.R().OpenCameraEvents(ctx, camera.EventMotion)
		if err != nil {
			return err
		}
		on := map[string]bool{}
		for _, e := range evs {
			p, ok := paths[e.CameraID]
			if !ok {
				continue
			}
			allowed, seen := on[p]
			if !seen {
				if allowed, err = s.a.EventsOnPath(ctx, p); err != nil {
					return err
				}
				on[p] = allowed
			}
			if allowed {
				open[e.CameraID] = e.Start
			}
		}
	}
	s.rec.SyncEvents(open)
	return nil
}
