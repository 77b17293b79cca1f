package branding

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/vigilo/vigilo/internal/errs"
)

// Input is a brand as an integrator sends it. Logo and Favicon are data URLs:
// nil keeps the stored image, "" removes it.
type Input struct {
	ProductName    string
	PrimaryColor   string
	AccentColor    string
	Logo           *string
	Favicon        *string
	SupportEmail   string
	SupportPhone   string
	SupportURL     string
	MailSenderName string
	MailReplyTo    string
	Texts          Texts
}

// Limits of the text parts.
const (
	MaxNameLen = 60
	MaxTextLen = 2000
)

// Apply checks in against every rule and returns cur with in applied. Every
// broken rule is reported at once, each under the API's field name, and
// nothing is returned to store unless all pass.
func Apply(cur Brand, in Input) (Brand, error) {
	f := errs.Fields{}
	b := cur
	b.ProductName = strings.TrimSpace(in.ProductName)
	switch {
	case b.ProductName == "":
		f.Add("product_name", "is required: the name your customers see instead of ours")
	case utf8.RuneCountInString(b.ProductName) > MaxNameLen || strings.ContainsAny(b.ProductName, "\r\n<>"):
		f.Add("product_name", "must be one line of at most 60 characters, without < or >")
	}
	color := func(field, v, def string) string {
		if strings.TrimSpace(v) == "" {
			return def
		}
		c, err := ParseColor(v)
		if err == nil {
			err = CheckReadable(c)
		}
		if err != nil {
			f.Add(field, err.Error())
		}
		return c
	}
	b.PrimaryColor = color("primary_color", in.PrimaryColor, "")
	b.AccentColor = color("accent_color", in.AccentColor, "")
	image := func(field string, v *string, keep Image, maxBytes, maxPixels int) Image {
		switch {
		case v == nil:
			return keep
		case *v == "":
			return Image{}
		}
		img, err := ParseImage(*v, maxBytes, maxPixels)
		if err != nil {
			f.Add(field, err.Error())
		}
		return img
	}
	b.Logo = image("logo", in.Logo, cur.Logo, MaxLogoBytes, MaxLogoPixels)
	b.Favicon = image("favicon", in.Favicon, cur.Favicon, MaxFaviconBytes, MaxFavPixels)
	b.SupportEmail = address(f, "support_email", in.SupportEmail)
	b.MailReplyTo = address(f, "mail_reply_to", in.MailReplyTo)
	b.SupportPhone = strings.TrimSpace(in.SupportPhone)
	if b.SupportPhone != "" && (len(b.SupportPhone) > 32 || strings.Trim(b.SupportPhone, "+0123456789 ()-./") != "") {
		f.Add("support_phone", "must be a phone number: digits, spaces, + ( ) - . /, at most 32 characters")
	}
	b.SupportURL = strings.TrimSpace(in.SupportURL)
	if b.SupportURL != "" {
		u, err := url.Parse(b.SupportURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(b.SupportURL) > 500 {
			f.Add("support_url", "must be an http(s) address, e.g. https://support.example.com")
		}
	}
	b.MailSenderName = strings.TrimSpace(in.MailSenderName)
	if utf8.RuneCountInString(b.MailSenderName) > MaxNameLen || strings.ContainsAny(b.MailSenderName, "\r\n<>\"") {
		f.Add("mail_sender_name", "must be one line of at most 60 characters, without < > or quotes")
	}
	text := func(field, v string) string {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if utf8.RuneCountInString(v) > MaxTextLen || !utf8.ValidString(v) {
			f.Add(field, "must be plain text of at most 2000 characters")
		}
		return v
	}
	b.Texts = Texts{Welcome: text("texts.welcome", in.Texts.Welcome), Reset: text("texts.reset", in.Texts.Reset),
		Alert: text("texts.alert", in.Texts.Alert), Invoice: text("texts.invoice", in.Texts.Invoice)}
	if err := f.Err(); err != nil {
		return cur, err
	}
	return b, nil
}

func address(f errs.Fields, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		f.Add(field, "must be an e-mail address like support@example.com")
	}
	return v
}
