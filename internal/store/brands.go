package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const brandColumns = `b.account_id, b.product_name, b.primary_color, b.accent_color, b.logo_type, b.logo, b.favicon_type, b.favicon,
	b.support_email, b.support_phone, b.support_url, b.mail_sender_name, b.mail_reply_to,
	b.text_welcome, b.text_reset, b.text_alert, b.text_invoice, b.updated_at,
	d.domain, d.challenge, d.verified_at, d.verified_by`

func scanBrand(s interface{ Scan(...any) error }) (branding.Brand, error) {
	var b branding.Brand
	var updated int64
	var domain, challenge, by sql.NullString
	var verified sql.NullInt64
	err := s.Scan(&b.AccountID, &b.ProductName, &b.PrimaryColor, &b.AccentColor, &b.Logo.Type, &b.Logo.Data, &b.Favicon.Type, &b.Favicon.Data,
		&b.SupportEmail, &b.SupportPhone, &b.SupportURL, &b.MailSenderName, &b.MailReplyTo,
		&b.Texts.Welcome, &b.Texts.Reset, &b.Texts.Alert, &b.Texts.Invoice, &updated,
		&domain, &challenge, &verified, &by)
	b.UpdatedAt = fromMS(updated)
	b.Domain = branding.Domain{Name: domain.String, Challenge: challenge.String, VerifiedAt: nullMS(verified), VerifiedBy: by.String}
	return b, err
}

