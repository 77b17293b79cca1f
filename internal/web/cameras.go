package web

import (
	"context"
	"fmt"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// cameraCounts reports the camera statistics of an account's subtree.
func (p *Portal) cameraCounts(ctx context.Context, q *req, acct tenancy.Account) (cameraCounts, bool, error) {
	c, err := p.App.PortalCameraCounts(ctx, q.Actor, acct.ID)
	if err != nil {
		return cameraCounts{}, false, err
	}
	return cameraCounts{Total: c.Total, Online: c.Online, Recording: c.Recording, StorageBytes: c.StorageBytes}, true, nil
}

// accountCameras is an account's Cameras tab.
type accountCameras struct {
	Items []app.CameraView
	Pager pager
}

func (p *Portal) accountCameras(ctx context.Context, q *req, acct tenancy.Account, page int, path string) (*accountCameras, error) {
	items, total, pg, err := p.App.PortalCameras(ctx, q.Actor, acct.ID, store.Page{Page: page, PerPage: 50})
	if err != nil {
		return nil, err
	}
	return &accountCameras{Items: items, Pager: newPager(total, pg.Page, pg.PerPage, nil, path)}, nil
}

// bytesText shows a size in the unit people expect.
func bytesText(n int64) string {
	const k = 1024
	switch {
	case n >= k*k*k:
		return fmt.Sprintf("%.2f GB", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.1f MB", float64(n)/(k*k))
	case n >= k:
		return fmt.Sprintf("%.0f KB", float64(n)/k)
	}
	return fmt.Sprintf("%d B", n)
}
