package server

import (
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// In a cluster, live video of a camera is served by the recorder holding
// its lease: that recorder already pulls the camera, so a viewer arriving
// at any api node costs the camera no second stream. The api node proxies
// WHEP offers, session DELETEs and LL-HLS requests there; the recorder
// authenticates and authorizes the request again, against the same
// database. ProxiedHeader marks a proxied request, which is always served
// where it lands (no loops); RecorderHeader names the recorder that served.
const (
	ProxiedHeader  = "X-Vigilo-Proxied-By"
	RecorderHeader = "X-Vigilo-Recorder"
)

// liveCamera returns the camera id of a live URL (/api/v1/cameras/{id}/whep…
// or /api/v1/cameras/{id}/live/…), or the share token of a public live
// share's (/s/{token}/whep… or /s/{token}/live/…).
func liveCamera(path string) (id int64, token string, ok bool) {
	rest, cam := strings.CutPrefix(path, "/api/v1/cameras/")
	if !cam {
		if rest, ok = strings.CutPrefix(path, "/s/"); !ok {
			return 0, "", false
		}
	}
	key, tail, ok := strings.Cut(rest, "/")
	if !ok || key == "" || !(tail == "whep" || strings.HasPrefix(tail, "whep/") || strings.HasPrefix(tail, "live/")) {
		return 0, "", false
	}
	if !cam {
		return 0, key, true
	}
	id, err := strconv.ParseInt(key, 10, 64)
	return id, "", err == nil && id > 0
}

// holderCache keeps each camera's recorder, and each live share's camera,
// for a second: LL-HLS asks for a part every few hundred milliseconds per
// viewer.
type holderCache struct {
	mu     sync.Mutex
	m      map[int64]holder
	shares map[string]shareCam
}

type shareCam struct {
	id    int64
	until time.Time
}

type holder struct {
	id, url string
	until   time.Time
}

// liveProxy wraps the handler: live requests for a camera held by another
// recorder go to it. Without a cluster it is the handler itself.
func (m *Main) liveProxy(next http.Handler) http.Handler {
	if !m.Config.Cluster.Enabled() {
		return next
	}
	self := m.Config.Cluster.NodeID
	cache := &holderCache{m: map[int64]holder{}, shares: map[string]shareCam{}}
	proxies := sync.Map{} // node URL → *httputil.ReverseProxy
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, token, ok := liveCamera(r.URL.Path)
		if !ok || r.Header.Get(ProxiedHeader) != "" {
			next.ServeHTTP(w, r)
			return
		}
		if token != "" {
			// A public share: the recorder decides the link again.
			if id = cache.share(m, r, token); id == 0 {
				next.ServeHTTP(w, r) // unknown here: answered here
				return
			}
		}
		h := cache.get(m, r, id)
		if h.id == "" || h.id == self {
			next.ServeHTTP(w, r) // not recorded now, or ours: served here
			return
		}
		p, _ := proxies.LoadOrStore(h.url, m.newLiveProxy(h.url))
		r.Header.Set(ProxiedHeader, self)
		w.Header().Set(RecorderHeader, h.id)
		p.(*httputil.ReverseProxy).ServeHTTP(w, r)
	})
}

func (c *holderCache) get(m *Main, r *http.Request, id int64) holder {
	now := time.Now()
	c.mu.Lock()
	h, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Before(h.until) {
		return h
	}
	h = holder{until: now.Add(time.Second)}
	if n, found, err := m.App.RecorderOf(r.Context(), id); err == nil && found {
		h.id, h.url = n.ID, n.URL
	}
	c.mu.Lock()
	if len(c.m) > 100000 {
		clear(c.m)
	}
	c.m[id] = h
	c.mu.Unlock()
	return h
}

// share is the camera of a share token (0: unknown).
func (c *holderCache) share(m *Main, r *http.Request, token string) int64 {
	now := time.Now()
	c.mu.Lock()
	s, ok := c.shares[token]
	c.mu.Unlock()
	if ok && now.Before(s.until) {
		return s.id
	}
	s = shareCam{until: now.Add(time.Second)}
	if id, found, err := m.App.ShareCamera(r.Context(), token); err == nil && found {
		s.id = id
	}
	c.mu.Lock()
	if len(c.shares) > 100000 {
		clear(c.shares)
	}
	c.shares[token] = s
	c.mu.Unlock()
	return s.id
}

func (m *Main) newLiveProxy(target string) *httputil.ReverseProxy {
	u, err := url.Parse(target)
	if err != nil {
		u = &url.URL{Scheme: "http", Host: "invalid"}
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host // links and cookies stay the api's
		},
		// LL-HLS parts are streamed as they are written.
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the viewer left (an LL-HLS player closing): nobody to answer
			}
			m.Log.Warn("live proxy to the camera's recorder", "recorder", target, "path", r.URL.Path, "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `{"error":{"code":"recorder_unavailable","message":"the camera's recorder cannot be reached; try again"}}`+"\n")
		},
	}
}
