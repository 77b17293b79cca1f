package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/webhook"
)

// WebhookJSON is a webhook; its secret is never shown after creation.
type WebhookJSON struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// DeliveryJSON is one entry of the delivery log.
type DeliveryJSON struct {
	ID          int64           `json:"id"`
	WebhookID   int64           `json:"webhook_id"`
	Event       string          `json:"event"`
	Status      string          `json:"status"` // pending, retrying, delivered
	Attempts    int             `json:"attempts"`
	LastStatus  int             `json:"last_status,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	NextAttempt *time.Time      `json:"next_attempt_at,omitempty"`
	DeliveredAt *time.Time      `json:"delivered_at,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	Body        json.RawMessage `json:"body"`
}

// AlertSettingsJSON is an account's alert settings.
type AlertSettingsJSON struct {
	OfflineAfter          *string  `json:"offline_after"` // the account's own, null when inherited
	EffectiveOfflineAfter string   `json:"effective_offline_after"`
	InheritedFrom         *int64   `json:"inherited_from,omitempty"` // the account that set it; absent: server default
	Contacts              []string `json:"contacts"`
}

type alertSettingsRequest struct {
	// OfflineAfter: a duration ("10m"); null returns to the inherited one;
	// absent leaves it.
	OfflineAfter json.RawMessage `json:"offline_after,omitempty"`
	Contacts     *[]string       `json:"contacts,omitempty"`
}

