package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/mail"
)

// EnqueueMail adds a message to the outbox. Called inside the transaction that
// caused the mail, so a rolled-back request sends nothing and a committed one
// cannot lose its mail.
func (q Q) EnqueueMail(ctx context.Context, m mail.Message) (int64, error) {
	now := ms(time.Now())
	var name, typ string
	var data []byte
	if a := m.Attachment; a != nil {
		name, typ, data = a.Name, a.Type, a.Data
	}
	id, err := q.insert(ctx, `INSERT INTO mail_outbox (to_addr, subject, text_body, html_body, from_name, reply_to,
		attachment_name, attachment_type, attachment, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.To, m.Subject, m.Text, m.HTML, m.FromName, m.ReplyTo, name, typ, data, now, now)
	return id, errs.Wrap(err, "enqueue mail")
}

// DueMail returns up to limit unsent messages whose next attempt is due.
func (q Q) DueMail(ctx context.Context, now time.Time, limit int) ([]mail.Queued, error) {
	rows, err := q.query(ctx, `SELECT id, to_addr, subject, text_body, html_body, from_name, reply_to, attempts,
		attachment_name, attachment_type, attachment FROM mail_outbox
		WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, errs.Wrap(err, "due mail")
	}
	defer rows.Close()
	var out []mail.Queued
	for rows.Next() {
		var m mail.Queued
		var a mail.Attachment
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.FromName, &m.ReplyTo, &m.Attempts, &a.Name, &a.Type, &a.Data); err != nil {
			return nil, err
		}
		if a.Name != "" {
			m.Attachment = &a
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkMailSent records a delivery.
func (q Q) MarkMailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`, ms(at), id)
	return errs.Wrap(err, "mark mail sent")
}

// MarkMailFailed records a failed attempt and when to try again.
func (q Q) MarkMailFailed(ctx context.Context, id int64, next time.Time, reason string) error {
	_, err := q.exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`, ms(next), reason, id)
	return errs.Wrap(err, "mark mail failed")
}

// MailStats counts pending and sent messages (for metrics and tests).
func (q Q) MailStats(ctx context.Context) (pending, sent int, err error) {
	var p, s sql.NullInt64
	err = q.row(ctx, `SELECT SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END) FROM mail_outbox`).Scan(&p, &s)
	return int(p.Int64), int(s.Int64), errs.Wrap(err, "mail stats")
}
