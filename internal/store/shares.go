package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const shareCols = `s.id, s.kind, s.camera_id, COALESCE(s.clip_id, 0), s.created_by, s.account_id, s.expires_at, s.revoked_at,
	s.views, s.created_at`

func scanShare(sc interface{ Scan(...any) error }) (camera.Share, error) {
	var s camera.Share
	var exp, ca int64
	var rev sql.NullInt64
	err := sc.Scan(&s.ID, &s.Kind, &s.CameraID, &s.ClipID, &s.CreatedBy, &s.AccountID, &exp, &rev, &s.Views, &ca)
	s.ExpiresAt, s.CreatedAt = fromMS(exp), fromMS(ca)
	if rev.Valid {
		t := fromMS(rev.Int64)
		s.RevokedAt = &t
	}
	return s, err
}

// InsertShare writes a share link with its token's hash.
func (q Q) InsertShare(ctx context.Context, s *camera.Share, tokenHash string) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	s.CreatedAt = now
	id, err := q.insert(ctx, `INSERT INTO shares (kind, camera_id, clip_id, created_by, account_id, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.Kind, s.CameraID, nullable(s.ClipID), s.CreatedBy, s.AccountID, tokenHash,
		ms(s.ExpiresAt), ms(now))
	if err != nil {
		return errs.Wrap(err, "insert share")
	}
	s.ID = id
	return nil
}

// Share loads one share by id.
func (q Q) Share(ctx context.Context, id int64) (camera.Share, error) {
	s, err := scanShare(q.row(ctx, `SELECT `+shareCols+` FROM shares s WHERE s.id = ?`, id))
	if err != nil {
		return s, notFound(err, "share", id)
	}
	return s, nil
}

// ShareByToken finds a share by its token's hash.
func (q Q) ShareByToken(ctx context.Context, tokenHash string) (camera.Share, error) {
	s, err := scanShare(q.row(ctx, `SELECT `+shareCols+` FROM shares s WHERE s.token_hash = ?`, tokenHash))
	if err != nil {
		return s, notFound(err, "share", "")
	}
	return s, nil
}

// ShareFilter selects shares: those made by accounts in Scope, or only by
// one user (a video user sees its own).
type ShareFilter struct {
	Scope     string
	CreatedBy int64
	Page      Page
}

// ListShares returns one page of shares, newest first, and the total.
func (q Q) ListShares(ctx context.Context, f ShareFilter) ([]camera.Share, int, error) {
	if f.Scope == "" {
		return nil, 0, errs.New(errs.Internal, "internal", "share list without scope")
	}
	lo, hi := tenancy.SubtreeRange(f.Scope)
	from := ` FROM shares s JOIN accounts a ON a.id = s.account_id WHERE a.path >= ? AND a.path < ?`
	args := []any{lo, hi}
	if f.CreatedBy != 0 {
		from += ` AND s.created_by = ?`
		args = append(args, f.CreatedBy)
	}
	total, err := q.count(ctx, `SELECT count(*)`+from, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count shares")
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT `+shareCols+from+` ORDER BY s.id DESC LIMIT ? OFFSET ?`, append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list shares")
	}
	defer rows.Close()
	out := []camera.Share{}
	for rows.Next() {
		s, err := scanShare(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan share")
		}
		out = append(out, s)
	}
	return out, total, errs.Wrap(rows.Err(), "list shares")
}

// RevokeShare ends a share link now (once: a revoked link keeps its time).
func (q Q) RevokeShare(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id)
	return errs.Wrap(err, "revoke share")
}

// CountShareView adds one view.
func (q Q) CountShareView(ctx context.Context, id int64) error {
	_, err := q.exec(ctx, `UPDATE shares SET views = views + 1 WHERE id = ?`, id)
	return errs.Wrap(err, "count share view")
}
