package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

// PnPCameraByDevice loads the P&P camera registered under deviceID.
func (q Q) PnPCameraByDevice(ctx context.Context, deviceID string) (camera.Camera, error) {
	c, err := scanCamera(q.row(ctx, `SELECT `+cameraCols+cameraFrom+` WHERE c.type = 'pnp' AND c.device_id = ?`, deviceID))
	if err != nil {
		return c, notFound(err, "device", deviceID)
	}
	return c, nil
}

// PnPAgent is the agent row of a P&P camera (Claimed false when none).
func (q Q) PnPAgent(ctx context.Context, cameraID int64) (camera.Agent, error) {
	a := camera.Agent{CameraID: cameraID}
	var seen int64
	err := q.row(ctx, `SELECT agent_version, last_seen_at FROM pnp_agents WHERE camera_id = ?`, cameraID).Scan(&a.Version, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	if err != nil {
		return a, errs.Wrap(err, "load agent")
	}
	a.Claimed = true
	if seen > 0 {
		a.LastSeenAt = fromMS(seen)
	}
	return a, nil
}

// ClaimPnPAgent stores the credential of the agent that claimed cameraID.
// It reports false, writing nothing, when the camera was claimed already:
// a claim code works once per registration.
func (q Q) ClaimPnPAgent(ctx context.Context, cameraID int64, credentialHash string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO pnp_agents (camera_id, credential_hash, claimed_at) VALUES (?, ?, ?)
		ON CONFLICT (camera_id) DO NOTHING`, cameraID, credentialHash, ms(at))
	if err != nil {
		return false, errs.Wrap(err, "claim device")
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "claim device")
}

// PnPCameraByCredential loads the P&P camera of deviceID whose agent holds
// the credential with this hash (NotFound otherwise, whichever part is wrong).
func (q Q) PnPCameraByCredential(ctx context.Context, deviceID, credentialHash string) (camera.Camera, error) {
	c, err := scanCamera(q.row(ctx, `SELECT `+cameraCols+cameraFrom+` JOIN pnp_agents pa ON pa.camera_id = c.id
		WHERE c.type = 'pnp' AND c.device_id = ? AND pa.credential_hash = ?`, deviceID, credentialHash))
	if err != nil {
		return c, notFound(err, "device", deviceID)
	}
	return c, nil
}

// TouchPnPAgent records an agent's reported version and the time it was
// last heard from.
func (q Q) TouchPnPAgent(ctx context.Context, cameraID int64, version string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE pnp_agents SET agent_version = ?, last_seen_at = ? WHERE camera_id = ?`,
		version, ms(at), cameraID)
	return errs.Wrap(err, "touch agent")
}
