package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/media/simcam"
	"github.com/vigilo/vigilo/internal/testenv"
	"github.com/vigilo/vigilo/internal/webhook"
)

// receiver is a real HTTP webhook receiver on 127.0.0.1 that can be taken
// down (its listener closed) and brought back on the same port.
type receiver struct {
	t      *testing.T
	addr   string
	secret string
	mu     sync.Mutex
	srv    *http.Server
	got    []webhook.Payload
	bad    int // deliveries with a wrong signature
}

func startReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{t: t, secret: secret}
	r.up("127.0.0.1:0")
	t.Cleanup(r.down)
	return r
}

func (r *receiver) url() string { return "http://" + r.addr + "/hook" }

func (r *receiver) up(addr string) {
	r.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port of a just-closed listener may linger briefly
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !webhook.Verify(r.secret, body, req.Header.Get(webhook.SignatureHeader)) {
			r.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			r.bad++
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.got = append(r.got, p)
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 5 * time.Second}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (r *receiver) down() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// events returns the names of the deliveries received so far, in order.
func (r *receiver) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.got))
	for i, p := range r.got {
		out[i] = p.Event
	}
	return out
}

func (r *receiver) waitEvents(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for strings.Join(r.events(), ",") != want {
		if time.Now().After(deadline) {
			t.Fatalf("webhook deliveries %v, want %s", r.events(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func startSim(t *testing.T) *simcam.Server {
	t.Helper()
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := simcam.GenerateClip(ctx, filepath.Join(os.TempDir(), "vigilo-simcam-clips"),
		simcam.ClipOptions{Width: 320, Height: 240, FPS: 10, GOP: 10, BitrateKbps: 200, Seconds: 4})
	if err != nil {
		t.Fatal(err)
	}
	clip, err := simcam.LoadClip(p)
	if err != nil {
		t.Fatal(err)
	}
	s := simcam.New(clip)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// mailsTo counts the messages to addr whose subject is subject.
func mailsTo(t *testing.T, mp *testenv.MailpitServer, addr, subject string) int {
	n := 0
	for _, m := range mp.Messages(t) {
		if m.Subject == subject && len(m.To) == 1 && strings.EqualFold(m.To[0], addr) {
			n++
		}
	}
	return n
}

// TestOfflineAlertEndToEnd: a camera stops → after the account's debounce
// exactly one e-mail per recipient (read from Mailpit) and one signed
// webhook; it returns → one recovery notice each; the receiver being down
// meanwhile only delays its delivery. Both databases.
func TestOfflineAlertEndToEnd(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		sim := startSim(t)
		mp := testenv.Mailpit(t)
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{
			"VIGILO_SMTP_HOST": mp.SMTPHost, "VIGILO_SMTP_PORT": strconv.Itoa(mp.SMTPPort),
			"VIGILO_SMTP_FROM": "Vigilo <no-reply@vigilo.test>", "VIGILO_MAIL_INTERVAL": "100ms",
			"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s",
			// The server default would never fire in this test: the
			// integrator's own 2 s debounce, inherited by its customer's
			// camera, is what does.
			"VIGILO_OFFLINE_AFTER": "1h", "VIGILO_HEALTH_INTERVAL": "200ms",
			"VIGILO_WEBHOOK_ALLOW": "127.0.0.1/32", "VIGILO_WEBHOOK_RETRY_MIN": "300ms",
		}})
		A := e.CreateAccount(e.Root, 1, "integrator", "Integrator A")
		C := e.CreateAccount(A.Token, A.ID, "customer", "Customer C")
		plan := offerPlan(t, e, A, C)
		acct := "/api/v1/accounts/" + strconv.FormatInt(A.ID, 10)

		// Bad input names the field.
		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"offline_after": "soon"}, "offline_after"},
			{map[string]any{"offline_after": "0s"}, "offline_after"},
			{map[string]any{"offline_after": 5}, "offline_after"},
			{map[string]any{"contacts": []string{"not an address"}}, "contacts[0]"},
		} {
			r := e.Do("PUT", acct+"/alerts", A.Token, c.body)
			if r.Status != 400 || r.Fields()[c.field] == nil {
				t.Fatalf("PUT alerts %v: %d %s, want 400 naming %s", c.body, r.Status, r.Body, c.field)
			}
		}
		rcv := startReceiver(t, "receiver-secret-0123")
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": "http://10.1.2.3/hook", "events": []string{"camera.offline"}, "secret": rcv.secret}, "url"},
			{map[string]any{"url": "http://127.0.0.2/hook", "events": []string{"camera.offline"}, "secret": rcv.secret}, "url"},
			{map[string]any{"url": "gopher://127.0.0.1/x", "events": []string{"camera.offline"}, "secret": rcv.secret}, "url"},
			{map[string]any{"url": rcv.url(), "events": []string{"camera.melted"}, "secret": rcv.secret}, "events"},
			{map[string]any{"url": rcv.url(), "events": []string{"camera.offline"}, "secret": "short"}, "secret"},
		} {
			r := e.Do("POST", acct+"/webhooks", A.Token, c.body)
			if r.Status != 400 || r.Fields()[c.field] == nil {
				t.Fatalf("POST webhook %v: %d %s, want 400 naming %s", c.body, r.Status, r.Body, c.field)
			}
		}
		if n := len(e.Must(200, "GET", acct+"/webhooks", A.Token, nil).Items()); n != 0 {
			t.Fatalf("%d webhooks after refused requests", n)
		}
		// Another tenant's webhooks do not exist for C.
		if r := e.Do("GET", acct+"/webhooks", C.Token, nil); r.Status != 404 {
			t.Fatalf("customer reads its integrator's webhooks: %d", r.Status)
		}

		const contact = "noc@integrator-a.test"
		set := e.Must(200, "PUT", acct+"/alerts", A.Token, map[string]any{"offline_after": "2s", "contacts": []string{contact}}).JSON
		if set["effective_offline_after"] != "2s" {
			t.Fatalf("alert settings %v", set)
		}
		inh := e.Must(200, "GET", "/api/v1/accounts/"+strconv.FormatInt(C.ID, 10)+"/alerts", A.Token, nil).JSON
		if inh["effective_offline_after"] != "2s" || inh["offline_after"] != nil || inh["inherited_from"] != float64(A.ID) {
			t.Fatalf("customer's settings do not inherit the integrator's debounce: %v", inh)
		}
		wh := e.Must(201, "POST", acct+"/webhooks", A.Token, map[string]any{"url": rcv.url(),
			"events": []string{"camera.offline", "camera.online"}, "secret": rcv.secret}).JSON
		if _, shown := wh["secret"]; shown {
			t.Fatal("the webhook's secret is shown back")
		}

		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Lobby",
			"rtsp_url": sim.URL(1), "customer_id": C.ID, "plan_id": plan}).ID()
		camURL := "/api/v1/cameras/" + strconv.FormatInt(cam, 10)
		waitStatus(t, e, camURL, A.Token, true, 20*time.Second)
		waitWatched(t, e, acct, A.Token, 10*time.Second) // the monitor has seen it online

		// The camera stops: one alert after the debounce.
		stopped := time.Now()
		sim.Stop()
		const offSubject, onSubject = "Camera Lobby is offline", "Camera Lobby is back online"
		mp.WaitMessage(t, A.Email, offSubject, 30*time.Second)
		if since := time.Since(stopped); since < 2*time.Second {
			t.Fatalf("alert after %s, before the 2 s debounce", since)
		}
		mp.WaitMessage(t, contact, offSubject, 10*time.Second)
		rcv.waitEvents(t, "camera.offline", 10*time.Second)
		st := e.Must(200, "GET", camURL, A.Token, nil).JSON["status"].(map[string]any)
		if st["online"] != false || st["reason"] == "" || st["last_seen_at"] == nil {
			t.Fatalf("status while offline: %v", st)
		}
		// Several debounces later: still exactly one of each.
		time.Sleep(5 * time.Second)
		if n, m := mailsTo(t, mp, A.Email, offSubject), mailsTo(t, mp, contact, offSubject); n != 1 || m != 1 {
			t.Fatalf("offline mails: owner %d, contact %d; want one each", n, m)
		}
		rcv.waitEvents(t, "camera.offline", time.Second)

		// The receiver goes down; the camera returns: the recovery mail
		// arrives, the webhook waits in the outbox, retried.
		rcv.down()
		if err := sim.Start(""); err != nil {
			t.Fatal(err)
		}
		mp.WaitMessage(t, A.Email, onSubject, 30*time.Second)
		mp.WaitMessage(t, contact, onSubject, 10*time.Second)
		deadline := time.Now().Add(15 * time.Second)
		for {
			items := e.Must(200, "GET", acct+"/webhooks/deliveries", A.Token, nil).Items()
			if len(items) == 2 && items[0]["event"] == "camera.online" && items[0]["status"] == "retrying" &&
				items[0]["last_error"] != "" && items[1]["status"] == "delivered" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivery log while the receiver is down: %v", items)
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // down a while longer: several failed attempts
		rcv.up(rcv.addr)
		rcv.waitEvents(t, "camera.offline,camera.online", 30*time.Second)
		items := e.Must(200, "GET", acct+"/webhooks/deliveries", A.Token, nil).Items()
		if items[0]["status"] != "delivered" || items[0]["attempts"].(float64) < 2 {
			t.Fatalf("delivery log after the receiver returned: %v", items[0])
		}
		if rcv.bad != 0 {
			t.Fatalf("%d deliveries with a bad signature", rcv.bad)
		}
		if n := mailsTo(t, mp, A.Email, onSubject); n != 1 {
			t.Fatalf("%d recovery mails to the owner", n)
		}

		// The fleet health page of A covers the camera: back online, one
		// outage, uptime below 100 %.
		waitStatus(t, e, camURL, A.Token, true, 20*time.Second)
		fh := e.Must(200, "GET", acct+"/health", A.Token, nil)
		rows := fh.Items()
		if len(rows) != 1 || rows[0]["camera_id"] != float64(cam) || rows[0]["online"] != true || rows[0]["outages_24h"] != float64(1) {
			t.Fatalf("fleet health: %s", fh.Body)
		}
		if up, _ := rows[0]["uptime_24h"].(float64); up <= 0 || up >= 1 {
			t.Fatalf("uptime %v after an outage", rows[0]["uptime_24h"])
		}
		if r := e.Do("GET", acct+"/health?flag=broken", A.Token, nil); r.Status != 400 || r.Fields()["flag"] == nil {
			t.Fatalf("bad flag: %d %s", r.Status, r.Body)
		}
		if n := len(e.Must(200, "GET", acct+"/health?flag=offline", A.Token, nil).Items()); n != 0 {
			t.Fatalf("%d offline cameras after recovery", n)
		}
		// The outage is a camera event on the timeline, ended at recovery.
		var evs []map[string]any
		if err := json.Unmarshal(e.Must(200, "GET", camURL+"/events", C.Token, nil).Body, &evs); err != nil {
			t.Fatal(err)
		}
		var outages int
		for _, ev := range evs {
			if ev["type"] == "offline" && ev["end"] != nil {
				outages++
			}
		}
		if outages != 1 {
			t.Fatalf("camera events %v, want one ended offline span", evs)
		}
	})
}

