package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/mail"
)

// The Branding tab's mail preview: the welcome, password reset, alert and
// invoice mails of the subtree rendered by the very templates that send
// them (App.PreviewBrandMail), shown in a sandboxed frame of the tab. GET
// shows the saved brand; the tab's "Preview mail" button posts the form as
// typed (images chosen but not saved included), so texts and colours are
// seen before saving. Nothing is stored or sent.

// mailPreviewHead is put at the top of the mail's body: what a mail client
// shows around it.
var mailPreviewHead = template.Must(template.New("head").Parse(`<div id="mail-preview-head" style="font:13px system-ui,sans-serif;background:#f3f5f8;border-bottom:1px solid #d5dbe3;padding:8px 12px;margin-bottom:12px">
<div><b>Subject:</b> <span id="mail-subject">{{.Subject}}</span></div>
<div><b>From:</b> <span id="mail-from">{{if .FromName}}{{.FromName}}{{else}}(the operator's name){{end}}</span> &lt;the operator's sender address&gt;</div>
{{with .ReplyTo}}<div><b>Reply-To:</b> <span id="mail-reply-to">{{.}}</span></div>{{end}}
</div>`))

var mailPreviewRefused = template.Must(template.New("refused").Parse(`<!doctype html><html><body style="font:14px system-ui,sans-serif;color:#8a1c1c" id="mail-preview-refused">
<p>The brand as typed cannot be previewed:</p><ul>{{range $f, $m := .}}<li data-field="{{$f}}">{{$f}}: {{$m}}</li>{{end}}</ul></body></html>`))

func (p *Portal) brandingMailPreview(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	var in = brandingInput(r.PostForm)
	kind := r.PostFormValue("preview_kind")
	if r.Method == http.MethodGet {
		// The saved brand: its own values as the form would post them.
		v, err := p.App.Branding(r.Context(), q.Actor, acct.ID)
		if err != nil {
			return err
		}
		in = brandingInput(brandingForm(v))
		kind = r.URL.Query().Get("kind")
	}
	m, err := p.App.PreviewBrandMail(r.Context(), q.Actor, acct.ID, kind, in.Input)
	var buf bytes.Buffer
	status := http.StatusOK
	switch {
	case err == nil:
		buf.WriteString(withPreviewHead(m))
	case errs.KindOf(err) == errs.Invalid:
		status = http.StatusBadRequest
		var fields map[string]string
		if e, ok := errs.As(err); ok {
			fields = e.Fields
		}
		if e := mailPreviewRefused.Execute(&buf, fields); e != nil {
			return e
		}
	default:
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Shown only in the tab's frame, as a mail client would: inline styles
	// (mail has no stylesheet), images, no script, no forms.
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: http: https:; "+
		"frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// withPreviewHead puts the subject, sender and reply-to above the mail's
// HTML body.
func withPreviewHead(m mail.Message) string {
	var head bytes.Buffer
	_ = mailPreviewHead.Execute(&head, m)
	doc := m.HTML
	if i := strings.Index(doc, "<body"); i >= 0 {
		if j := strings.IndexByte(doc[i:], '>'); j >= 0 {
			at := i + j + 1
			return doc[:at] + head.String() + doc[at:]
		}
	}
	return head.String() + doc
}