// Brand is the account's own brand (a zero Brand, no error, when it has
// none), with its custom domain if any.
func (q Q) Brand(ctx context.Context, accountID int64) (branding.Brand, error) {
	b, err := scanBrand(q.row(ctx, `SELECT `+brandColumns+` FROM account_brands b
		LEFT JOIN brand_domains d ON d.account_id = b.account_id WHERE b.account_id = ?`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		// A domain may be asked for before any brand: keep it visible.
		d, derr := q.DomainOf(ctx, accountID)
		return branding.Brand{AccountID: accountID, Domain: d}, derr
	}
	return b, errs.Wrap(err, "load brand")
}

// PathBrands returns the own brand of every account on path, root first (a
// zero Brand where none), in one query over primary keys.
func (q Q) PathBrands(ctx context.Context, path string) ([]branding.Brand, error) {
	ids := tenancy.PathIDs(path)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT `+brandColumns+` FROM account_brands b
		LEFT JOIN brand_domains d ON d.account_id = b.account_id WHERE b.account_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "load path brands")
	}
	defer rows.Close()
	byID := map[int64]branding.Brand{}
	for rows.Next() {
		b, err := scanBrand(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan brand")
		}
		byID[b.AccountID] = b
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "load path brands")
	}
	out := make([]branding.Brand, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// PutBrand writes an account's own brand whole (insert or replace).
func (q Q) PutBrand(ctx context.Context, b branding.Brand) error {
	_, err := q.exec(ctx, `INSERT INTO account_brands (account_id, product_name, primary_color, accent_color, logo_type, logo,
		favicon_type, favicon, support_email, support_phone, support_url, mail_sender_name, mail_reply_to,
		text_welcome, text_reset, text_alert, text_invoice, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET product_name = excluded.product_name, primary_color = excluded.primary_color,
		accent_color = excluded.accent_color, logo_type = excluded.logo_type, logo = excluded.logo,
		favicon_type = excluded.favicon_type, favicon = excluded.favicon, support_email = excluded.support_email,
		support_phone = excluded.support_phone, support_url = excluded.support_url, mail_sender_name = excluded.mail_sender_name,
		mail_reply_to = excluded.mail_reply_to, text_welcome = excluded.text_welcome, text_reset = excluded.text_reset,
		text_alert = excluded.text_alert, text_invoice = excluded.text_invoice, updated_at = excluded.updated_at`,
		b.AccountID, b.ProductName, b.PrimaryColor, b.AccentColor, b.Logo.Type, nilIfEmpty(b.Logo.Data),
		b.Favicon.Type, nilIfEmpty(b.Favicon.Data), b.SupportEmail, b.SupportPhone, b.SupportURL, b.MailSenderName, b.MailReplyTo,
		b.Texts.Welcome, b.Texts.Reset, b.Texts.Alert, b.Texts.Invoice, ms(b.UpdatedAt))
	return errs.Wrap(err, "write brand")
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// DeleteBrand removes an account's own brand (its subtree inherits again).
// The custom domain goes with it.
func (q Q) DeleteBrand(ctx context.Context, accountID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM brand_domains WHERE account_id = ?`, accountID); err != nil {
		return errs.Wrap(err, "delete domain")
	}
	_, err := q.exec(ctx, `DELETE FROM account_brands WHERE account_id = ?`, accountID)
	return errs.Wrap(err, "delete brand")
}

// DomainOf is the account's custom domain (zero when none).
func (q Q) DomainOf(ctx context.Context, accountID int64) (branding.Domain, error) {
	var d branding.Domain
	var verified sql.NullInt64
	err := q.row(ctx, `SELECT domain, challenge, verified_at, verified_by FROM brand_domains WHERE account_id = ?`, accountID).
		Scan(&d.Name, &d.Challenge, &verified, &d.VerifiedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return branding.Domain{}, nil
	}
	d.VerifiedAt = nullMS(verified)
	return d, errs.Wrap(err, "load domain")
}

// DomainOwner is the account that holds name and the domain row, or
// NotFound.
func (q Q) DomainOwner(ctx context.Context, name string) (int64, string, branding.Domain, error) {
	var id int64
	var path string
	var d branding.Domain
	var verified sql.NullInt64
	err := q.row(ctx, `SELECT d.account_id, a.path, d.domain, d.challenge, d.verified_at, d.verified_by
		FROM brand_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain = ?`, name).
		Scan(&id, &path, &d.Name, &d.Challenge, &verified, &d.VerifiedBy)
	if err != nil {
		return 0, "", d, notFound(err, "domain", name)
	}
	d.VerifiedAt = nullMS(verified)
	return id, path, d, nil
}

// SetDomain gives the account the domain name with a fresh challenge,
// replacing any domain it had. A name another account holds is refused as
// a field error (the primary key decides, so two requests cannot both win).
func (q Q) SetDomain(ctx context.Context, accountID int64, name, challenge string, now time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM brand_domains WHERE account_id = ?`, accountID); err != nil {
		return errs.Wrap(err, "replace domain")
	}
	_, err := q.exec(ctx, `INSERT INTO brand_domains (domain, account_id, challenge, created_at) VALUES (?, ?, ?, ?)`,
		name, accountID, challenge, ms(now))
	if q.d.isUnique(err) {
		return errs.Field("custom_domain", "is already taken by another account")
	}
	return errs.Wrap(err, "write domain")
}

// VerifyDomain marks the account's domain verified by "dns" or "operator".
func (q Q) VerifyDomain(ctx context.Context, accountID int64, by string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE brand_domains SET verified_at = ?, verified_by = ? WHERE account_id = ?`, ms(now), by, accountID)
	return errs.Wrap(err, "verify domain")
}

// RemoveDomain removes the account's custom domain.
func (q Q) RemoveDomain(ctx context.Context, accountID int64) error {
	_, err := q.exec(ctx, `DELETE FROM brand_domains WHERE account_id = ?`, accountID)
	return errs.Wrap(err, "remove domain")
}

// DomainRow is one custom domain in the operator's list.
type DomainRow struct {
	AccountID   int64
	AccountName string
	AccountPath string
	branding.Domain
}

// Domains lists every custom domain, by name (the operator's view).
func (q Q) Domains(ctx context.Context) ([]DomainRow, error) {
	rows, err := q.query(ctx, `SELECT d.account_id, a.name, a.path, d.domain, d.challenge, d.verified_at, d.verified_by
		FROM brand_domains d JOIN accounts a ON a.id = d.account_id ORDER BY d.domain`)
	if err != nil {
		return nil, errs.Wrap(err, "list domains")
	}
	defer rows.Close()
	var out []DomainRow
	for rows.Next() {
		var r DomainRow
		var verified sql.NullInt64
		if err := rows.Scan(&r.AccountID, &r.AccountName, &r.AccountPath, &r.Name, &r.Challenge, &verified, &r.VerifiedBy); err != nil {
			return nil, errs.Wrap(err, "scan domain")
		}
		r.VerifiedAt = nullMS(verified)
		out = append(out, r)
	}
	return out, rows.Err()
}
