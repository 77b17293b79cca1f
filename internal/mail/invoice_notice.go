package mail

// InvoiceData fills the mail that an invoice was issued; the invoice's PDF
// goes with it as an attachment.
type InvoiceData struct {
	Product string
	Number  string // "7-000042"
	Issuer  string // who sends the invoice
	Account string // who the invoice is for
	Period  string // "2026-11"
	Amount  string // the total, with its currency
	Due     string // "2026-12-31"
	Link    string // the invoices page of the customer's portal
	Look
}

var invoiceText = `{{define "invoice"}}Hello,
{{with .Intro}}
{{.}}
{{end}}
{{.Issuer}} has issued invoice {{.Number}} to {{.Account}} for {{.Period}}: {{.Amount}}{{with .Due}}, due {{.}}{{end}}.
The invoice is attached as a PDF; all invoices are in {{.Product}}:

{{.Link}}
{{with .Support}}
{{.}}
{{end}}{{end}}`

var invoiceHTML = `{{define "invoice"}}<p>Hello,</p>{{template "intro" .}}
<p>{{.Issuer}} has issued invoice <b>{{.Number}}</b> to <b>{{.Account}}</b> for {{.Period}}: <b>{{.Amount}}</b>{{with .Due}}, due {{.}}{{end}}.</p>
<p>The invoice is attached as a PDF; all invoices are in {{.Product}}.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;background:{{.ButtonColor}};color:#fff;border-radius:6px;text-decoration:none">Open the invoices</a></p>{{end}}`

// InvoiceReady renders the mail that an invoice was issued.
func InvoiceReady(to string, d InvoiceData) Message {
	return renderWith(to, d.Product+" invoice "+d.Number+" for "+d.Account+" ("+d.Period+")", "invoice", d, d.Look)
}
