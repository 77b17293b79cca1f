package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/testenv"
)

// camPortal is root → A (integrator) → C (customer) and root → B → D, with
// plan P offered down to C and plan Q offered to nobody; a signed-in portal
// client for A's owner.
type camPortal struct {
	e          *apitest.Env
	A, B, C, D apitest.Account
	P, Q       int64
	c          *client
}

func newCamPortal(t *testing.T, e *apitest.Env) camPortal {
	t.Helper()
	w := camPortal{e: e}
	w.A = e.CreateAccount(e.Root, 1, "integrator", "Integrator A")
	w.B = e.CreateAccount(e.Root, 1, "integrator", "Integrator B")
	w.C = e.CreateAccount(w.A.Token, w.A.ID, "customer", "Customer C")
	w.D = e.CreateAccount(w.B.Token, w.B.ID, "customer", "Customer D")
	w.P = e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Record 7 days", "kind": "fixed",
		"retention_days": 7, "recording_mode": "continuous", "price": "10.0000"}).ID()
	w.Q = e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Not offered", "kind": "fixed",
		"retention_days": 30, "recording_mode": "continuous", "price": "20.0000"}).ID()
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.A.ID)+"/plans/"+itoa(w.P), e.Root,
		map[string]any{"selected": true, "visible": true, "cost": "5.0000", "end_user_price": "8.0000"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.C.ID)+"/plans/"+itoa(w.P), w.A.Token,
		map[string]any{"selected": true, "visible": true, "cost": "8.0000", "name": "Gold for C"})
	w.c = newClient(t, e)
	w.c.signIn(w.A.Email, w.A.Password)
	return w
}

var cameraIDRE = regexp.MustCompile(`^/cameras/(\d+)$`)

// register submits the registration form and returns the new camera's id.
func (w camPortal) register(t *testing.T, form url.Values) int64 {
	t.Helper()
	p := w.c.post("/cameras/new", "/cameras/new", form)
	m := cameraIDRE.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q %.600s", p.Status, p.Location, p.Body)
	}
	var id int64
	for _, ch := range m[1] {
		id = id*10 + int64(ch-'0')
	}
	return id
}

// apiCamera reads a camera through the API as A.
func (w camPortal) apiCamera(t *testing.T, id int64) apitest.Response {
	t.Helper()
	return w.e.Must(200, "GET", "/api/v1/cameras/"+itoa(id), w.A.Token, nil)
}

func (w camPortal) cameraCount(t *testing.T) int {
	t.Helper()
	r := w.e.Must(200, "GET", "/api/v1/cameras", w.A.Token, nil)
	return int(r.JSON["total"].(float64))
}