// offerPlan creates a recording plan offered to integrator A and its
// customer C.
func offerPlan(t *testing.T, e *apitest.Env, A, C apitest.Account) int64 {
	t.Helper()
	plan := e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "7 days", "kind": "fixed",
		"retention_days": 7, "recording_mode": "continuous", "price": "10.0000"}).ID()
	e.Must(200, "PUT", "/api/v1/accounts/"+strconv.FormatInt(A.ID, 10)+"/plans/"+strconv.FormatInt(plan, 10), e.Root,
		map[string]any{"selected": true, "visible": true, "cost": "5.0000", "end_user_price": "8.0000"})
	e.Must(200, "PUT", "/api/v1/accounts/"+strconv.FormatInt(C.ID, 10)+"/plans/"+strconv.FormatInt(plan, 10), A.Token,
		map[string]any{"selected": true, "visible": true, "cost": "8.0000"})
	return plan
}

// waitWatched waits until the fleet health report shows the camera online,
// i.e. the health monitor has sampled it since it came up.
func waitWatched(t *testing.T, e *apitest.Env, acct, token string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rows := e.Must(200, "GET", acct+"/health", token, nil).Items()
		if len(rows) == 1 && rows[0]["watched"] == true && rows[0]["online"] == true {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fleet health never shows the camera online: %v", rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, e *apitest.Env, camURL, token string, online bool, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := e.Must(200, "GET", camURL, token, nil).JSON["status"].(map[string]any)
		if st["online"] == online {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("camera status %v, want online=%v", st, online)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
