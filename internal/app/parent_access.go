package app

import (
	"context"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// ActionParentAccess is the audit action of a parent's use of a customer's
// video. Unlike other entries by ancestors, the customer sees who it was
// (audit_redact.go): the user's e-mail and the ancestor account's name.
const ActionParentAccess = "video.parent_access"

// ParentAccessEvery is how often continued use of one camera by one parent
// user with one right is recorded again: a live session is re-decided
// every second and an HLS player asks several times a second, and one
// entry per 10 minutes of watching says who watched what, and when,
// without flooding the log.
const ParentAccessEvery = 10 * time.Minute

// maxParentAccessKeys bounds the memory of recent entries; beyond it the
// stale ones are dropped, and if all are fresh the memory starts over
// (which costs at most one extra entry per key).
const maxParentAccessKeys = 10000

type parentAccessKey struct {
	user, camera int64
	right        string
}

// parentAccesses remembers when each (user, camera, right) was last
// recorded. Per process: a second API node writes its own entries.
type parentAccesses struct {
	mu   sync.Mutex
	last map[parentAccessKey]time.Time
}

func (p *parentAccesses) due(k parentAccessKey, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.last[k]
	return !ok || now.Sub(t) >= ParentAccessEvery || now.Before(t)
}

func (p *parentAccesses) done(k parentAccessKey, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil || len(p.last) >= maxParentAccessKeys {
		old := p.last
		p.last = make(map[parentAccessKey]time.Time, len(old)/2+1)
		for k, t := range old {
			if now.Sub(t) < ParentAccessEvery && len(p.last) < maxParentAccessKeys/2 {
				p.last[k] = t
			}
		}
	}
	p.last[k] = now
}

// noteParentAccess records in the customer's audit log that a user of an
// account above it used its camera (customer privacy: the customer sees
// every parent access, whether its video is private or opened by a grant
// or not private at all). Unassigned cameras are the integrator's own
// business and are not recorded. A failed write refuses the request: video
// a parent watches unrecorded would break the promise of the log.
func (a *App) noteParentAccess(ctx context.Context, q store.Q, actor tenancy.Actor, c camera.Camera, right string, acc camera.Access) error {
	if !acc.ByAncestor || c.CustomerID == 0 {
		return nil
	}
	detail := map[string]any{"camera_id": c.ID, "camera_name": c.Name, "right": right, "from_account": acc.From}
	if acc.Grant != 0 {
		detail["grant_id"] = acc.Grant
	}
	target := tenancy.Account{ID: c.CustomerID, Path: c.CustomerPath}
	if q.InTx() {
		// A use case's own transaction (a clip or share made, a share
		// viewed): the entry commits with it or not at all, so it is
		// written every time and not remembered.
		return a.audit(ctx, q, actor, target, ActionParentAccess, detail)
	}
	now := a.Now()
	k := parentAccessKey{actor.UserID, c.ID, right}
	if !a.parentSeen.due(k, now) {
		return nil
	}
	if err := a.audit(ctx, a.Store.W(), actor, target, ActionParentAccess, detail); err != nil {
		return err
	}
	a.parentSeen.done(k, now)
	return nil
}
