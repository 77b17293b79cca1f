package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gohlslib/v2"
	"github.com/pion/webrtc/v4"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/live/whepclient"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

// liveEnv is a recording server with one simulated camera assigned to
// customer C, watched live through the API.
type liveEnv struct {
	camTree
	sim *simcam.Server
	cam int64
}

func newLiveEnv(t *testing.T, pg bool) liveEnv {
	sim := startSimcam(t)
	ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{
		"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s", "VIGILO_WEBRTC_HOSTS": "127.0.0.1", "VIGILO_LIVE_LINGER": "1s"}})
	cam := ct.e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "Live 1",
		"rtsp_url": sim.URL(1)}).ID()
	ct.e.Must(200, "PATCH", camPath(cam), ct.A.Token, map[string]any{"customer_id": ct.C.ID, "plan_id": ct.P})
	return liveEnv{camTree: ct, sim: sim, cam: cam}
}

func (l liveEnv) whep(cam int64) string { return l.e.URL + camPath(cam, "/whep") }

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// hlsReader plays the LL-HLS stream like a player and counts video units.
func hlsReader(t *testing.T, url string) (*gohlslib.Client, *atomic.Int64) {
	var n atomic.Int64
	c := &gohlslib.Client{URI: url}
	quiet := func(string) {}
	c.OnDownloadPrimaryPlaylist, c.OnDownloadStreamPlaylist, c.OnDownloadSegment, c.OnDownloadPart = quiet, quiet, quiet, quiet
	c.OnTracks = func(tracks []*gohlslib.Track) error {
		for _, tr := range tracks {
			c.OnDataH26x(tr, func(int64, int64, [][]byte) { n.Add(1) })
		}
		return nil
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c, &n
}

// TestLiveOnePullManyViewers: the camera records while 5 WebRTC and 5 LL-HLS
// viewers watch, and the camera sees one RTSP session; a WebRTC viewer gets
// ≥ 95 % of the frames; ffprobe decodes LL-HLS fetched with a stream token;
// the bytes are metered as traffic; nothing is left running afterwards.
func TestLiveOnePullManyViewers(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, C := l.e, l.C
		sim := l.sim
		waitUntil(t, 15*time.Second, "recording", func() bool {
			st, _ := e.Main.Recording().Status(l.cam)
			return st.Recording
		})
		time.Sleep(500 * time.Millisecond)
		baseline := runtime.NumGoroutine()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()

		var viewers []*whepclient.Conn
		// Viewer 0 notes each frame's RTP timestamp: frames are counted over
		// 5 s of the stream's own time, so a busy machine delaying delivery
		// does not count as loss.
		var tsMu sync.Mutex
		var stamps []uint32
		for i := range 5 {
			o := whepclient.Options{Header: bearer(C.Token)}
			if i == 0 {
				o.OnFrame = func(ts uint32, _ []byte) { tsMu.Lock(); stamps = append(stamps, ts); tsMu.Unlock() }
			}
			c, err := whepclient.Connect(ctx, l.whep(l.cam), o)
			if err != nil {
				t.Fatal(err)
			}
			viewers = append(viewers, c)
		}
		tok := e.Must(201, "POST", camPath(l.cam, "/stream-token"), C.Token, nil).JSON["token"].(string)
		hlsURL := e.URL + camPath(l.cam, "/live/index.m3u8?token="+tok)
		var hlsCounts []*atomic.Int64
		var hlsClients []*gohlslib.Client
		for range 4 {
			c, n := hlsReader(t, hlsURL)
			hlsClients = append(hlsClients, c)
			hlsCounts = append(hlsCounts, n)
		}
		// The fifth HLS viewer is ffmpeg itself, then ffprobe decodes what it got.
		out := filepath.Join(t.TempDir(), "live.mp4")
		ff := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-i", hlsURL, "-t", "4", "-c", "copy", out)
		if b, err := ff.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg reading LL-HLS: %v\n%s", err, b)
		}
		codec, w, h, dur := ffprobeFile(t, out)
		if codec != "h264" || w != 640 || h != 360 || dur < 3*time.Second {
			t.Fatalf("LL-HLS via stream token: %s %dx%d %s", codec, w, h, dur)
		}
		if b, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
			hlsURL).CombinedOutput(); err != nil || !strings.Contains(string(b), "h264") {
			t.Fatalf("ffprobe on the playlist: %v %s", err, b)
		}
		// What ffmpeg saved starts at a keyframe and decodes from its first
		// frame, and so does the oldest segment listed (the muxer's first:
		// it started a few seconds ago and keeps seven).
		decodesFromFirstFrame(t, out)
		first := filepath.Join(t.TempDir(), "first.mp4")
		if err := os.WriteFile(first, firstHLSSegment(t, hlsURL), 0o600); err != nil {
			t.Fatal(err)
		}
		decodesFromFirstFrame(t, first)

		// ≥ 95 % of the frames over 5 s (25 fps) reach a WebRTC viewer.
		waitUntil(t, 10*time.Second, "first WebRTC frame", func() bool { return viewers[0].Stats().Frames > 0 })
		time.Sleep(6500 * time.Millisecond)
		tsMu.Lock()
		got := framesIn(stamps, 5*90000)
		tsMu.Unlock()
		t.Logf("WebRTC viewer: %d frames in 5 s of stream time (want ≥ %d), first frame %s after the offer", got, 119, viewers[0].Stats().FirstFrame)
		if got < 119 {
			t.Errorf("WebRTC viewer got %d of 125 frames in 5 s", got)
		}
		for i, v := range viewers {
			if v.Stats().Frames == 0 {
				t.Errorf("WebRTC viewer %d got no frame", i)
			}
		}
		for i, n := range hlsCounts {
			if n.Load() == 0 {
				t.Errorf("HLS viewer %d got no frame", i)
			}
		}
		if n := sim.PeakSessions(); n != 1 {
			t.Errorf("the camera saw %d RTSP sessions at once while recording with 10 viewers, want 1", n)
		}

		// Everyone leaves: sessions end, traffic is metered, no goroutine stays.
		for _, v := range viewers {
			if err := v.Delete(ctx); err != nil {
				t.Error(err)
			}
		}
		for _, c := range hlsClients {
			c.Close()
		}
		e.Main.FlushLiveTraffic()
		today := time.Now().UTC().Format(time.DateOnly)
		if n, err := e.Main.Store.R().CameraTraffic(ctx, l.cam, today, today); err != nil || n < 100_000 {
			t.Errorf("live traffic metered: %d bytes, %v", n, err)
		}
		waitUntil(t, 20*time.Second, "live goroutines to end", func() bool {
			return e.Main.LiveSessions() == 0 && runtime.NumGoroutine() <= baseline+8
		})
		if sim.Sessions() != 1 {
			t.Errorf("after the viewers left the recording has %d RTSP sessions", sim.Sessions())
		}
	})
}

