package media

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

type discard struct{}

func (discard) WriteUnit(*Unit) {}

// TestRedirectStaysOnTheCamerasHost: a camera that answers DESCRIBE with a
// redirect to another host (here another P&P camera's stand-in host, which
// the server's dialer would turn into that camera's agent tunnel) gets no
// dial to it; its own host is dialed again as usual.
func TestRedirectStaysOnTheCamerasHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var describes sync.WaitGroup
	describes.Add(1)
	var once sync.Once
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := textproto.NewReader(bufio.NewReader(conn))
				for {
					line, err := r.ReadLine()
					if err != nil {
						return
					}
					hdr, err := r.ReadMIMEHeader()
					if err != nil {
						return
					}
					cseq := hdr.Get("Cseq")
					if strings.HasPrefix(line, "DESCRIBE ") {
						once.Do(describes.Done)
						fmt.Fprintf(conn, "RTSP/1.0 302 Found\r\nCSeq: %s\r\nLocation: rtsp://camera-9.agent.invalid:554/stolen\r\n\r\n", cseq)
						continue
					}
					fmt.Fprintf(conn, "RTSP/1.0 200 OK\r\nCSeq: %s\r\nPublic: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n", cseq)
				}
			}()
		}
	}()

	var mu sync.Mutex
	var dialed []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	rec := New(Config{RecordingsDir: t.TempDir(), Dial: dial})
	defer rec.Stop()
	stop, err := rec.Watch(Source{CameraID: 1, URL: "rtsp://" + ln.Addr().String() + "/cam"}, discard{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	describes.Wait()
	time.Sleep(time.Second) // room for the client to follow the redirect
	mu.Lock()
	defer mu.Unlock()
	if len(dialed) == 0 {
		t.Fatal("the camera's own host was never dialed")
	}
	for _, a := range dialed {
		if a != ln.Addr().String() {
			t.Errorf("dialed %s after the camera's redirect (only %s is the camera's)", a, ln.Addr())
		}
	}
}