// FleetCameraJSON is one row of the fleet health report.
type FleetCameraJSON struct {
	CameraID      int64      `json:"camera_id"`
	Name          string     `json:"name"`
	CustomerID    *int64     `json:"customer_id"`
	CustomerName  string     `json:"customer_name,omitempty"`
	Enabled       bool       `json:"enabled"`
	Watched       bool       `json:"watched"` // false: not recording, so not monitored
	Online        bool       `json:"online"`
	Since         *time.Time `json:"since,omitempty"`
	LastSeenAt    *time.Time `json:"last_seen_at,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	BitrateKbps   int        `json:"bitrate_kbps"`
	MaxBitrate    int        `json:"max_bitrate_kbps,omitempty"`
	Uptime24h     *float64   `json:"uptime_24h"`
	Uptime7d      *float64   `json:"uptime_7d"`
	Outages24h    int        `json:"outages_24h"`
	GapSeconds24h int64      `json:"gap_seconds_24h"`
	OldestAt      *time.Time `json:"oldest_recording_at,omitempty"`
	RetentionDays int        `json:"retention_days,omitempty"`
	Flags         []string   `json:"flags"`
}

// FleetHealthJSON is the fleet health report of a subtree.
type FleetHealthJSON struct {
	List[FleetCameraJSON]
	Counts map[string]int `json:"counts"` // cameras per flag in the whole subtree
}

func alertRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/webhooks", Tag: "alerts", Summary: "The account's webhooks",
			Response: List[WebhookJSON]{}, Handler: h((*Server).listWebhooks)},
		{Method: "POST", Path: "/accounts/{id}/webhooks", Tag: "alerts", Summary: "Add a webhook: events among camera.offline, camera.online, motion; deliveries are signed X-Vigilo-Signature: sha256=<hex HMAC-SHA256 of the body with secret>; the URL must pass the webhook-address policy (VIGILO_WEBHOOK_ALLOW)",
			Request: webhookRequest{}, Response: WebhookJSON{}, Handler: h((*Server).createWebhook)},
		{Method: "DELETE", Path: "/accounts/{id}/webhooks/{wid}", Tag: "alerts", Summary: "Remove a webhook and its undelivered deliveries",
			Handler: h((*Server).deleteWebhook)},
		{Method: "GET", Path: "/accounts/{id}/webhooks/deliveries", Tag: "alerts", Summary: "The delivery log of the account's webhooks, newest first",
			Query:    append([]Param{{"webhook_id", "integer", "only this webhook"}}, pageParams...),
			Response: List[DeliveryJSON]{}, Handler: h((*Server).listDeliveries)},
		{Method: "GET", Path: "/accounts/{id}/alerts", Tag: "alerts", Summary: "Offline-alert settings: the debounce (own or inherited) and notification contacts",
			Response: AlertSettingsJSON{}, Handler: h((*Server).getAlertSettings)},
		{Method: "PUT", Path: "/accounts/{id}/alerts", Tag: "alerts", Summary: "Set the account's offline debounce for its subtree (null inherits) and its notification contacts",
			Request: alertSettingsRequest{}, Response: AlertSettingsJSON{}, Handler: h((*Server).putAlertSettings)},
		{Method: "GET", Path: "/accounts/{id}/health", Tag: "alerts", Summary: "Fleet health of the account's subtree: online state, uptime, outages, recording gaps, bitrate and retention flags; problems first",
			Query:    append([]Param{{"flag", "string", "offline, flapping, gaps, over_bitrate or retention_at_risk"}, {"q", "string", "part of the camera or customer name"}}, pageParams...),
			Response: FleetHealthJSON{}, Handler: h((*Server).fleetHealth)},
	}
}

func webhookJSON(w webhook.Webhook) WebhookJSON {
	return WebhookJSON{ID: w.ID, AccountID: w.AccountID, URL: w.URL, Events: w.Events, CreatedAt: w.CreatedAt}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hooks, err := s.App.Webhooks(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := make([]WebhookJSON, len(hooks))
	for i, hk := range hooks {
		out[i] = webhookJSON(hk)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in webhookRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	hk, err := s.App.CreateWebhook(r.Context(), actor(r), id, webhook.Input{URL: in.URL, Events: in.Events, Secret: in.Secret})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, webhookJSON(hk))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	wid, err := pathID(r, "wid")
	if err != nil {
		return err
	}
	if err := s.App.DeleteWebhook(r.Context(), actor(r), id, wid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := errs.Fields{}
	wid, p := queryInt(r, f, "webhook_id"), page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	items, total, p, err := s.App.WebhookDeliveries(r.Context(), actor(r), id, wid, p)
	if err != nil {
		return err
	}
	out := make([]DeliveryJSON, len(items))
	for i, d := range items {
		out[i] = deliveryJSON(d)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func deliveryJSON(d webhook.Delivery) DeliveryJSON {
	j := DeliveryJSON{ID: d.ID, WebhookID: d.WebhookID, Event: d.Event, Status: d.Status(), Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastError: d.LastError, DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt, Body: d.Body}
	if d.DeliveredAt == nil {
		t := d.NextAttempt
		j.NextAttempt = &t
	}
	if !json.Valid(j.Body) {
		j.Body = json.RawMessage("null")
	}
	return j
}

func alertSettingsJSON(a app.AlertSettings) AlertSettingsJSON {
	j := AlertSettingsJSON{EffectiveOfflineAfter: a.Effective.String(), Contacts: a.Contacts}
	if a.OfflineAfter != nil {
		s := a.OfflineAfter.String()
		j.OfflineAfter = &s
	}
	if a.InheritedFrom != 0 {
		j.InheritedFrom = &a.InheritedFrom
	}
	return j
}

func (s *Server) getAlertSettings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.App.AccountAlertSettings(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, alertSettingsJSON(a))
	return nil
}

func (s *Server) putAlertSettings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req alertSettingsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	in := app.AlertSettingsInput{Contacts: req.Contacts}
	switch raw := string(req.OfflineAfter); raw {
	case "":
	case "null":
		in.ClearOfflineAfter = true
	default:
		var v string
		if err := json.Unmarshal(req.OfflineAfter, &v); err != nil {
			return errs.Field("offline_after", `must be a duration string such as "10m", or null`)
		}
		d, err := app.ParseOfflineAfter("offline_after", v)
		if err != nil {
			return err
		}
		in.OfflineAfter = &d
	}
	a, err := s.App.SetAccountAlertSettings(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, alertSettingsJSON(a))
	return nil
}

func (s *Server) fleetHealth(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := errs.Fields{}
	q := r.URL.Query()
	in := app.FleetFilter{Flag: q.Get("flag"), Q: q.Get("q"), Page: page(r, f)}
	if err := f.Err(); err != nil {
		return err
	}
	res, err := s.App.AccountFleetHealth(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	out := make([]FleetCameraJSON, len(res.Items))
	for i, c := range res.Items {
		out[i] = fleetCameraJSON(c)
	}
	httpx.WriteJSON(w, http.StatusOK, FleetHealthJSON{List: list(out, res.Page, res.Total), Counts: res.Counts})
	return nil
}

func fleetCameraJSON(c health.FleetCamera) FleetCameraJSON {
	j := FleetCameraJSON{CameraID: c.CameraID, Name: c.Name, CustomerID: optInt(c.CustomerID), CustomerName: c.CustomerName,
		Enabled: c.Enabled, Watched: c.Watched, Online: c.Watched && c.State.Online, Reason: c.State.Reason,
		BitrateKbps: c.State.BitrateKbps, MaxBitrate: c.MaxBitrateKbps, Uptime24h: c.Uptime24h, Uptime7d: c.Uptime7d,
		Outages24h: c.Outages24h, GapSeconds24h: int64(c.GapTime / time.Second), OldestAt: c.OldestSegment,
		RetentionDays: c.RetentionDays, Flags: append([]string{}, c.Flags...)}
	if c.Watched {
		since := c.State.Since
		j.Since = &since
		if !c.State.LastSeen.IsZero() {
			seen := c.State.LastSeen
			j.LastSeenAt = &seen
		}
	}
	return j
}
