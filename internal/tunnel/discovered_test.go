package tunnel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/tunnel"
)

// TestDiscoveredReport: a WS-Discovery report on the control stream is
// kept with the link (each replaces the last); a malformed one closes the
// link. The connect answer carries the server's time.
func TestDiscoveredReport(t *testing.T) {
	ts := tunnel.New(tunnel.Config{})
	defer ts.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = ts.Serve(w, r, 1) }))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get(tunnel.HeaderServerTime) == "" {
		t.Error("no server time on the connect answer")
	}
	sess, err := yamux.Server(websocket.NetConn(ctx, ws, websocket.MessageBinary), tunnel.YamuxConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	ctl, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	send := func(line string) {
		if _, err := io.WriteString(ctl, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(what string, ok func() bool) {
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	send(`{"type":"hello","version":"t-1","onvif":{"port":8080,"path":"/onvif/device_service","username":"u"}}`)
	wait("link", func() bool { _, ok := ts.Link(1); return ok })
	if l, _ := ts.Link(1); l.ONVIF == nil || l.ONVIF.Port != 8080 || l.ONVIF.Username != "u" {
		t.Fatalf("ONVIF hello kept as %+v", l)
	}
	send(`{"type":"discovered","devices":[{"endpoint":"urn:uuid:1","xaddr":"http://192.168.1.5/onvif/device_service","name":"Gate"},` +
		`{"endpoint":"urn:uuid:2","xaddr":"http://192.168.1.6/onvif/device_service"}]}`)
	wait("two devices", func() bool { l, _ := ts.Link(1); return len(l.Discovered) == 2 })
	send(`{"type":"heartbeat"}`)
	send(`{"type":"discovered","devices":[{"endpoint":"urn:uuid:2","xaddr":"http://192.168.1.6/onvif/device_service"}]}`)
	wait("the report replaced", func() bool {
		l, _ := ts.Link(1)
		return len(l.Discovered) == 1 && l.Discovered[0].Endpoint == "urn:uuid:2"
	})
	send(`{"type":"discovered","devices":[{"endpoint":"","xaddr":"ftp://192.168.1.5/"}]}`)
	wait("the link closed on a malformed report", func() bool { return ts.Connected() == 0 })
	select {
	case <-sess.CloseChan():
	case <-ctx.Done():
		t.Fatal("the agent's end stayed open")
	}
}
