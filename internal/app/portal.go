package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PortalCounts are the numbers the admin portal's dashboard and an account's
// statistics tab show about a subtree (R7), as far as the data exists.
type PortalCounts struct {
	Integrators int // sub-integrators anywhere below the account
	Customers   int // customers anywhere below the account
	Users       int // users of the account and every account below it
	OwnUsers    int // users of the account itself
}

// PortalCounts counts what lies in the subtree of an account the actor may
// see (R10: anything else is NotFound).
func (a *App) PortalCounts(ctx context.Context, actor tenancy.Actor, accountID int64) (PortalCounts, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return PortalCounts{}, err
	}
	// One row of counters (store/counters.go), whatever the subtree's size.
	below, err := r.SubtreeCounters(ctx, acct)
	if err != nil {
		return PortalCounts{}, err
	}
	c := PortalCounts{Integrators: int(below.Integrators), Customers: int(below.Customers), Users: int(below.Users)}
	_, c.OwnUsers, _, err = a.ListUsers(ctx, actor, accountID, "", store.Page{Page: 1, PerPage: 1})
	return c, err
}

// CameraCounts are an account subtree's cameras as the dashboard shows
// them: registered or assigned anywhere in the subtree.
type CameraCounts struct {
	Total, Online, Recording int
	StorageBytes             int64
}

// PortalCameras pages through the cameras of an account's subtree (R7:
// total, online, recording, storage used). Cameras belong to the subtree
// when their integrator or their customer lies in it.
func (a *App) PortalCameras(ctx context.Context, actor tenancy.Actor, accountID int64, page store.Page) ([]CameraView, int, store.Page, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return nil, 0, page, err
	}
	if err := requireCameraAdmin(actor); err != nil {
		return nil, 0, page, err
	}
	p := page.Clamp()
	list, total, err := r.ListCameras(ctx, store.CameraFilter{Scope: acct.Path, Page: p})
	if err != nil {
		return nil, 0, p, err
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	storage, err := r.CamerasStorageUsed(ctx, ids)
	if err != nil {
		return nil, 0, p, err
	}
	hs, err := r.CamerasHealth(ctx, ids)
	if err != nil {
		return nil, 0, p, err
	}
	out := make([]CameraView, len(list))
	for i, c := range list {
		out[i] = CameraView{Camera: c, Storage: storage[c.ID], Status: a.cameraStatus(c, storage[c.ID], hs[c.ID])}
	}
	return out, total, p, markRetiredPlans(ctx, r, out)
}

// PortalCameraCounts counts the cameras of an account's subtree (the same
// set as PortalCameras) from its counters: online and recording are what
// the cameras' recorders last reported (recording.Service writes them as
// they change), so the cost is one row for 10 cameras or 100 000.
func (a *App) PortalCameraCounts(ctx context.Context, actor tenancy.Actor, accountID int64) (CameraCounts, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return CameraCounts{}, err
	}
	if err := requireCameraAdmin(actor); err != nil {
		return CameraCounts{}, err
	}
	c, err := cameraCounters(ctx, r, acct)
	if err != nil {
		return c, err
	}
	c.StorageBytes, err = r.StorageUsedInSubtree(ctx, acct.Path)
	return c, err
}

// cameraCounters is CameraCounts without the storage: one row of counters.
func cameraCounters(ctx context.Context, r store.Q, acct tenancy.Account) (CameraCounts, error) {
	n, err := r.AccountCounters(ctx, acct.ID)
	if err != nil {
		return CameraCounts{}, err
	}
	return CameraCounts{Total: int(n.Cameras), Online: int(n.Online), Recording: int(n.Recording)}, nil
}
