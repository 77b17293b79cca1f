package mail

import (
	"bytes"
	htmpl "html/template"
	"strings"
	ttmpl "text/template"
)

// CameraAlertData fills the camera offline/online mails.
type CameraAlertData struct {
	Product  string
	Camera   string
	Customer string // "" when the camera is not assigned
	Since    string // when it went offline, in words ("2026-01-02 15:04 UTC")
	Duration string // how long it was offline (recovery only)
	Reason   string // the named reason, in words
	Link     string // the camera's page in the admin portal
	Look
}

var alertText = ttmpl.Must(ttmpl.New("").Parse(`
{{define "offline"}}{{with .Intro}}{{.}}

{{end}}Camera {{.Camera}}{{if .Customer}} ({{.Customer}}){{end}} has been offline since {{.Since}}.
{{if .Reason}}
Reason: {{.Reason}}
{{end}}
You will get one more message when it is back. Camera page:

{{.Link}}
{{with .Support}}
{{.}}
{{end}}{{end}}
{{define "online"}}{{with .Intro}}{{.}}

{{end}}Camera {{.Camera}}{{if .Customer}} ({{.Customer}}){{end}} is back online after {{.Duration}} offline.

Camera page:

{{.Link}}
{{with .Support}}
{{.}}
{{end}}{{end}}`))

var alertHTML = htmpl.Must(htmpl.New("").Parse(`
{{define "offline"}}<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto;color:#1d2733">
{{if .LogoURL}}<p><img src="{{.LogoURL}}" alt="{{.Product}}" height="48"></p>{{end}}{{range .IntroParagraphs}}<p>{{.}}</p>{{end}}
<p>Camera <b>{{.Camera}}</b>{{if .Customer}} ({{.Customer}}){{end}} has been offline since {{.Since}}.</p>
{{if .Reason}}<p>Reason: {{.Reason}}</p>{{end}}
<p>You will get one more message when it is back. <a href="{{.Link}}">Open the camera</a></p>{{with .Support}}<p style="color:#555">{{.}}</p>{{end}}</body></html>{{end}}
{{define "online"}}<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto;color:#1d2733">
{{if .LogoURL}}<p><img src="{{.LogoURL}}" alt="{{.Product}}" height="48"></p>{{end}}{{range .IntroParagraphs}}<p>{{.}}</p>{{end}}
<p>Camera <b>{{.Camera}}</b>{{if .Customer}} ({{.Customer}}){{end}} is back online after {{.Duration}} offline.</p>
<p><a href="{{.Link}}">Open the camera</a></p>{{with .Support}}<p style="color:#555">{{.}}</p>{{end}}</body></html>{{end}}`))

// CameraOffline is the alert sent once per outage, after the debounce.
func CameraOffline(to string, d CameraAlertData) Message {
	return renderAlert(to, "Camera "+d.Camera+" is offline", "offline", d)
}

// CameraOnline is the recovery notice of an announced outage.
func CameraOnline(to string, d CameraAlertData) Message {
	return renderAlert(to, "Camera "+d.Camera+" is back online", "online", d)
}

func renderAlert(to, subject, name string, d CameraAlertData) Message {
	var t, h bytes.Buffer
	if err := alertText.ExecuteTemplate(&t, name, d); err != nil {
		panic(err) // constant templates: a failure is a bug the tests catch
	}
	if err := alertHTML.ExecuteTemplate(&h, name, d); err != nil {
		panic(err)
	}
	return Message{To: to, Subject: subject, Text: strings.TrimSpace(t.String()) + "\n", HTML: h.String(), FromName: d.FromName, ReplyTo: d.ReplyTo}
}
