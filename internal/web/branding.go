package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The account page's Branding tab (docs/BRANDING.md): an integrator's product
// name, colours, logo, favicon, support contacts, mail identity, mail texts
// and custom domain, with a live preview of the top bar and buttons.

type accountBranding struct {
	app.BrandingView
	Page app.PageBrand // the saved brand as pages show it (logo address)
	// TextKinds are the mails whose text the brand sets.
	TextKinds []string
}

func (p *Portal) accountBranding(r *http.Request, q *req, acct tenancy.Account) (*accountBranding, error) {
	v, err := p.App.Branding(r.Context(), q.Actor, acct.ID)
	if err != nil {
		return nil, err
	}
	d := &accountBranding{BrandingView: v, TextKinds: []string{app.MailWelcome, app.MailReset, app.MailAlert, app.MailInvoice}}
	if v.HasOwn {
		d.Page = app.PageBrandOf(v.Own)
	}
	return d, nil
}

// brandingForm is the tab's form as stored.
func brandingForm(v app.BrandingView) url.Values {
	b := v.Own
	return url.Values{"product_name": {b.ProductName}, "primary_color": {b.PrimaryColor}, "accent_color": {b.AccentColor},
		"support_email": {b.SupportEmail}, "support_phone": {b.SupportPhone}, "support_url": {b.SupportURL},
		"mail_sender_name": {b.MailSenderName}, "mail_reply_to": {b.MailReplyTo}, "text_welcome": {b.Texts.Welcome},
		"text_reset": {b.Texts.Reset}, "text_alert": {b.Texts.Alert}, "text_invoice": {b.Texts.Invoice}, "custom_domain": {b.Domain.Name}}
}

// brandingInput reads the tab's form: the brand as typed, not yet saved.
func brandingInput(f url.Values) app.BrandingInput {
	in := app.BrandingInput{Input: branding.Input{ProductName: f.Get("product_name"), PrimaryColor: f.Get("primary_color"),
		AccentColor: f.Get("accent_color"), SupportEmail: f.Get("support_email"), SupportPhone: f.Get("support_phone"),
		SupportURL: f.Get("support_url"), MailSenderName: f.Get("mail_sender_name"), MailReplyTo: f.Get("mail_reply_to"),
		Texts: branding.Texts{Welcome: f.Get("text_welcome"), Reset: f.Get("text_reset"), Alert: f.Get("text_alert"), Invoice: f.Get("text_invoice")}}}
	// The page's script puts a chosen file into these as a data URL; empty
	// keeps the stored image, the remove boxes drop it.
	for _, img := range []struct {
		name string
		dst  **string
	}{{"logo", &in.Logo}, {"favicon", &in.Favicon}} {
		v := f.Get(img.name)
		if lastValue(f, "remove_"+img.name) == "1" {
			v = ""
			*img.dst = &v
		} else if v != "" {
			*img.dst = &v
		}
	}
	return in
}

func (p *Portal) brandingSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	f := r.PostForm
	here := "/accounts/" + itoa64(acct.ID) + "/branding"
	switch f.Get("action") {
	case "remove":
		if _, err := p.App.DeleteBranding(r.Context(), q.Actor, acct.ID); err != nil {
			return err
		}
		return p.redirect(w, r, here, acct.Name+" shows the brand above it again.")
	case "verify":
		if _, err := p.App.VerifyDomain(r.Context(), q.Actor, acct.ID); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return err
			}
			return p.showAccount(w, r, q, acct.ID, "branding", "customers", url.Values{}, err)
		}
		return p.redirect(w, r, here, "The custom domain is verified.")
	}
	in := brandingInput(f)
	domain := f.Get("custom_domain")
	in.Domain = &domain
	if _, err := p.App.SetBranding(r.Context(), q.Actor, acct.ID, in); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		form := url.Values{}
		for k, v := range f {
			if k != "csrf" && k != "logo" && k != "favicon" {
				form[k] = v
			}
		}
		return p.showAccount(w, r, q, acct.ID, "branding", "customers", form, err)
	}
	return p.redirect(w, r, here, "The brand of "+acct.Name+" is saved.")
}
