package app

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Mail kinds whose text a brand sets.
const (
	MailWelcome = "welcome"
	MailReset   = "reset"
	MailAlert   = "alert"
	MailInvoice = "invoice"
)

// MailBrand is what a mail about an account's subtree shows: the product
// name, the address its links start with, and its look.
type MailBrand struct {
	Product string
	Base    string // links in the mail: the brand's verified domain, else VIGILO_BASE_URL
	Look    mail.Look
}

// MailBrandAt is the brand of mail about the account at path, for the given
// kind of mail. Without a brand above it is the installation's plain mail.
// Inside a transaction q is read directly (the account may be new in it);
// otherwise through the cache.
func (a *App) MailBrandAt(ctx context.Context, q store.Q, path, kind string) (MailBrand, error) {
	var b branding.Brand
	var ok bool
	var err error
	if q.InTx() {
		b, ok, err = loadEffectiveBrand(ctx, q, path)
	} else {
		b, ok, err = a.EffectiveBrand(ctx, path)
	}
	if err != nil {
		return MailBrand{}, err
	}
	if !ok {
		return MailBrand{Product: a.Config.Product, Base: strings.TrimRight(a.Config.BaseURL, "/")}, nil
	}
	return a.mailBrand(b, kind), nil
}

func (a *App) mailBrand(b branding.Brand, kind string) MailBrand {
	m := MailBrand{Product: b.ProductName, Base: a.BrandBase(b)}
	m.Look = mail.Look{Color: b.AccentColor, FromName: b.MailSenderName, ReplyTo: b.MailReplyTo}
	if m.Look.FromName == "" {
		m.Look.FromName = b.ProductName
	}
	if b.Logo.Type != "" {
		m.Look.LogoURL = m.Base + BrandAssetPath(b, "logo")
	}
	switch kind {
	case MailWelcome:
		m.Look.Intro = b.Texts.Welcome
	case MailReset:
		m.Look.Intro = b.Texts.Reset
	case MailAlert:
		m.Look.Intro = b.Texts.Alert
	case MailInvoice:
		m.Look.Intro = b.Texts.Invoice
	}
	var support []string
	for _, s := range []string{b.SupportEmail, b.SupportPhone, b.SupportURL} {
		if s != "" {
			support = append(support, s)
		}
	}
	if len(support) > 0 {
		m.Look.Support = b.ProductName + " support: " + strings.Join(support, " · ")
	}
	return m
}

// BrandBase is the address a brand's links start with: its verified custom
// domain (with the scheme of VIGILO_BASE_URL), else VIGILO_BASE_URL.
func (a *App) BrandBase(b branding.Brand) string {
	base := strings.TrimRight(a.Config.BaseURL, "/")
	if !b.Domain.Verified() {
		return base
	}
	scheme := "https"
	if u, err := url.Parse(base); err == nil && u.Scheme != "" {
		scheme = u.Scheme
	}
	return scheme + "://" + b.Domain.Name
}

// BrandAssetPath is the path of a brand's logo, favicon or theme; the
// version makes it change with the brand, so it may be cached for ever.
func BrandAssetPath(b branding.Brand, what string) string {
	return "/brand/" + strconv.FormatInt(b.AccountID, 10) + "/" + what + "?v=" + strconv.FormatInt(b.Version(), 10)
}

// BrandAsset is a brand's own logo or favicon, for the public asset route.
// Only accounts that set a brand have any; the rest are not found.
func (a *App) BrandAsset(ctx context.Context, accountID int64) (branding.Brand, error) {
	b, err := a.Store.R().Brand(ctx, accountID)
	if err != nil {
		return b, err
	}
	if !b.Set() {
		return b, errs.NotFoundf("brand %d not found", accountID)
	}
	return b, nil
}

// PreviewBrandMail renders a mail of kind as account id's subtree would get
// it with the brand in (unsaved, checked like a PUT): nothing is stored or
// sent.
func (a *App) PreviewBrandMail(ctx context.Context, actor tenancy.Actor, id int64, kind string, in branding.Input) (mail.Message, error) {
	switch kind {
	case MailWelcome, MailReset, MailAlert, MailInvoice:
	default:
		return mail.Message{}, errs.Field("kind", `must be "welcome", "reset", "alert" or "invoice"`)
	}
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, id, tenancy.Read)
	if err != nil {
		return mail.Message{}, err
	}
	if err := a.mayBrand(ctx, r, actor, acct); err != nil {
		return mail.Message{}, err
	}
	cur, err := r.Brand(ctx, acct.ID)
	if err != nil {
		return mail.Message{}, err
	}
	b, err := branding.Apply(cur, in)
	if err != nil {
		return mail.Message{}, err
	}
	b.AccountID = acct.ID
	m := a.mailBrand(b, kind)
	to := actor.Email
	switch kind {
	case MailWelcome:
		return mail.Welcome(to, mail.LinkData{Product: m.Product, Name: "Alex Example", Account: "Example Customer", Inviter: acct.Name,
			Link: m.Base + "/confirm?token=preview", Expires: "3 days", Look: m.Look}), nil
	case MailAlert:
		return mail.CameraOffline(to, mail.CameraAlertData{Product: m.Product, Camera: "Front door", Customer: "Example Customer",
			Since: "2026-01-02 15:04:05 UTC", Reason: "the camera stopped answering", Link: m.Base + "/cameras/1", Look: m.Look}), nil
	case MailInvoice:
		return mail.InvoiceReady(to, mail.InvoiceData{Product: m.Product, Number: strconv.FormatInt(acct.ID, 10) + "-000042", Issuer: acct.Name,
			Account: "Example Customer", Period: "2026-01", Amount: "EUR 42.00", Due: "2026-03-03", Link: m.Base + "/invoices", Look: m.Look}), nil
	default:
		return mail.Reset(to, mail.LinkData{Product: m.Product, Name: "Alex Example", Link: m.Base + "/reset?token=preview", Expires: "2 hours", Look: m.Look}), nil
	}
}
