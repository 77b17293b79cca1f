package app

import (
	"context"
	"errors"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/netpolicy"
)

// checkCameraAddress refuses, naming the field, a camera whose address the
// camera-address policy would not let the recorder dial (SSRF: a camera
// address is chosen by a customer's integrator, not by the operator). The
// recorder checks again at every dial, so a name that later resolves
// elsewhere is still refused there.
func (a *App) checkCameraAddress(ctx context.Context, c camera.Camera) error {
	f := errs.Fields{}
	for field, host := range camera.DialHosts(c) {
		if err := a.checkHost(ctx, host); err != nil {
			f.Add(field, err.Error())
		}
	}
	return f.Err()
}

// checkHost resolves host (bounded in time) and explains a refusal.
func (a *App) checkHost(ctx context.Context, host string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := a.Cameras.Addresses.Resolve(ctx, host)
	var refused *netpolicy.RefusedError
	var unresolved *netpolicy.UnresolvedError
	switch {
	case errors.As(err, &refused):
		return errors.New("is refused: " + refused.Error())
	case errors.As(err, &unresolved):
		return errors.New("names a host that does not resolve: " + host)
	}
	return err
}
