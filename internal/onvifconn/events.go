package onvifconn

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/onvif"
)

// pullWait is how long one PullMessages may wait at the device for news:
// a message is answered at once, so this bounds nothing but idle rounds.
const pullWait = 10 * time.Second

// pullEvery spaces the PullMessages calls of one subscription: a device
// that answers at once instead of waiting for news (some firmwares do; the
// onvif npm package's mockup always does) would otherwise be asked in a
// tight loop. Messages wait in the device's pull point meanwhile, so this
// adds at most this much to when an event is seen.
const pullEvery = 500 * time.Millisecond

// renewAfter is when to renew a subscription the device granted term
// for: at half of it, so one lost or slow round still leaves time. Devices
// grant less than asked (the onvif npm mockup grants 5 s), and one renewed
// after its term is gone: its events are lost until we notice and start
// over. A device that does not say is renewed as if it granted our ask.
func renewAfter(term time.Duration) time.Duration {
	if term <= 0 || term > onvif.SubscriptionTerm {
		term = onvif.SubscriptionTerm
	}
	return max(term/2, time.Second)
}

// waitFor is how long one PullMessages may wait at the device, left is the
// time until the renewal, which happens between pulls: never past it
// (whole seconds, as the request says it, and at least one).
func waitFor(left time.Duration) time.Duration {
	return max(min(pullWait, left).Truncate(time.Second), time.Second)
}

// puller holds one camera's PullPoint subscription.
type puller struct {
	url    string // events service it was started for
	fp     string
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *puller) stop() {
	p.cancel()
	<-p.done
}

// syncEvents starts or stops the camera's event subscription: wanted for
// an enabled camera whose device answered onboarding with an events
// service, and whose customer has the events module (enforced here: no
// module, no subscription, no events). Whether its stream works does not
// matter: a camera whose RTSP address is refused or down still reports
// motion, and that is when an integrator most wants to hear from it.
func (s *Service) syncEvents(ctx context.Context, c camera.Camera, st *camState) {
	want := c.Enabled && c.ONVIF.EventsURL != ""
	if want {
		on, err := s.a.EventsOn(ctx, c)
		want = err == nil && on
	}
	fp := c.ONVIF.EventsURL + "\x00" + c.Username + "\x00" + c.SecretEnc
	s.mu.Lock()
	cur := st.events
	if cur != nil && (!want || cur.fp != fp) {
		st.events = nil
		s.mu.Unlock()
		cur.stop()
		s.mu.Lock()
		cur = nil
	}
	if want && cur == nil && ctx.Err() == nil {
		pctx, cancel := context.WithCancel(ctx)
		p := &puller{url: c.ONVIF.EventsURL, fp: fp, cancel: cancel, done: make(chan struct{})}
		st.events = p
		s.wg.Add(1)
		go s.pull(pctx, c, p)
	}
	s.mu.Unlock()
}

// pull keeps a subscription going: create, pull (long-poll), renew, and
// start over after a failure. Motion on opens the camera's motion event,
// motion off closes it; when the subscription stops, an open one is closed.
func (s *Service) pull(ctx context.Context, c camera.Camera, p *puller) {
	defer s.wg.Done()
	defer close(p.done)
	defer func() {
		_, _, _ = s.a.CloseCameraEvent(context.Background(), c.ID, camera.EventMotion, time.Time{})
	}()
	cl, err := s.client(c)
	if err != nil {
		return
	}
	defer cl.Close()
	for ctx.Err() == nil {
		sub, err := cl.CreatePullPoint(ctx, p.url)
		if err != nil {
			s.log.Debug("onvif events subscription", "camera", c.ID, "reason", onvif.ReasonOf(err))
			sleep(ctx, 5*time.Second)
			continue
		}
		s.follow(ctx, c, cl, sub)
		uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = cl.Unsubscribe(uctx, sub.Address)
		cancel()
		sleep(ctx, time.Second)
	}
}

func (s *Service) follow(ctx context.Context, c camera.Camera, cl *onvif.Client, sub onvif.Subscription) {
	granted := sub.Term
	renewAt := time.Now().Add(renewAfter(granted))
	var last time.Time
	for ctx.Err() == nil {
		if wait := pullEvery - time.Since(last); wait > 0 {
			sleep(ctx, wait)
			if ctx.Err() != nil {
				return
			}
		}
		// Renew before a pull that could outlast the renewal time: the
		// device may end the subscription while we wait at it.
		if time.Until(renewAt) < time.Second {
			term, err := cl.Renew(ctx, sub.Address)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Debug("onvif renew", "camera", c.ID, "reason", onvif.ReasonOf(err))
				}
				return
			}
			// A RenewResponse need not carry CurrentTime: one that does not
			// say keeps the term granted before.
			if term > 0 {
				granted = term
			}
			renewAt = time.Now().Add(renewAfter(granted))
		}
		last = time.Now()
		msgs, err := cl.PullMessages(ctx, sub.Address, waitFor(time.Until(renewAt)))
		if err != nil {
			if ctx.Err() == nil {
				s.log.Debug("onvif pull", "camera", c.ID, "reason", onvif.ReasonOf(err))
			}
			return
		}
		for _, m := range msgs {
			on, ok := m.Motion()
			if !ok {
				continue
			}
			if on {
				_, err = s.a.OpenCameraEvent(ctx, c.ID, camera.EventMotion, time.Time{}, m.Topic)
			} else {
				_, _, err = s.a.CloseCameraEvent(ctx, c.ID, camera.EventMotion, time.Time{})
			}
			if err != nil && ctx.Err() == nil {
				s.log.Warn("motion event", "camera", c.ID, "err", err)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