func TestCameraPagesRegister(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		w := newCamPortal(t, e)
		c := w.c
		if p := c.get("/cameras"); p.Status != 200 || !strings.Contains(p.Body, `href="/cameras/new"`) {
			t.Fatalf("camera list: %d %.300s", p.Status, p.Body)
		}

		// Bad input: field errors next to the fields, 400 not 5xx, nothing stored.
		p := c.post("/cameras/new", "/cameras/new", url.Values{"type": {"generic"}, "name": {""},
			"rtsp_url": {"http://10.0.0.5/stream"}, "password": {"s3cret-pw"}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "rtsp_url") == "" || fieldError(p.Body, "name") == "" {
			t.Fatalf("bad URL: %d rtsp_url=%q name=%q", p.Status, fieldError(p.Body, "rtsp_url"), fieldError(p.Body, "name"))
		}
		if strings.Contains(p.Body, "s3cret-pw") {
			t.Fatal("the password was shown back")
		}
		if !strings.Contains(p.Body, `value="http://10.0.0.5/stream"`) {
			t.Fatal("the URL typed was not kept in the form")
		}
		p = c.post("/cameras/new", "/cameras/new", url.Values{"type": {"onvif"}, "name": {"Door"}, "onvif.address": {""}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "onvif.address") == "" || fieldError(p.Body, "onvif.username") == "" {
			t.Fatalf("bad ONVIF: %d %q", p.Status, fieldError(p.Body, "onvif.address"))
		}
		p = c.post("/cameras/new", "/cameras/new", url.Values{"type": {"generic"}, "name": {"Gate"},
			"rtsp_url": {"rtsp://10.0.0.5/s"}, "customer_id": {itoa(w.D.ID)}, "plan_id": {itoa(w.P)}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "customer_id") == "" {
			t.Fatalf("another integrator's customer: %d %q", p.Status, fieldError(p.Body, "customer_id"))
		}
		if n := w.cameraCount(t); n != 0 {
			t.Fatalf("%d cameras after refused forms", n)
		}

		// A generic camera; credentials in the URL are split off and never shown.
		id := w.register(t, url.Values{"type": {"generic"}, "name": {"Gate"}, "rtsp_url": {"rtsp://cam:s3cret-pw@10.0.0.5:554/s"}})
		r := w.apiCamera(t, id)
		if r.JSON["rtsp_url"] != "rtsp://10.0.0.5:554/s" || r.JSON["username"] != "cam" || r.JSON["has_password"] != true ||
			r.JSON["customer_id"] != nil {
			t.Fatalf("registered camera: %s", r.Body)
		}
		p = c.get("/cameras/" + itoa(id))
		if p.Status != 200 || !strings.Contains(p.Body, "Registered camera Gate") && !strings.Contains(p.Body, "Camera Gate registered.") {
			t.Fatalf("camera page after registering: %d %.400s", p.Status, p.Body)
		}
		if strings.Contains(p.Body, "s3cret-pw") || !strings.Contains(p.Body, "password stored (encrypted)") {
			t.Fatal("camera page shows the password, or not that one is stored")
		}
		if !strings.Contains(p.Body, "not assigned to a customer") {
			t.Fatal("status in words missing on the camera page")
		}
		// Unassigned filter lists it; the customer filter does not.
		if p := c.get("/cameras?filter=unassigned"); !strings.Contains(p.Body, `data-camera="`+itoa(id)+`"`) {
			t.Fatalf("unassigned list: %.600s", p.Body)
		}
		if p := c.get("/cameras?customer=" + itoa(w.C.ID)); strings.Contains(p.Body, `data-camera="`+itoa(id)+`"`) {
			t.Fatal("unassigned camera listed under customer C")
		}

		// Choosing the customer lists its plans (under its own name for them).
		p = c.get("/cameras/new?customer=" + itoa(w.C.ID))
		if p.Status != 200 || !strings.Contains(p.Body, `<option value="`+itoa(w.P)+`">Gold for C</option>`) ||
			strings.Contains(p.Body, "Not offered") {
			t.Fatalf("plans of C: %d %.2000s", p.Status, p.Body)
		}
		// Registered and assigned at once.
		id2 := w.register(t, url.Values{"type": {"generic"}, "name": {"Yard"}, "rtsp_url": {"rtsp://10.0.0.6/s"},
			"customer_id": {itoa(w.C.ID)}, "plan_id": {itoa(w.P)}})
		if r := w.apiCamera(t, id2); int64(r.JSON["customer_id"].(float64)) != w.C.ID || int64(r.JSON["plan_id"].(float64)) != w.P {
			t.Fatalf("assigned at registration: %s", r.Body)
		}
		if p := c.get("/cameras?customer=" + itoa(w.C.ID)); !strings.Contains(p.Body, `data-camera="`+itoa(id2)+`"`) ||
			strings.Contains(p.Body, `data-camera="`+itoa(id)+`"`) {
			t.Fatal("customer filter")
		}

		// ONVIF is stored as pending while the connector asks the device
		// (here nothing answers: it then shows the reason); P&P waits.
		p = c.post("/cameras/new", "/cameras/new", url.Values{"type": {"onvif"}, "name": {"Door"},
			"onvif.address": {"192.168.1.30"}, "onvif.username": {"admin"}, "onvif.password": {"pw-123456"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("ONVIF: %d %.500s", p.Status, p.Body)
		}
		if p := c.get(p.Location); !strings.Contains(p.Body, "asking the device for its stream") ||
			!(strings.Contains(p.Body, "badge-pending") || strings.Contains(p.Body, "badge-offline")) {
			t.Fatalf("ONVIF camera page: %.500s", p.Body)
		}

		// A customer's admins see no registration form.
		cc := newClient(t, e)
		cc.signIn(w.C.Email, w.C.Password)
		if p := cc.get("/cameras/new"); p.Status != 200 || strings.Contains(p.Body, `id="camera-form"`) {
			t.Fatalf("customer's registration page: %d", p.Status)
		}
		if p := cc.get("/cameras"); !strings.Contains(p.Body, `data-camera="`+itoa(id2)+`"`) || strings.Contains(p.Body, `data-camera="`+itoa(id)+`"`) {
			t.Fatal("customer's camera list")
		}
	})
}

func TestCameraPagesManage(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		w := newCamPortal(t, e)
		c := w.c
		id := w.register(t, url.Values{"type": {"generic"}, "name": {"Gate"}, "rtsp_url": {"rtsp://10.0.0.5/s"}})
		path := "/cameras/" + itoa(id)

		// Assign: the plan must be one the customer may use.
		p := c.post(path, path+"/assign", url.Values{"customer_id": {itoa(w.C.ID)}, "plan_id": {itoa(w.Q)}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "plan_id") == "" {
			t.Fatalf("assign on a plan not offered: %d %q", p.Status, fieldError(p.Body, "plan_id"))
		}
		p = c.post(path, path+"/assign", url.Values{"customer_id": {itoa(w.C.ID)}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "plan_id") == "" {
			t.Fatalf("assign without plan: %d", p.Status)
		}
		if r := w.apiCamera(t, id); r.JSON["customer_id"] != nil {
			t.Fatalf("refused assignment was written: %s", r.Body)
		}
		if p := c.get(path + "?customer=" + itoa(w.C.ID)); !strings.Contains(p.Body, "Gold for C") {
			t.Fatal("the assign form does not list C's plans")
		}
		if p := c.post(path, path+"/assign", url.Values{"customer_id": {itoa(w.C.ID)}, "plan_id": {itoa(w.P)}}); p.Status != http.StatusSeeOther || p.Location != path {
			t.Fatalf("assign: %d %q %.500s", p.Status, p.Location, p.Body)
		}
		if r := w.apiCamera(t, id); int64(r.JSON["customer_id"].(float64)) != w.C.ID || int64(r.JSON["plan_id"].(float64)) != w.P {
			t.Fatalf("after assign: %s", r.Body)
		}
		if p := c.get(path); !strings.Contains(p.Body, "Customer C") || !strings.Contains(p.Body, "Gold for C") {
			t.Fatalf("camera page after assign: %.800s", p.Body)
		}

		// Switch off and on.
		if p := c.post(path, path+"/off", url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("off: %d", p.Status)
		}
		if r := w.apiCamera(t, id); r.JSON["enabled"] != false {
			t.Fatalf("after off: %s", r.Body)
		}
		if p := c.get(path); !strings.Contains(p.Body, "no live view and no new recording") || !strings.Contains(p.Body, `id="camera-on"`) {
			t.Fatal("switched-off page")
		}
		if p := c.post(path, path+"/on", url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("on: %d", p.Status)
		}
		if r := w.apiCamera(t, id); r.JSON["enabled"] != true {
			t.Fatalf("after on: %s", r.Body)
		}

		// Rename, with the error next to the field.
		if p := c.post(path, path+"/rename", url.Values{"name": {"  "}}); p.Status != http.StatusBadRequest || fieldError(p.Body, "name") == "" {
			t.Fatalf("empty name: %d", p.Status)
		}
		if p := c.post(path, path+"/rename", url.Values{"name": {"Front gate"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d", p.Status)
		}
		if r := w.apiCamera(t, id); r.JSON["name"] != "Front gate" {
			t.Fatalf("after rename: %s", r.Body)
		}

		// Recordings of the last day, listed as spans with a player link;
		// the API's recordings accept the portal's session cookie.
		now := time.Now().UTC().Truncate(time.Second)
		for i, start := range []time.Time{now.Add(-3 * time.Hour), now.Add(-3*time.Hour + time.Minute)} {
			s := camera.Segment{CameraID: id, Start: start, End: start.Add(time.Minute), Bytes: 1 << 20,
				Path: "seg" + itoa(int64(i)) + ".mp4", Codec: "h264", Width: 1280, Height: 720}
			if _, err := e.Main.Store.W().InsertSegment(context.Background(), &s); err != nil {
				t.Fatal(err)
			}
		}
		p = c.get(path)
		play := regexp.MustCompile(`href="(/cameras/\d+\?play=(\d+)&amp;dur=(\d+)#player)"`).FindStringSubmatch(p.Body)
		if play == nil || play[2] != itoa(now.Add(-3*time.Hour).UnixMilli()) || play[3] != "120" {
			t.Fatalf("recordings: %v %.3000s", play, p.Body)
		}
		if !strings.Contains(p.Body, "2 min 00 s") {
			t.Fatal("span length not shown as one merged span")
		}
		p = c.get(strings.ReplaceAll(play[1], "&amp;", "&"))
		want := `<video controls autoplay preload="metadata" src="/api/v1/cameras/` + itoa(id) + `/playback?start=` + play[2] + `&amp;duration=120"`
		if !strings.Contains(p.Body, want) {
			t.Fatalf("player missing: %.3000s", p.Body)
		}
		if p := c.get("/api/v1/cameras/" + itoa(id) + "/recordings"); p.Status != 200 || !strings.Contains(p.Body, `"bytes":2097152`) {
			t.Fatalf("API recordings with the session cookie: %d %s", p.Status, p.Body)
		}

		// The customer's Cameras tab links to the camera and to the filtered list.
		if p := c.get("/accounts/" + itoa(w.C.ID) + "/cameras"); !strings.Contains(p.Body, `href="`+path+`"`) ||
			!strings.Contains(p.Body, `href="/cameras?customer=`+itoa(w.C.ID)+`"`) {
			t.Fatalf("account Cameras tab: %.300s", p.Body)
		}

		// Unassign drops the plan too.
		if p := c.post(path, path+"/unassign", url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("unassign: %d", p.Status)
		}
		if r := w.apiCamera(t, id); r.JSON["customer_id"] != nil || r.JSON["plan_id"] != nil {
			t.Fatalf("after unassign: %s", r.Body)
		}

		// The delete dialog says the recordings go; without script the same
		// confirmation is a page.
		if p := c.get(path); !strings.Contains(p.Body, `<dialog id="delete-dialog"`) || !strings.Contains(p.Body, "all its recordings") {
			t.Fatal("delete dialog")
		}
		if p := c.get(path + "?confirm=delete"); !strings.Contains(p.Body, `<section class="card confirm">`) {
			t.Fatal("delete confirmation page")
		}
		if p := c.post(path, path+"/delete", url.Values{}); p.Status != http.StatusSeeOther || p.Location != "/cameras" {
			t.Fatalf("delete: %d %q", p.Status, p.Location)
		}
		e.Must(404, "GET", "/api/v1/cameras/"+itoa(id), w.A.Token, nil)
		if p := c.get(path); p.Status != http.StatusNotFound {
			t.Fatalf("deleted camera's page: %d", p.Status)
		}
	})
}

// TestCameraPagesAccess: another subtree's camera does not exist (404 on
// every page and form); forms without the token are refused and change
// nothing; a customer's admin may switch its camera but not move or delete it.
func TestCameraPagesAccess(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	w := newCamPortal(t, e)
	c := w.c
	id := w.register(t, url.Values{"type": {"generic"}, "name": {"Gate"}, "rtsp_url": {"rtsp://10.0.0.5/s"},
		"customer_id": {itoa(w.C.ID)}, "plan_id": {itoa(w.P)}})
	path := "/cameras/" + itoa(id)

	b := newClient(t, e)
	b.signIn(w.B.Email, w.B.Password)
	if p := b.get(path); p.Status != http.StatusNotFound {
		t.Fatalf("B reads A's camera: %d", p.Status)
	}
	for _, action := range []string{"off", "rename", "assign", "unassign", "delete"} {
		form := url.Values{"name": {"Mine now"}, "customer_id": {itoa(w.D.ID)}, "plan_id": {itoa(w.P)}}
		if p := b.post("/cameras", path+"/"+action, form); p.Status != http.StatusNotFound {
			t.Fatalf("B posts %s on A's camera: %d", action, p.Status)
		}
	}
	if p := b.get("/cameras"); strings.Contains(p.Body, `data-camera="`+itoa(id)+`"`) {
		t.Fatal("A's camera in B's list")
	}
	// Customer D of B in A's filter and assign form: not found / refused.
	if p := c.get("/cameras?customer=" + itoa(w.D.ID)); p.Status != http.StatusNotFound {
		t.Fatalf("A filters by B's customer: %d", p.Status)
	}
	if p := c.post(path, path+"/assign", url.Values{"customer_id": {itoa(w.D.ID)}, "plan_id": {itoa(w.P)}}); p.Status != http.StatusBadRequest ||
		fieldError(p.Body, "customer_id") == "" {
		t.Fatalf("A assigns to B's customer: %d", p.Status)
	}

	// No form token: refused, nothing changes.
	if p := c.do("POST", path+"/delete", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("delete without token: %d", p.Status)
	}
	if p := c.do("POST", path+"/off", url.Values{"csrf": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("off with a wrong token: %d", p.Status)
	}
	if p := c.do("POST", "/cameras/new", url.Values{"type": {"generic"}, "name": {"Sneaky"}, "rtsp_url": {"rtsp://10.0.0.9/s"}}); p.Status != http.StatusForbidden {
		t.Fatalf("register without token: %d", p.Status)
	}
	if r := w.apiCamera(t, id); r.JSON["enabled"] != true {
		t.Fatalf("refused post changed the camera: %s", r.Body)
	}
	if n := w.cameraCount(t); n != 1 {
		t.Fatalf("%d cameras after refused posts", n)
	}

	// The customer's admin: switch off yes; move and delete no.
	cc := newClient(t, e)
	cc.signIn(w.C.Email, w.C.Password)
	p := cc.get(path)
	if p.Status != 200 || strings.Contains(p.Body, `id="camera-delete"`) || strings.Contains(p.Body, `id="assign-form"`) {
		t.Fatalf("customer's camera page: %d", p.Status)
	}
	if p := cc.post(path, path+"/off", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("customer switches off: %d", p.Status)
	}
	if p := cc.post(path, path+"/delete", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("customer deletes: %d %.300s", p.Status, p.Body)
	}
	if p := cc.post(path, path+"/unassign", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("customer unassigns: %d", p.Status)
	}
	if r := w.apiCamera(t, id); r.JSON["enabled"] != false || r.JSON["customer_id"] == nil {
		t.Fatalf("after the customer's posts: %s", r.Body)
	}
}

// TestCameraPagesInBrowser: in Chromium, the registration form shows only
// the chosen type's fields, choosing a customer brings its plans, and the
// delete button opens a dialog that says the recordings go too.
func TestCameraPagesInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{})
	w := newCamPortal(t, e)
	base := e.Main.Config.BaseURL
	b := &browser{t: t, ctx: ctx, base: base}
	b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), w.A.Email), chromedp.SendKeys(chromedp.CSS("#f-password"), w.A.Password+"\r"))
	b.waitPath("/")

	b.do(chromedp.Navigate(base + "/cameras/new"))
	b.waitPath("/cameras/new")
	if v := b.eval(`[document.getElementById("generic-box").hidden, document.getElementById("onvif-box").hidden, document.getElementById("pnp-box").hidden].join()`); v != "false,true,true" {
		t.Fatalf("boxes for generic (generic,onvif,pnp hidden): %s", v)
	}
	b.do(chromedp.Click(chromedp.CSS("#type-onvif")))
	if v := b.eval(`[document.getElementById("generic-box").hidden, document.getElementById("onvif-box").hidden, document.getElementById("pnp-box").hidden].join()`); v != "true,false,true" {
		t.Fatalf("boxes for ONVIF: %s", v)
	}
	testenv.Screenshot(t, ctx, "camera-register-onvif")
	b.do(chromedp.Click(chromedp.CSS("#type-generic")))
	// Choosing the customer reloads the page with its plans.
	b.do(chromedp.SetValue(chromedp.CSS("#c-customer"), itoa(w.C.ID))) // fires "change": the select submits itself
	b.waitPath("/cameras/new?type=generic&customer=" + itoa(w.C.ID))
	b.do(chromedp.WaitVisible(chromedp.CSS("#f-plan_id")), chromedp.SetValue(chromedp.CSS("#f-plan_id"), itoa(w.P)),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Gate"), chromedp.SendKeys(chromedp.CSS("#f-rtsp_url"), "rtsp://10.0.0.5/s"))
	testenv.Screenshot(t, ctx, "camera-register")
	b.do(chromedp.Click(chromedp.CSS("#camera-create")), chromedp.WaitVisible(chromedp.CSS("#camera-status")))
	if s := b.text(".flash"); !strings.Contains(s, "Gate registered") {
		t.Fatalf("flash %q", s)
	}
	testenv.Screenshot(t, ctx, "camera-details")
	b.do(chromedp.Click(chromedp.CSS("#camera-delete")), chromedp.WaitVisible(chromedp.CSS("#delete-dialog #confirm-camera-delete")))
	if s := b.text("#delete-dialog"); !strings.Contains(s, "all its recordings") {
		t.Fatalf("delete dialog: %q", s)
	}
	testenv.Screenshot(t, ctx, "camera-delete-dialog")
	b.do(chromedp.Click(chromedp.CSS("#confirm-camera-delete")))
	b.waitPath("/cameras")
	testenv.Screenshot(t, ctx, "camera-list")
}
