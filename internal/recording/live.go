package recording

import (
	"context"

	"github.com/vigilo/vigilo/internal/store"
)

// liveState is what this recorder last wrote of a camera it runs.
type liveState struct{ online, recording bool }

// fullLiveEvery is how many flushes pass between two that rewrite every
// camera's state, not only the changes: a report cleared by someone else
// (a move, a repair) is restored within that many ticks.
const fullLiveEvery = 60

// flushLive writes the online/recording state of the cameras this recorder
// runs where it changed since the last flush, and clears its report of the
// cameras it let go (store.SetCamerasLive; the statistics tab counts them).
// Only this recorder's cameras are written: in a cluster the others report
// theirs.
func (s *Service) flushLive(ctx context.Context) error {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	now := map[int64]liveState{}
	for _, id := range s.rec.Running() {
		ms, desired := s.Status(id)
		if st := (liveState{desired && ms.Online, desired && ms.Recording}); st.online || st.recording {
			now[id] = st
		}
	}
	s.liveTicks++
	full := s.liveTicks%fullLiveEvery == 0
	var changes []store.CameraLive
	for id, st := range now {
		if prev, ok := s.live[id]; full || !ok || prev != st {
			changes = append(changes, store.CameraLive{CameraID: id, Online: st.online, Recording: st.recording})
		}
	}
	for id := range s.live {
		if _, ok := now[id]; !ok {
			changes = append(changes, store.CameraLive{CameraID: id})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := s.a.Store.InTx(ctx, func(q store.Q) error { return q.SetCamerasLive(ctx, s.node(), changes) }); err != nil {
		return err
	}
	s.live = now
	return nil
}

// node names this recorder in the cameras' live reports.
func (s *Service) node() string { return s.a.Cameras.NodeName }

// clearLive drops what this recorder reported before it (re)started:
// nothing runs yet.
func (s *Service) clearLive(ctx context.Context) error {
	return s.a.Store.InTx(ctx, func(q store.Q) error {
		_, err := q.ClearCamerasLive(ctx, s.node())
		return err
	})
}
