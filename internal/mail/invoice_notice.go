package mail

// InvoiceData fills the invoice notice.
type InvoiceData struct {
	Product string
	Account string // who the invoice is for
	Period  string // "2026-11"
	Amount  string // with its currency
	Link    string
	Look
}

var invoiceText = `{{define "invoice"}}Hello,
{{with .Intro}}
{{.}}
{{end}}
The {{.Product}} invoice of {{.Account}} for {{.Period}} is ready: {{.Amount}}.

{{.Link}}
{{with .Support}}
{{.}}
{{end}}{{end}}`

var invoiceHTML = `{{define "invoice"}}<p>Hello,</p>{{template "intro" .}}
<p>The {{.Product}} invoice of <b>{{.Account}}</b> for {{.Period}} is ready: <b>{{.Amount}}</b>.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;background:{{.ButtonColor}};color:#fff;border-radius:6px;text-decoration:none">Open the invoice</a></p>{{end}}`

// InvoiceReady renders the notice that a month's invoice was issued.
func InvoiceReady(to string, d InvoiceData) Message {
	return renderWith(to, d.Product+" invoice "+d.Period+" for "+d.Account, "invoice", d, d.Look)
}