// firstHLSSegment returns the init section followed by the oldest segment
// the stream playlist behind the multivariant playlist at index lists.
func firstHLSSegment(t *testing.T, index string) []byte {
	t.Helper()
	fetch := func(u *url.URL) []byte {
		t.Helper()
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v %.200s", u, resp.StatusCode, err, b)
		}
		return b
	}
	base, err := url.Parse(index)
	if err != nil {
		t.Fatal(err)
	}
	// A URI in a playlist, resolved against the playlist's address, keeps
	// the stream token when the muxer did not repeat it.
	ref := func(from *url.URL, uri string) *url.URL {
		u, err := from.Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		if u.RawQuery == "" {
			u.RawQuery = base.RawQuery
		}
		return u
	}
	// The first URI that is not a gap (the muxer pads a young playlist
	// with #EXT-X-GAP entries it does not serve).
	firstURI := func(text string) string {
		gap := false
		for _, l := range strings.Split(text, "\n") {
			switch l = strings.TrimSpace(l); {
			case strings.HasPrefix(l, "#EXT-X-GAP"):
				gap = true
			case l == "" || strings.HasPrefix(l, "#"):
			case gap:
				gap = false
			default:
				return l
			}
		}
		t.Fatalf("no URI in the playlist:\n%s", text)
		return ""
	}
	stream := ref(base, firstURI(string(fetch(base))))
	text := string(fetch(stream))
	m := regexp.MustCompile(`#EXT-X-MAP:URI="([^"]+)"`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no init section in the stream playlist:\n%s", text)
	}
	return append(fetch(ref(stream, m[1])), fetch(ref(stream, firstURI(text)))...)
}

