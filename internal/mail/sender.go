package mail

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig configures delivery; an empty Host means no SMTP server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// SMTPSender sends through an SMTP server. STARTTLS is used when offered and
// is mandatory on port 587; port 465 uses implicit TLS.
type SMTPSender struct{ cfg SMTPConfig }

func NewSMTPSender(cfg SMTPConfig) *SMTPSender {
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.From == "" {
		cfg.From = "Vigilo <no-reply@localhost>"
	}
	return &SMTPSender{cfg: cfg}
}

func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if m.FromName != "" {
		// The brand's name in front of the operator's own address: the
		// envelope sender and From address stay the verified ones.
		from, err := mail.ParseAddress(s.cfg.From)
		if err != nil {
			return fmt.Errorf("from address: %w", err)
		}
		if err := msg.FromFormat(m.FromName, from.Address); err != nil {
			return fmt.Errorf("from name: %w", err)
		}
		if err := msg.EnvelopeFrom(from.Address); err != nil {
			return fmt.Errorf("envelope sender: %w", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return fmt.Errorf("reply-to address: %w", err)
		}
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if a := m.Attachment; a != nil {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.Type))); err != nil {
			return fmt.Errorf("attachment: %w", err)
		}
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(15 * time.Second)}
	switch s.cfg.Port {
	case 465:
		opts = append(opts, gomail.WithSSL())
	case 587:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// LogSender is the embedded default when no SMTP server is configured: the
// message goes to the log, so a first-time operator can still follow links.
type LogSender struct{ Log *slog.Logger }

func (s LogSender) Send(_ context.Context, m Message) error {
	s.Log.Warn("no SMTP server configured; mail written to the log instead", "to", m.To, "subject", m.Subject, "body", m.Text)
	return nil
}
