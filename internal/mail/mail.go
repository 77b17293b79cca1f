// Package mail renders and delivers Vigilo's e-mail. Messages are queued in
// the database outbox within the transaction that caused them; a worker
// delivers them over SMTP with retries and back-off, so an SMTP outage delays
// mail but never loses it.
package mail

// Message is one e-mail to send.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// FromName and ReplyTo come from the brand of the subtree the mail is
	// about (empty: the operator's). The From address and the envelope
	// sender stay the operator's verified one, so SPF and DKIM still pass.
	FromName string
	ReplyTo  string
	// Attachment is a file sent with the message (an invoice's PDF); nil
	// for none.
	Attachment *Attachment
}

// Attachment is one file attached to a message.
type Attachment struct {
	Name string // the file name the reader sees
	Type string // its MIME type
	Data []byte
}

// Queued is a message in the outbox.
type Queued struct {
	Message
	ID       int64
	Attempts int
}
