package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// publicGet fetches a share URL as a stranger: no token, no cookie.
func publicGet(t *testing.T, e *apitest.Env, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	resp, body := getRaw(t, e, url[strings.Index(url, "/s/"):], "", hdr)
	return resp, string(body)
}

// TestShares: bad input refused naming the field with nothing written; the
// right and module; a clip share's public page and video (Range, views
// counted and audited, bytes metered); a live share's page drives the
// player; a disabled customer's link stops and comes back; other tenants
// cannot see or revoke; revoked and expired links answer 410, media too.
func TestShares(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		r, segs := newClipEnv(t, pg)
		e, C := r.e, r.C
		ctx := context.Background()
		clipID := e.Must(202, "POST", camPath(r.cam, "/clips"), C.Token, map[string]any{"start": segs[0].Start.Add(time.Second),
			"duration": 3, "name": "Back door"}).ID()
		clip := waitClip(t, e, C.Token, clipID)
		size := int64(clip.JSON["bytes"].(float64))

		// Bad input.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"kind": "clip", "clip_id": clipID}, "expires_in_hours"},
			{map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 0}, "expires_in_hours"},
			{map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 721}, "expires_in_hours"},
			{map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 1.5}, "expires_in_hours"},
			{map[string]any{"kind": "film", "clip_id": clipID, "expires_in_hours": 1}, "kind"},
			{map[string]any{"kind": "live", "expires_in_hours": 1}, "camera_id"},
			{map[string]any{"kind": "clip", "camera_id": r.cam, "expires_in_hours": 1}, "clip_id"},
		} {
			wantFields(t, e.Do("POST", "/api/v1/shares", C.Token, tc.body), tc.field)
		}
		wantErr(t, e.Do("POST", "/api/v1/shares", r.B.Token, map[string]any{"kind": "live", "camera_id": r.cam, "expires_in_hours": 1}), 404, "not_found")
		wantErr(t, e.Do("POST", "/api/v1/shares", r.B.Token, map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 1}), 404, "not_found")
		role := e.Must(201, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/roles", C.Token, map[string]any{"name": "Watcher", "portal": "video",
			"rights": []string{"view_live", "playback"}, "all_cameras": true}).ID()
		guard := addUser(t, e, C, C.Token, role, "watcher")
		resp := e.Do("POST", "/api/v1/shares", guard, map[string]any{"kind": "live", "camera_id": r.cam, "expires_in_hours": 1})
		wantErr(t, resp, 403, "right_missing")
		if resp.Fields()["right"] != "share" {
			t.Fatalf("right not named: %s", resp.Body)
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C.ID)+"/modules", r.A.Token, map[string]any{"sharing": false})
		wantErr(t, e.Do("POST", "/api/v1/shares", C.Token, map[string]any{"kind": "live", "camera_id": r.cam, "expires_in_hours": 1}), 403, "module_disabled")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C.ID)+"/modules", r.A.Token, map[string]any{"sharing": true})
		if n := len(e.Must(200, "GET", "/api/v1/shares", r.A.Token, nil).Items()); n != 0 {
			t.Fatalf("refused requests wrote %d shares", n)
		}

		// A clip share, opened by a stranger.
		sh := e.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 720})
		url, _ := sh.JSON["url"].(string)
		exp, _ := time.Parse(time.RFC3339Nano, sh.JSON["expires_at"].(string))
		if !strings.HasPrefix(url, e.Main.Config.BaseURL+"/s/") || !near(time.Until(exp), 720*time.Hour, time.Minute) {
			t.Fatalf("share: %s", sh.Body)
		}
		token := url[strings.Index(url, "/s/")+3:]
		hresp, page := publicGet(t, e, url, nil)
		if hresp.StatusCode != 200 || !strings.Contains(page, `src="/s/`+token+`/video"`) || !strings.Contains(page, "Back door") {
			t.Fatalf("clip page: %d %s", hresp.StatusCode, page)
		}
		hresp, video := publicGet(t, e, url+"/video", nil)
		if hresp.StatusCode != 200 || hresp.Header.Get("Content-Type") != "video/mp4" || int64(len(video)) != size {
			t.Fatalf("shared clip video: %d %d bytes of %d", hresp.StatusCode, len(video), size)
		}
		hresp, part := publicGet(t, e, url+"/video", map[string]string{"Range": "bytes=0-499"})
		if hresp.StatusCode != 206 || len(part) != 500 {
			t.Fatalf("shared clip range: %d %d bytes", hresp.StatusCode, len(part))
		}
		today := time.Now().UTC().Format(time.DateOnly)
		if n, _ := e.Main.Store.R().CameraTraffic(ctx, r.cam, today, today); n != size+500 {
			t.Fatalf("share traffic metered %d, served %d", n, size+500)
		}
		if l := e.Must(200, "GET", "/api/v1/shares", C.Token, nil).Items(); len(l) != 1 || l[0]["views"] != float64(1) || l[0]["url"] != nil {
			t.Fatalf("share list after one view: %v", l)
		}
		if a := e.Must(200, "GET", "/api/v1/audit?action=share.viewed", r.A.Token, nil).Items(); len(a) != 1 {
			t.Fatalf("share views audited: %v", a)
		}

		// A live share's page drives the portal's player.
		live := e.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "live", "camera_id": r.cam, "expires_in_hours": 1})
		liveURL := live.JSON["url"].(string)
		liveTok := liveURL[strings.Index(liveURL, "/s/")+3:]
		if hresp, page := publicGet(t, e, liveURL, nil); hresp.StatusCode != 200 ||
			!strings.Contains(page, `data-whep="/s/`+liveTok+`/whep"`) || !strings.Contains(page, `data-hls="/s/`+liveTok+`/live/index.m3u8"`) ||
			!strings.Contains(page, `<script src="/static/player.js"`) {
			t.Fatalf("live page: %d %s", hresp.StatusCode, page)
		}
		if hresp, _ := publicGet(t, e, liveURL+"/video", nil); hresp.StatusCode != 404 {
			t.Fatalf("a live share serves a clip: %d", hresp.StatusCode)
		}

		// The customer disabled: its links stop; enabled: they work again.
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/disable", r.A.Token, nil)
		for _, u := range []string{url, url + "/video", liveURL} {
			if hresp, _ := publicGet(t, e, u, nil); hresp.StatusCode != 403 {
				t.Fatalf("%s under a disabled customer: %d", u, hresp.StatusCode)
			}
		}
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/enable", r.A.Token, nil)
		if hresp, _ := publicGet(t, e, url, nil); hresp.StatusCode != 200 {
			t.Fatalf("after enable: %d", hresp.StatusCode)
		}

		// Revoke: others cannot, the maker can; then 410 for page and video.
		shareID := sh.ID()
		wantErr(t, e.Do("DELETE", "/api/v1/shares/"+itoa(shareID), r.B.Token, nil), 404, "not_found")
		wantErr(t, e.Do("DELETE", "/api/v1/shares/"+itoa(shareID), guard, nil), 404, "not_found")
		e.Must(200, "DELETE", "/api/v1/shares/"+itoa(shareID), C.Token, nil)
		for _, u := range []string{url, url + "/video"} {
			if hresp, body := publicGet(t, e, u, nil); hresp.StatusCode != 410 || !strings.Contains(body, "revoked") {
				t.Fatalf("%s after revocation: %d %s", u, hresp.StatusCode, body)
			}
		}
		if hresp, _ := publicGet(t, e, e.URL+"/s/not-a-token", nil); hresp.StatusCode != 404 {
			t.Fatalf("unknown token: %d", hresp.StatusCode)
		}
		// Expired: the live link was for one hour.
		e.Main.App.Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
		if hresp, body := publicGet(t, e, liveURL, nil); hresp.StatusCode != 410 || !strings.Contains(body, "expired") {
			t.Fatalf("expired link: %d %s", hresp.StatusCode, body)
		}
	})
}
