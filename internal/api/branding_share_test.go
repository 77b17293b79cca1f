package api_test

import (
	"image/color"
	"strings"
	"testing"
	"time"
)

// TestClipShareShowsBrand: the public page of a share of a recorded clip
// (a real camera's recording cut by ffmpeg) shows the sharer's integrator's
// brand — name, logo, theme — on the operator's address and on the
// integrator's custom domain, plays the clip, and never names Vigilo; once
// revoked, the domain's error page still wears the brand while the
// operator's address shows the installation's name. Both databases.
func TestClipShareShowsBrand(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		r, segs := newClipEnv(t, pg)
		e, A, C := r.e, r.A, r.C
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/branding", A.Token, map[string]any{"product_name": "Acme Video",
			"primary_color": "#8b0000", "logo": brandPNG(t, color.RGBA{200, 0, 0, 255}), "custom_domain": "video.acme.test"})
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(A.ID)+"/branding/verify", e.Root, nil)
		clipID := e.Must(202, "POST", camPath(r.cam, "/clips"), C.Token, map[string]any{"start": segs[0].Start.Add(time.Second),
			"duration": 3, "name": "Loading bay"}).ID()
		if c := waitClip(t, e, C.Token, clipID); c.JSON["status"] != "ready" {
			t.Fatalf("clip: %s", c.Body)
		}
		sh := e.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "clip", "clip_id": clipID, "expires_in_hours": 1})
		url := sh.JSON["url"].(string)
		path := url[strings.Index(url, "/s/"):]
		token := strings.TrimPrefix(path, "/s/")
		brand := []string{`id="brand-name">Acme Video<`, "/brand/" + itoa(A.ID) + "/logo?v=", "/brand/" + itoa(A.ID) + "/theme.css?v=",
			"<title>Loading bay — Acme Video</title>"}

		for _, host := range []string{"", "video.acme.test"} {
			p := hostDo(t, e, "GET", path, host, nil)
			if p.Status != 200 || !strings.Contains(string(p.Body), `src="/s/`+token+`/video"`) {
				t.Errorf("clip page through %q: %d %.300s", host, p.Status, p.Body)
			}
			for _, w := range brand {
				if !strings.Contains(string(p.Body), w) {
					t.Errorf("clip page through %q lacks %q", host, w)
				}
			}
			if strings.Contains(string(p.Body), "Vigilo") {
				t.Errorf("clip page through %q names Vigilo", host)
			}
		}
		if resp, video := getRaw(t, e, path+"/video", "", nil); resp.StatusCode != 200 || len(video) < 12 || string(video[4:8]) != "ftyp" {
			t.Errorf("clip video: %d, %d bytes", resp.StatusCode, len(video))
		}
		// The theme carries the brand's colour for the page's bar.
		if resp, css := getRaw(t, e, "/brand/"+itoa(A.ID)+"/theme.css", "", nil); resp.StatusCode != 200 || !strings.Contains(string(css), "#8b0000") {
			t.Errorf("theme: %d %s", resp.StatusCode, css)
		}

		e.Must(200, "DELETE", "/api/v1/shares/"+itoa(sh.ID()), C.Token, nil)
		if p := hostDo(t, e, "GET", path, "video.acme.test", nil); p.Status != 410 || !strings.Contains(string(p.Body), `id="brand-name">Acme Video<`) {
			t.Errorf("revoked, through the domain: %d %.300s", p.Status, p.Body)
		}
		if p := hostDo(t, e, "GET", path, "", nil); p.Status != 410 || strings.Contains(string(p.Body), "Acme") {
			t.Errorf("revoked, on the operator's address: %d %.300s", p.Status, p.Body)
		}
	})
}
