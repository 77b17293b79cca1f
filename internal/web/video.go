package web

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
)

// The video portal (R9): where Guards and Viewers land, one click away for
// admins. A grid of live tiles and a camera page with the live player, the
// 24-hour timeline, playback, clips and sharing. The pages carry the
// actor's rights on each camera from the one camera decision
// (app.VideoCameras); the script (static/video.js, static/player.js) only
// talks to the API, which decides again on every request.

// gridSizes are the layouts of the grid: 1, 2×2, 3×3 and 4×4 tiles.
var gridSizes = []int{1, 4, 9, 16}

// videoFeatures says which video routes this server has. The portal offers a
// control only for a route that exists: the live, clip and share APIs come
// from other parts of the server, and a button for a missing one would only
// fail. They are read off the mux the server built, once, at the first
// request (by then every part has registered its routes).
type videoFeatures struct {
	Live, LiveHLS, Clips, Shares bool
	// LiveShares: the public share page can play live video (its own WHEP
	// or LL-HLS route), so a live view may be shared.
	LiveShares bool
}

type featureProbe struct {
	once sync.Once
	mux  *http.ServeMux
	f    videoFeatures
}

func (fp *featureProbe) get() videoFeatures {
	fp.once.Do(func() {
		if fp.mux == nil {
			return
		}
		has := func(method, path string) bool {
			r, _ := http.NewRequest(method, path, nil)
			_, pattern := fp.mux.Handler(r)
			// The API's own catch-all answers "no such route"; the portal's
			// catch-all is "/".
			return pattern != "" && pattern != "/" && pattern != "/api/v1/"
		}
		fp.f = videoFeatures{
			Live:    has("POST", "/api/v1/cameras/1/whep"),
			LiveHLS: has("GET", "/api/v1/cameras/1/live/index.m3u8"),
			Clips:   has("POST", "/api/v1/cameras/1/clips"),
			Shares:  has("POST", "/api/v1/shares"),
		}
		fp.f.LiveShares = fp.f.Shares && (has("POST", "/s/t/whep") || has("GET", "/s/t/live/index.m3u8"))
	})
	return fp.f
}

// tile is one camera in the grid.
type tile struct {
	app.VideoCamera
	Live bool // the live player is shown (the right and the route exist)
	WHEP string
	HLS  string
}

type videoGridData struct {
	Tiles   []tile
	Size    int
	Sizes   []int
	Pager   pager
	HasLive bool
}

func (p *Portal) videoTile(c app.VideoCamera, f videoFeatures) tile {
	t := tile{VideoCamera: c}
	if c.Can(identity.RightViewLive) && c.Enabled && (f.Live || f.LiveHLS) {
		t.Live = true
		base := "/api/v1/cameras/" + itoa64(c.ID)
		if f.Live {
			t.WHEP = base + "/whep"
		}
		if f.LiveHLS {
			t.HLS = base + "/live/index.m3u8"
		}
	}
	return t
}

func (p *Portal) videoGrid(w http.ResponseWriter, r *http.Request, q *req) error {
	qs := r.URL.Query()
	size := atoiDefault(qs.Get("layout"), 4)
	valid := false
	for _, s := range gridSizes {
		valid = valid || s == size
	}
	if !valid {
		size = 4
	}
	cams, total, pg, err := p.App.VideoCameras(r.Context(), q.Actor, store.Page{Page: atoiDefault(qs.Get("page"), 1), PerPage: size})
	if err != nil {
		return err
	}
	f := p.features.get()
	d := videoGridData{Size: size, Sizes: gridSizes, HasLive: f.Live || f.LiveHLS,
		Pager: newPager(total, pg.Page, size, url.Values{"layout": {strconv.Itoa(size)}}, "/video")}
	for _, c := range cams {
		t := p.videoTile(c, f)
		if size > 1 && c.SubStreamURL != "" {
			// Small tiles play the camera's lower-resolution stream.
			t.WHEP, t.HLS = withSubStream(t.WHEP), withSubStream(t.HLS)
		}
		d.Tiles = append(d.Tiles, t)
	}
	p.render(w, r, q, http.StatusOK, "video_grid", "Video", "video", d)
	return nil
}

type videoCameraData struct {
	tile
	Playback, Clip, Share bool
	ShareLive             bool // the live view may be shared (the share page plays live)
	PTZ                   bool // the camera has PTZ and the user the ptz right
	TimeZone              string
}

func (p *Portal) videoCamera(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	c, err := p.App.VideoCamera(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	f := p.features.get()
	d := videoCameraData{tile: p.videoTile(c, f), TimeZone: accountZone(q).String(),
		Playback: c.Can(identity.RightPlayback),
		Clip:     c.Can(identity.RightSaveClip) && f.Clips && c.Can(identity.RightPlayback),
		Share:    c.Can(identity.RightShare) && f.Shares,
		PTZ:      c.Can(identity.RightPTZ),
	}
	d.ShareLive = d.Share && d.Live && f.LiveShares
	p.render(w, r, q, http.StatusOK, "video_camera", c.Name, "video", d)
	return nil
}

func withSubStream(u string) string {
	if u == "" {
		return ""
	}
	return u + "?stream=sub"
}
