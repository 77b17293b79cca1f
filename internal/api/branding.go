package api

import (
	"context"
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// maxBrandBody bounds a brand PUT: a logo at its limit (512 KB) and a
// favicon as base64 fit with room, and anything larger than that still
// decodes far enough to be refused under its own field name.
const maxBrandBody = 4 << 20

// BrandTextsJSON are the brand's own paragraphs in its subtree's mail.
type BrandTextsJSON struct {
	Welcome string `json:"welcome"`
	Reset   string `json:"reset"`
	Alert   string `json:"alert"`
	Invoice string `json:"invoice"`
}

// DomainJSON is a custom domain and how to prove it.
type DomainJSON struct {
	Name       string     `json:"name"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
	VerifiedBy string     `json:"verified_by,omitempty"` // dns or operator
	// TXT is the record to publish: name _vigilo-challenge.<domain>, value.
	TXTName  string `json:"txt_name"`
	TXTValue string `json:"txt_value"`
}

// EffectiveBrandJSON is the brand an account shows, own or inherited.
type EffectiveBrandJSON struct {
	ProductName  string `json:"product_name"`
	PrimaryColor string `json:"primary_color,omitempty"`
	AccentColor  string `json:"accent_color,omitempty"`
	HasLogo      bool   `json:"has_logo"`
	Inherited    bool   `json:"inherited"`
	// InheritedFrom names the account whose brand it is, only when that
	// account lies within the caller's own subtree.
	InheritedFrom *int64 `json:"inherited_from,omitempty"`
	Default       bool   `json:"default"` // nobody above set a brand: the installation's name
}

// BrandingJSON is an account's own brand (empty fields when it has none)
// and the one it shows.
type BrandingJSON struct {
	AccountID      int64              `json:"account_id"`
	Own            bool               `json:"own"`
	ProductName    string             `json:"product_name"`
	PrimaryColor   string             `json:"primary_color"`
	AccentColor    string             `json:"accent_color"`
	Logo           string             `json:"logo"`    // data URL, "" when none
	Favicon        string             `json:"favicon"` // data URL, "" when none
	SupportEmail   string             `json:"support_email"`
	SupportPhone   string             `json:"support_phone"`
	SupportURL     string             `json:"support_url"`
	MailSenderName string             `json:"mail_sender_name"`
	MailReplyTo    string             `json:"mail_reply_to"`
	Texts          BrandTextsJSON     `json:"texts"`
	CustomDomain   string             `json:"custom_domain"`
	Domain         *DomainJSON        `json:"domain"`
	Effective      EffectiveBrandJSON `json:"effective"`
	Editable       bool               `json:"editable"`
	Refusal        string             `json:"refusal,omitempty"` // why not editable
}

// brandingRequest is a PUT of a brand. logo and favicon: a data URL
// (PNG/JPEG), "" removes, absent keeps. custom_domain: "" removes, absent
// keeps.
type brandingRequest struct {
	ProductName    string         `json:"product_name"`
	PrimaryColor   string         `json:"primary_color"`
	AccentColor    string         `json:"accent_color"`
	Logo           *string        `json:"logo,omitempty"`
	Favicon        *string        `json:"favicon,omitempty"`
	SupportEmail   string         `json:"support_email"`
	SupportPhone   string         `json:"support_phone"`
	SupportURL     string         `json:"support_url"`
	MailSenderName string         `json:"mail_sender_name"`
	MailReplyTo    string         `json:"mail_reply_to"`
	Texts          BrandTextsJSON `json:"texts"`
	CustomDomain   *string        `json:"custom_domain,omitempty"`
}

// DomainRowJSON is one custom domain in the operator's list.
type DomainRowJSON struct {
	DomainJSON
	AccountID   int64  `json:"account_id"`
	AccountName string `json:"account_name"`
}

func brandingRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/branding", Tag: "branding", Summary: "An account's own brand and the brand it shows (own, inherited from the nearest branded ancestor, or the default)",
			Response: BrandingJSON{}, Handler: h((*Server).getBranding)},
		{Method: "PUT", Path: "/accounts/{id}/branding", Tag: "branding", Summary: "Set an integrator's brand (needs the branding module): product name, colours readable with white text (WCAG AA 4.5:1), PNG/JPEG logo ≤ 512 KB and favicon ≤ 64 KB as data URLs (re-encoded; SVG refused), support contacts, mail sender name and reply-to, mail texts, custom domain",
			Request: brandingRequest{}, Response: BrandingJSON{}, Handler: h((*Server).putBranding)},
		{Method: "DELETE", Path: "/accounts/{id}/branding", Tag: "branding", Summary: "Remove an account's own brand and custom domain: its subtree shows the brand above again",
			Response: BrandingJSON{}, Handler: h((*Server).deleteBranding)},
		{Method: "POST", Path: "/accounts/{id}/branding/verify", Tag: "branding", Summary: "Verify the custom domain: the operator vouches for it; anyone else proves it by the TXT record _vigilo-challenge.<domain> (409 domain_unverified when absent)",
			Response: BrandingJSON{}, Handler: h((*Server).verifyDomain)},
		{Method: "POST", Path: "/accounts/{id}/branding/preview", Tag: "branding", Summary: "Render a mail (welcome, reset, alert or invoice) with the brand in the body — unsaved, for a live preview; nothing is stored or sent",
			Request: brandPreviewRequest{}, Response: MailPreviewJSON{}, Handler: h((*Server).previewBrandMail)},
		{Method: "GET", Path: "/branding/domains", Tag: "branding", Summary: "Every custom domain and its account (operator only)",
			Response: List[DomainRowJSON]{}, Handler: h((*Server).listDomains)},
		{Method: "DELETE", Path: "/branding/domains/{domain}", Tag: "branding", Summary: "Revoke a custom domain (operator only): its Host stops showing the brand and gets no certificate",
			Handler: h((*Server).revokeDomain)},
	}
}

func domainJSON(d branding.Domain) DomainJSON {
	return DomainJSON{Name: d.Name, Verified: d.Verified(), VerifiedAt: d.VerifiedAt, VerifiedBy: d.VerifiedBy,
		TXTName: branding.ChallengeName(d.Name), TXTValue: d.Challenge}
}

func brandingJSON(v app.BrandingView) BrandingJSON {
	b := v.Own
	j := BrandingJSON{AccountID: b.AccountID, Own: v.HasOwn, ProductName: b.ProductName, PrimaryColor: b.PrimaryColor, AccentColor: b.AccentColor,
		Logo: b.Logo.DataURL(), Favicon: b.Favicon.DataURL(), SupportEmail: b.SupportEmail, SupportPhone: b.SupportPhone,
		SupportURL: b.SupportURL, MailSenderName: b.MailSenderName, MailReplyTo: b.MailReplyTo,
		Texts:        BrandTextsJSON{Welcome: b.Texts.Welcome, Reset: b.Texts.Reset, Alert: b.Texts.Alert, Invoice: b.Texts.Invoice},
		CustomDomain: b.Domain.Name, Editable: v.Editable, Refusal: v.Refusal}
	if b.Domain.Name != "" {
		d := domainJSON(b.Domain)
		j.Domain = &d
	}
	e := v.Effective
	j.Effective = EffectiveBrandJSON{ProductName: e.ProductName, PrimaryColor: e.PrimaryColor, AccentColor: e.AccentColor,
		HasLogo: e.Logo.Type != "", Inherited: v.Inherited, Default: !e.Set()}
	if v.FromID != 0 {
		id := v.FromID
		j.Effective.InheritedFrom = &id
	}
	return j
}

func (s *Server) getBranding(w http.ResponseWriter, r *http.Request) error {
	return s.brandingAction(w, r, s.App.Branding)
}

// brandingAction runs fn on the account of the path and answers its brand.
func (s *Server) brandingAction(w http.ResponseWriter, r *http.Request, fn func(context.Context, tenancy.Actor, int64) (app.BrandingView, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := fn(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, brandingJSON(v))
	return nil
}

func (in brandingRequest) input() app.BrandingInput {
	return app.BrandingInput{Input: branding.Input{ProductName: in.ProductName, PrimaryColor: in.PrimaryColor, AccentColor: in.AccentColor,
		Logo: in.Logo, Favicon: in.Favicon, SupportEmail: in.SupportEmail, SupportPhone: in.SupportPhone, SupportURL: in.SupportURL,
		MailSenderName: in.MailSenderName, MailReplyTo: in.MailReplyTo,
		Texts: branding.Texts{Welcome: in.Texts.Welcome, Reset: in.Texts.Reset, Alert: in.Texts.Alert, Invoice: in.Texts.Invoice}},
		Domain: in.CustomDomain}
}

func (s *Server) putBranding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in brandingRequest
	if err := decodeMax(r, &in, maxBrandBody); err != nil {
		return err
	}
	v, err := s.App.SetBranding(r.Context(), actor(r), id, in.input())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, brandingJSON(v))
	return nil
}

func (s *Server) deleteBranding(w http.ResponseWriter, r *http.Request) error {
	return s.brandingAction(w, r, s.App.DeleteBranding)
}

func (s *Server) verifyDomain(w http.ResponseWriter, r *http.Request) error {
	return s.brandingAction(w, r, s.App.VerifyDomain)
}

func (s *Server) listDomains(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.App.Domains(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]DomainRowJSON, len(rows))
	for i, d := range rows {
		out[i] = DomainRowJSON{DomainJSON: domainJSON(d.Domain), AccountID: d.AccountID, AccountName: d.AccountName}
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

func (s *Server) revokeDomain(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("domain")
	if name == "" {
		return errs.Field("domain", "is required")
	}
	if err := s.App.RevokeDomain(r.Context(), actor(r), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// brandPreviewRequest asks for a mail of kind with the brand as sent (not
// saved).
type brandPreviewRequest struct {
	Kind string `json:"kind"` // welcome, reset, alert or invoice
	brandingRequest
}

// MailPreviewJSON is a rendered mail.
type MailPreviewJSON struct {
	Subject  string `json:"subject"`
	FromName string `json:"from_name"`
	ReplyTo  string `json:"reply_to"`
	Text     string `json:"text"`
	HTML     string `json:"html"`
}

func (s *Server) previewBrandMail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in brandPreviewRequest
	if err := decodeMax(r, &in, maxBrandBody); err != nil {
		return err
	}
	m, err := s.App.PreviewBrandMail(r.Context(), actor(r), id, in.Kind, in.input().Input)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, MailPreviewJSON{Subject: m.Subject, FromName: m.FromName, ReplyTo: m.ReplyTo, Text: m.Text, HTML: m.HTML})
	return nil
}