// framesIn counts the distinct frames whose RTP timestamps fall within span
// (90 kHz) from the first one.
func framesIn(stamps []uint32, span uint32) int {
	if len(stamps) == 0 {
		return 0
	}
	seen := map[uint32]bool{}
	for _, ts := range stamps {
		if ts-stamps[0] < span {
			seen[ts] = true
		}
	}
	return len(seen)
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLiveBadInput: malformed SDP, offers without H.264, expired and
// foreign stream tokens are 4xx naming the field; nothing is left open.
func TestLiveBadInput(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, C := l.e, l.C
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		wantField := func(what string, status int, body, field string, want int) {
			t.Helper()
			var b struct {
				Error struct {
					Code   string
					Fields map[string]string
				}
			}
			_ = json.Unmarshal([]byte(body), &b)
			if status != want || b.Error.Fields[field] == "" {
				t.Errorf("%s: status %d (want %d), body %s (want field %q)", what, status, want, body, field)
			}
		}
		for _, tc := range []struct{ name, ctype, body string }{
			{"garbage", "application/sdp", "hello"},
			{"empty", "application/sdp", ""},
			{"truncated", "application/sdp", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=video"},
			{"json", "application/json", `{"sdp":"v=0"}`},
			{"audio only", "application/sdp", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"},
		} {
			st, body, err := whepclient.Post(ctx, nil, l.whep(l.cam), tc.ctype, tc.body, bearer(C.Token))
			if err != nil {
				t.Fatal(err)
			}
			wantField("offer "+tc.name, st, body, "sdp", 400)
		}
		// A real offer with VP8 only.
		_, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(C.Token),
			Codecs: []webrtc.RTPCodecCapability{{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}})
		var se *whepclient.StatusError
		if !asStatus(err, &se) {
			t.Fatalf("VP8-only offer: %v", err)
		}
		wantField("VP8-only offer", se.Status, se.Body, "sdp", 400)

		// An H.265 camera: WebRTC refuses with a pointer to LL-HLS, which plays.
		h265 := recClip
		h265.H265 = true
		sim265 := startSimcamClip(t, h265)
		cam265 := e.Must(201, "POST", "/api/v1/cameras", l.A.Token, map[string]any{"type": "generic", "name": "HEVC",
			"rtsp_url": sim265.URL(1)}).ID()
		e.Must(200, "PATCH", camPath(cam265), l.A.Token, map[string]any{"customer_id": C.ID, "plan_id": l.P})
		_, err = whepclient.Connect(ctx, l.whep(cam265), whepclient.Options{Header: bearer(C.Token)})
		if !asStatus(err, &se) || se.Status != 409 || !strings.Contains(se.Body, "codec_unsupported") || !strings.Contains(se.Body, "HLS") {
			t.Errorf("WHEP on an H.265 camera: %v", err)
		}
		if r := e.Do("GET", camPath(cam265, "/live/index.m3u8"), C.Token, nil); r.Status != 200 || !strings.Contains(string(r.Body), "hvc1") {
			t.Errorf("LL-HLS of an H.265 camera: %d %.300s", r.Status, r.Body)
		}

		// Stream tokens: expired, for another camera, made up.
		other := e.Must(201, "POST", "/api/v1/cameras", l.A.Token, map[string]any{"type": "generic", "name": "Other",
			"rtsp_url": l.sim.URL(2)}).ID()
		foreign := e.Must(201, "POST", camPath(other, "/stream-token"), l.A.Token, nil).JSON["token"].(string)
		me := e.Must(200, "GET", "/api/v1/me", C.Token, nil).JSON["user"].(map[string]any)
		expired, hash := identity.NewToken()
		if err := e.Main.Store.W().InsertStreamToken(ctx, int64(me["id"].(float64)), l.cam, hash, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, token string
			want        int
		}{{"expired", expired, 401}, {"foreign", foreign, 403}, {"made up", "abc", 401}} {
			r := e.Do("GET", camPath(l.cam, "/live/index.m3u8?token="+tc.token), "", nil)
			wantField("HLS with a "+tc.name+" token", r.Status, string(r.Body), "token", tc.want)
			st, body, _ := whepclient.Post(ctx, nil, l.whep(l.cam)+"?token="+tc.token, "application/sdp", "v=0", nil)
			wantField("WHEP with a "+tc.name+" token", st, body, "token", tc.want)
		}
		// Customer D cannot even learn the camera exists, nor get a token.
		if r := e.Do("POST", camPath(l.cam, "/stream-token"), l.D.Token, nil); r.Status != 404 {
			t.Errorf("stream token for a camera outside the subtree: %d %s", r.Status, r.Body)
		}
		if st, body, _ := whepclient.Post(ctx, nil, l.whep(l.cam), "application/sdp", "v=0", nil); st != 401 {
			t.Errorf("WHEP without credentials: %d %s", st, body)
		}
		if e.Main.LiveSessions() != 0 {
			t.Errorf("refused offers left %d sessions", e.Main.LiveSessions())
		}
	})
}

func asStatus(err error, se **whepclient.StatusError) bool {
	s, ok := err.(*whepclient.StatusError)
	*se = s
	return ok
}

