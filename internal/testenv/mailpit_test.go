package testenv

import (
	"fmt"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMailpitRoundTrip(t *testing.T) {
	m := Mailpit(t)

	const to = "Owner@Example.test"
	body := strings.Join([]string{
		"From: Vigilo <noreply@vigilo.test>",
		"To: " + to,
		"Subject: Confirm your Vigilo account",
		"MIME-Version: 1.0",
		`Content-Type: multipart/alternative; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Open https://vigilo.test/confirm?token=abc&x=1. Or ignore this.",
		"--b1",
		"Content-Type: text/html; charset=utf-8",
		"",
		`<p><a href="https://vigilo.test/confirm?token=abc&amp;x=1">Confirm</a> <a href='http://other.test/help'>help</a></p>`,
		"--b1--",
		"",
	}, "\r\n")
	// Authenticated over plain text, as a real SMTP relay would be used.
	auth := smtp.PlainAuth("", "user", "secret", m.SMTPHost)
	if err := smtp.SendMail(m.SMTPAddr(), auth, "noreply@vigilo.test", []string{to}, []byte(body)); err != nil {
		t.Fatalf("send: %v", err)
	}
	// An unrelated message that WaitMessage must not pick.
	if err := smtp.SendMail(m.SMTPAddr(), nil, "noreply@vigilo.test", []string{"other@example.test"},
		[]byte("To: other@example.test\r\nSubject: Confirm your Vigilo account\r\n\r\nhi\r\n")); err != nil {
		t.Fatalf("send: %v", err)
	}

	msg := m.WaitMessage(t, "owner@example.test", "Confirm", 10*time.Second)
	if msg.Subject != "Confirm your Vigilo account" {
		t.Errorf("Subject = %q", msg.Subject)
	}
	if !slices.Equal(msg.To, []string{to}) {
		t.Errorf("To = %v", msg.To)
	}
	if msg.From != "noreply@vigilo.test" {
		t.Errorf("From = %q", msg.From)
	}
	want := "https://vigilo.test/confirm?token=abc&x=1"
	if got := Links(msg.Text); !slices.Equal(got, []string{want}) {
		t.Errorf("Links(Text) = %q", got)
	}
	if got := Links(msg.HTML); !slices.Equal(got, []string{want, "http://other.test/help"}) {
		t.Errorf("Links(HTML) = %q", got)
	}

	all := m.Messages(t)
	if len(all) != 2 || all[0].Subject != msg.Subject || all[1].To[0] != "other@example.test" {
		t.Errorf("Messages = %+v", all)
	}
}

func TestMailpitWaitMessageTimesOut(t *testing.T) {
	m := Mailpit(t)
	ft := &fakeT{TB: t}
	func() {
		defer func() { recover() }() // fakeT.Fatalf stops like runtime.Goexit would
		m.WaitMessage(ft, "nobody@example.test", "", 300*time.Millisecond)
	}()
	if !strings.Contains(ft.fatal, "no mail to nobody@example.test") {
		t.Errorf("fatal message = %q", ft.fatal)
	}
}

// fakeT records Fatalf and Skip instead of ending the real test; both
// panic so that the code after them does not run, as with the real ones.
type fakeT struct {
	testing.TB
	fatal, skip string
}

func (f *fakeT) Skip(args ...any) {
	f.skip = fmt.Sprint(args...)
	panic(f.skip)
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(f.fatal)
}

func TestLinks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"none here", nil},
		{"see (https://a.test/x).", []string{"https://a.test/x"}},
		{"http://a.test/1, http://a.test/1 and https://b.test/?q=1&amp;r=2", []string{"http://a.test/1", "https://b.test/?q=1&r=2"}},
		{`<a href="https://a.test/p">https://a.test/p</a>`, []string{"https://a.test/p"}},
		{"ftp://a.test/ mailto:x@a.test", nil},
	} {
		if got := Links(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Links(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
