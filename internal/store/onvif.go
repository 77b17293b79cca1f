package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

// SetConnectResult writes the outcome of an ONVIF onboarding attempt (an
// ONVIF camera, or a P&P camera whose agent serves an ONVIF device): on
// success the stream address and the device's details, on failure only
// the reason (the last working stream address and details are kept, so a
// camera that answered once keeps recording from there meanwhile).
// changed reports whether anything the recorder or a person sees changed.
func (q Q) SetConnectResult(ctx context.Context, id int64, r camera.ConnectResult) (changed bool, err error) {
	var res interface {
		RowsAffected() (int64, error)
	}
	if r.Info != nil {
		info, jerr := json.Marshal(r.Info)
		if jerr != nil {
			return false, errs.Wrap(jerr, "encode onvif info")
		}
		// The sub profile's address becomes the camera's sub stream, which
		// the grid tiles pull; it is part of onvif_info, so a change of it
		// alone also counts as a change.
		res, err = q.exec(ctx, `UPDATE cameras SET rtsp_url = ?, sub_rtsp_url = ?, onvif_info = ?, connect_reason = ?, connect_checked_at = ?, updated_at = ?
			WHERE id = ? AND type IN ('onvif', 'pnp') AND (rtsp_url <> ? OR onvif_info <> ? OR connect_reason <> ?)`,
			r.RTSPURL, r.Info.SubStreamURL, string(info), r.Reason, ms(r.At), ms(r.At), id, r.RTSPURL, string(info), r.Reason)
	} else {
		res, err = q.exec(ctx, `UPDATE cameras SET connect_reason = ?, connect_checked_at = ?
			WHERE id = ? AND type IN ('onvif', 'pnp') AND connect_reason <> ?`, r.Reason, ms(r.At), id, r.Reason)
	}
	if err != nil {
		return false, errs.Wrap(err, "write onvif result")
	}
	n, err := res.RowsAffected()
	return n > 0, errs.Wrap(err, "write onvif result")
}

// ONVIFCameras lists every ONVIF camera (the connector's work), oldest first.
func (q Q) ONVIFCameras(ctx context.Context) ([]camera.Camera, error) {
	rows, err := q.query(ctx, `SELECT `+cameraCols+cameraFrom+` WHERE c.type = 'onvif' ORDER BY c.id`)
	return scanCameras(rows, err, "list onvif cameras")
}

// scanCameras reads a whole camera query (what names it in errors).
func scanCameras(rows *sql.Rows, err error, what string) ([]camera.Camera, error) {
	if err != nil {
		return nil, errs.Wrap(err, what)
	}
	defer rows.Close()
	var out []camera.Camera
	for rows.Next() {
		c, err := scanCamera(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan camera")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), what)
}