// TestLiveEndsOnDisable: disabling an ancestor account closes an open
// WebRTC session within 2 s and HLS is refused.
func TestLiveEndsOnDisable(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, C := l.e, l.C
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		v, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(C.Token)})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		tok := e.Must(201, "POST", camPath(l.cam, "/stream-token"), C.Token, nil).JSON["token"].(string)
		hlsURL := camPath(l.cam, "/live/index.m3u8?token="+tok)
		e.Must(200, "GET", hlsURL, "", nil)
		waitUntil(t, 15*time.Second, "frames", func() bool { return v.Stats().Frames > 10 })

		disabled := time.Now()
		e.Must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/disable", l.A.ID), e.Root, nil)
		waitUntil(t, 2*time.Second, "the server to end the session", func() bool { return e.Main.LiveSessions() == 0 })
		ended := time.Since(disabled)
		time.Sleep(time.Second)
		last := v.Stats().LastPacket
		t.Logf("session ended %s after the disable; last packet %s after it", ended.Round(time.Millisecond), last.Sub(disabled).Round(time.Millisecond))
		if last.Sub(disabled) > 2*time.Second {
			t.Errorf("video still flowing %s after the disable", last.Sub(disabled))
		}
		if r := e.Do("GET", hlsURL, "", nil); r.Status != 403 || r.Code() != "account_disabled" {
			t.Errorf("HLS after the disable: %d %s", r.Status, r.Body)
		}
		if _, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(C.Token)}); err == nil {
			t.Error("a new WebRTC session opened under a disabled account")
		}
	})
}

// TestLiveEndsOnRevocation: besides a disable, the other ways a viewer loses
// live view end an open WebRTC session within 2 s and refuse HLS — the
// customer's live_view module switched off by its integrator, and the
// viewing user disabled — and undoing each lets the viewer in again.
func TestLiveEndsOnRevocation(t *testing.T) {
	camDBsAtOnce(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, A, C := l.e, l.A, l.C
		role := e.Must(201, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/roles", C.Token, map[string]any{"name": "Lobby guard",
			"portal": "video", "rights": []string{"view_live"}, "all_cameras": false, "camera_ids": []int64{l.cam}}).ID()
		guard := addUser(t, e, C, C.Token, role, "lobby-guard")
		guardID := int64(e.Must(200, "GET", "/api/v1/me", guard, nil).JSON["user"].(map[string]any)["id"].(float64))
		userPath := fmt.Sprintf("/api/v1/accounts/%d/users/%d", C.ID, guardID)
		modules := fmt.Sprintf("/api/v1/accounts/%d/modules", C.ID)

		for _, c := range []struct {
			name, code  string
			cut, repair func()
		}{
			{"module live_view off", "module_disabled",
				func() { e.Must(200, "PUT", modules, A.Token, map[string]any{"live_view": false}) },
				func() { e.Must(200, "PUT", modules, A.Token, map[string]any{"live_view": true}) }},
			{"user disabled", "user_disabled",
				func() { e.Must(200, "POST", userPath+"/disable", C.Token, nil) },
				func() { e.Must(200, "POST", userPath+"/enable", C.Token, nil) }},
		} {
			t.Run(c.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				v, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(guard)})
				if err != nil {
					t.Fatal(err)
				}
				defer v.Close()
				tok := e.Must(201, "POST", camPath(l.cam, "/stream-token"), guard, nil).JSON["token"].(string)
				hlsURL := camPath(l.cam, "/live/index.m3u8?token="+tok)
				waitUntil(t, 15*time.Second, "frames", func() bool { return v.Stats().Frames > 10 })

				cut := time.Now()
				c.cut()
				waitUntil(t, 2*time.Second, "the server to end the session", func() bool { return e.Main.LiveSessions() == 0 })
				time.Sleep(time.Second)
				if last := v.Stats().LastPacket; last.Sub(cut) > 2*time.Second {
					t.Errorf("video still flowing %s after the cut", last.Sub(cut))
				}
				if r := e.Do("GET", hlsURL, "", nil); r.Status != 403 || r.Code() != c.code {
					t.Errorf("HLS after the cut: %d %s, want 403 %s", r.Status, r.Body, c.code)
				}
				c.repair()
				v2, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(guard)})
				if err != nil {
					t.Fatalf("after the repair: %v", err)
				}
				if err := v2.Delete(ctx); err != nil {
					t.Errorf("ending the repaired session: %v", err)
				}
				v2.Close()
				waitUntil(t, 5*time.Second, "the repaired session to end", func() bool { return e.Main.LiveSessions() == 0 })
			})
		}
	})
}
