package media_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// fakeService answers every connection with reply (after reading the
// request line), like a non-camera service or a camera that says no.
func fakeService(t *testing.T, reply string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				r := bufio.NewReader(c)
				for { // answer every request on the connection alike
					var cseq string
					for { // read the request head, keep its CSeq
						line, err := r.ReadString('\n')
						if err != nil {
							return
						}
						if v, ok := strings.CutPrefix(line, "CSeq:"); ok {
							cseq = strings.TrimSpace(v)
						}
						if line == "\r\n" {
							break
						}
					}
					if _, err := c.Write([]byte(strings.ReplaceAll(reply, "{cseq}", cseq))); err != nil || reply == "" {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestCameraErrorsNeverEchoTheRemote: whatever the far end says, the status
// shows a named reason and its fixed sentence, never the far end's bytes.
func TestCameraErrorsNeverEchoTheRemote(t *testing.T) {
	const secret = "SECRET-BANNER-4242"
	for _, c := range []struct {
		reply, reason string
	}{
		{"-ERR " + secret + " redis says hello\r\n", media.ReasonBadResponse},
		{"RTSP/1.0 401 " + secret + "\r\nCSeq: {cseq}\r\n\r\n", media.ReasonUnauthorized},
		{"RTSP/1.0 404 " + secret + "\r\nCSeq: {cseq}\r\n\r\n", media.ReasonNotFound},
		{"RTSP/1.0 500 " + secret + "\r\nCSeq: {cseq}\r\n\r\n", media.ReasonBadResponse},
		{"", media.ReasonClosed},
	} {
		addr := fakeService(t, c.reply)
		rec := media.New(media.Config{RecordingsDir: t.TempDir()})
		rec.Reconcile([]media.Target{{CameraID: 1, URL: "rtsp://" + addr + "/x"}})
		waitFor(t, 10*time.Second, "a reason", func() bool { return rec.Status(1).Reason != "" })
		st := rec.Status(1)
		rec.Stop()
		if st.Reason != c.reason || strings.Contains(st.LastError, secret) || strings.Contains(st.LastError, addr) {
			t.Errorf("reply %q: reason %q, last error %q", c.reply, st.Reason, st.LastError)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	rec := media.New(media.Config{RecordingsDir: t.TempDir()})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 1, URL: "rtsp://" + addr + "/x"}})
	waitFor(t, 10*time.Second, "a reason", func() bool { return rec.Status(1).Reason != "" })
	if st := rec.Status(1); st.Reason != media.ReasonConnectionRefused {
		t.Errorf("closed port: %+v", st)
	}
}
