package mail

import (
	"bytes"
	htmpl "html/template"
	"strings"
	ttmpl "text/template"
)

// Every message has a plain-text and an HTML body built from the same data;
// the link is the one thing the reader must be able to click.

var textTmpl = ttmpl.Must(ttmpl.New("").Parse(`
{{define "welcome"}}Hello{{if .Name}} {{.Name}}{{end}},
{{with .Intro}}
{{.}}
{{end}}
{{.Inviter}} has created a {{.Product}} account for {{.Account}} with this e-mail address.

Confirm your e-mail to sign in:

{{.Link}}

The link works once and expires in {{.Expires}}. If you did not expect this mail, ignore it.
{{with .Support}}
{{.}}
{{end}}{{end}}
{{define "reset"}}Hello{{if .Name}} {{.Name}}{{end}},
{{with .Intro}}
{{.}}
{{end}}
Someone asked to reset the password of your {{.Product}} account. To choose a new password, open:

{{.Link}}

The link works once and expires in {{.Expires}}. If you did not ask for this, ignore this mail; your password stays as it is.
{{with .Support}}
{{.}}
{{end}}{{end}}` + invoiceText))

var htmlTmpl = htmpl.Must(htmpl.New("").Parse(`
{{define "layout"}}<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto;color:#1d2733">{{if .LogoURL}}<p><img src="{{.LogoURL}}" alt="{{.Product}}" height="48"></p>{{end}}{{template "body" .}}{{with .Support}}<p style="color:#555">{{.}}</p>{{end}}</body></html>{{end}}
{{define "intro"}}{{range .IntroParagraphs}}<p>{{.}}</p>{{end}}{{end}}
{{define "welcome"}}<p>Hello{{if .Name}} {{.Name}}{{end}},</p>{{template "intro" .}}
<p>{{.Inviter}} has created a {{.Product}} account for <b>{{.Account}}</b> with this e-mail address.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;background:{{.ButtonColor}};color:#fff;border-radius:6px;text-decoration:none">Confirm email</a></p>
<p style="color:#555">Or paste this link into your browser: {{.Link}}<br>It works once and expires in {{.Expires}}.</p>{{end}}
{{define "reset"}}<p>Hello{{if .Name}} {{.Name}}{{end}},</p>{{template "intro" .}}
<p>Someone asked to reset the password of your {{.Product}} account.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;background:{{.ButtonColor}};color:#fff;border-radius:6px;text-decoration:none">Choose a new password</a></p>
<p style="color:#555">Or paste this link into your browser: {{.Link}}<br>It works once and expires in {{.Expires}}. If you did not ask for this, ignore this mail.</p>{{end}}` + invoiceHTML))

// LinkData fills the templates.
type LinkData struct {
	Product string // brand name, "Vigilo" unless white-labelled
	Name    string
	Account string
	Inviter string
	Link    string
	Expires string
	Look
}

// Look is the brand of the subtree a mail is about (zero: the operator's
// plain mail). Intro is the brand's own text for this kind of mail, put
// above the standard body, which keeps the link and facts every such mail
// needs; it is plain text and escaped like any other value.
type Look struct {
	LogoURL  string // absolute address of the brand's logo
	Color    string // "#rrggbb" of the buttons
	Intro    string
	Support  string // one line: how to reach the brand's support
	FromName string
	ReplyTo  string
}

// ButtonColor is the brand's colour or the default blue.
func (l Look) ButtonColor() string {
	if l.Color == "" {
		return "#1f6feb"
	}
	return l.Color
}

// IntroParagraphs splits Intro at blank lines for the HTML body.
func (l Look) IntroParagraphs() []string {
	var out []string
	for _, p := range strings.Split(l.Intro, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Welcome renders the welcome mail with the confirmation link (R3).
func Welcome(to string, d LinkData) Message {
	return render(to, "Welcome to "+d.Product+" — confirm your e-mail", "welcome", d)
}

// Reset renders the password-reset mail.
func Reset(to string, d LinkData) Message {
	return render(to, d.Product+" password reset", "reset", d)
}

func render(to, subject, name string, d LinkData) Message {
	return renderWith(to, subject, name, d, d.Look)
}

// renderWith renders template name of the text and HTML sets with any data
// that carries a Look.
func renderWith(to, subject, name string, d any, look Look) Message {
	var t, h bytes.Buffer
	if err := textTmpl.ExecuteTemplate(&t, name, d); err != nil {
		panic(err) // templates are constants; a failure is a bug caught by tests
	}
	ht := htmpl.Must(htmlTmpl.Clone())
	htmpl.Must(ht.New("body").Parse(`{{template "` + name + `" .}}`))
	if err := ht.ExecuteTemplate(&h, "layout", d); err != nil {
		panic(err)
	}
	return Message{To: to, Subject: subject, Text: strings.TrimSpace(t.String()) + "\n", HTML: h.String(), FromName: look.FromName, ReplyTo: look.ReplyTo}
}
