package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MailpitServer is a running mailpit process that accepts any mail over SMTP
// (no TLS, any username and password or none) and shows it over its HTTP API.
type MailpitServer struct {
	SMTPHost string // always 127.0.0.1
	SMTPPort int
	APIURL   string // base URL of the HTTP API and web UI, e.g. http://127.0.0.1:40123

	client *http.Client
}

// Message is one received mail as mailpit decoded it.
type Message struct {
	ID       string
	From     string   // address only
	FromName string   // the display name of From
	ReplyTo  []string // addresses only
	To       []string // addresses only
	Subject  string
	Text     string
	HTML     string
	// Attachments are the files the mail carries, with their bytes.
	Attachments []Attachment
}

// Attachment is one file attached to a received mail.
type Attachment struct {
	Name string
	Type string
	Data []byte
}

// SMTPAddr returns "host:port" of the SMTP server.
func (m *MailpitServer) SMTPAddr() string {
	return net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort))
}

// Mailpit starts a mailpit of its own for the test, on free loopback ports
// with its own database file, and kills it when the test ends. Without a
// mailpit binary the test skips (fails when CI=true); `make tools` installs it.
func Mailpit(t testing.TB) *MailpitServer {
	t.Helper()
	bin := RequireTool(t, "mailpit")
	var lastErr error
	// A free port found here can be taken by someone else before mailpit
	// binds it, so try again with new ports when the start fails.
	for attempt := 0; attempt < 3; attempt++ {
		m, err := startMailpit(t, bin)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("testenv: mailpit did not start: %v", lastErr)
	return nil
}

func startMailpit(t testing.TB, bin string) (*MailpitServer, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vigilo-mailpit-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort),
		"--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--disable-version-check",
		"--max", "0", // keep every message
	)
	// A developer's own MP_* settings must not change the test server.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "MP_") })
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
		os.RemoveAll(dir)
	}

	m := &MailpitServer{
		SMTPHost: "127.0.0.1",
		SMTPPort: smtpPort,
		APIURL:   "http://127.0.0.1:" + strconv.Itoa(httpPort),
		client:   &http.Client{Timeout: 10 * time.Second},
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m.ready() {
			break
		}
		select {
		case <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("mailpit exited: %s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit not ready after 30s: %s", out.String())
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mailpit output:\n%s", out.String())
		}
		stop()
	})
	return m, nil
}

// ready reports whether both the HTTP API and the SMTP port answer.
func (m *MailpitServer) ready() bool {
	resp, err := m.client.Get(m.APIURL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", m.SMTPAddr(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// The JSON shapes of mailpit's API v1 that this package reads.
type apiAddress struct {
	Name    string
	Address string
}

type apiSummary struct {
	ID      string
	To      []apiAddress
	Subject string
}

type apiList struct {
	Total    int          `json:"total"`
	Messages []apiSummary `json:"messages"`
}

type apiMessage struct {
	ID          string
	From        *apiAddress
	ReplyTo     []apiAddress
	To          []apiAddress
	Subject     string
	Text        string
	HTML        string
	Attachments []apiAttachment
}

type apiAttachment struct {
	PartID      string
	FileName    string
	ContentType string
}

func (m *MailpitServer) getJSON(path string, v any) error {
	resp, err := m.client.Get(m.APIURL + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// summaries lists received messages, newest first; query is a mailpit search
// query ("" for all).
func (m *MailpitServer) summaries(query string) ([]apiSummary, error) {
	var list apiList
	path := "/api/v1/messages?limit=1000"
	if query != "" {
		path = "/api/v1/search?limit=1000&query=" + url.QueryEscape(query)
	}
	if err := m.getJSON(path, &list); err != nil {
		return nil, err
	}
	return list.Messages, nil
}

func (m *MailpitServer) message(id string) (Message, error) {
	var am apiMessage
	if err := m.getJSON("/api/v1/message/"+url.PathEscape(id), &am); err != nil {
		return Message{}, err
	}
	msg := Message{ID: am.ID, Subject: am.Subject, Text: am.Text, HTML: am.HTML, To: addresses(am.To), ReplyTo: addresses(am.ReplyTo)}
	if am.From != nil {
		msg.From, msg.FromName = am.From.Address, am.From.Name
	}
	for _, a := range am.Attachments {
		data, err := m.getBytes("/api/v1/message/" + url.PathEscape(id) + "/part/" + url.PathEscape(a.PartID))
		if err != nil {
			return Message{}, err
		}
		msg.Attachments = append(msg.Attachments, Attachment{Name: a.FileName, Type: a.ContentType, Data: data})
	}
	return msg, nil
}

func (m *MailpitServer) getBytes(path string) ([]byte, error) {
	resp, err := m.client.Get(m.APIURL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func addresses(as []apiAddress) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Address
	}
	return out
}

// Messages returns every message received so far, oldest first.
func (m *MailpitServer) Messages(t testing.TB) []Message {
	t.Helper()
	sums, err := m.summaries("")
	if err != nil {
		t.Fatalf("testenv: mailpit messages: %v", err)
	}
	out := make([]Message, 0, len(sums))
	for _, s := range slices.Backward(sums) {
		msg, err := m.message(s.ID)
		if err != nil {
			t.Fatalf("testenv: mailpit message %s: %v", s.ID, err)
		}
		out = append(out, msg)
	}
	return out
}

// WaitMessage waits up to timeout for the newest message sent to the address
// to (compared case-insensitively) whose subject contains subjectContains
// ("" matches any), and returns it. It fails the test on timeout, listing
// what did arrive.
func (m *MailpitServer) WaitMessage(t testing.TB, to, subjectContains string, timeout time.Duration) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		sums, err := m.summaries("to:" + to)
		if err != nil {
			t.Fatalf("testenv: mailpit search: %v", err)
		}
		for _, s := range sums { // newest first
			if slices.ContainsFunc(s.To, func(a apiAddress) bool { return strings.EqualFold(a.Address, to) }) &&
				strings.Contains(s.Subject, subjectContains) {
				msg, err := m.message(s.ID)
				if err != nil {
					t.Fatalf("testenv: mailpit message %s: %v", s.ID, err)
				}
				return msg
			}
		}
		select {
		case <-ctx.Done():
			var got []string
			if all, err := m.summaries(""); err == nil {
				for _, s := range all {
					got = append(got, fmt.Sprintf("%v %q", addresses(s.To), s.Subject))
				}
			}
			t.Fatalf("testenv: no mail to %s with subject containing %q within %v; received: %v",
				to, subjectContains, timeout, got)
		case <-tick.C:
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"'<>()\[\]{}]+`)

// Links returns the http and https links in a text or HTML body, in order of
// first appearance, without duplicates. HTML entities (&amp;) are decoded and
// trailing sentence punctuation is dropped.
func Links(body string) []string {
	var out []string
	for _, l := range linkRE.FindAllString(body, -1) {
		l = strings.TrimRight(html.UnescapeString(l), ".,;:!?")
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
