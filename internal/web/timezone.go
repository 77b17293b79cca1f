package web

import (
	"net/http"
	"sync"
	"time"
)

// Times in the portal show in the signed-in account's time zone
// (tenancy.Account.TimeZone), not in UTC. The template functions that format
// times ("date", "datetime", "clock") are bound to a zone when the templates
// are parsed, so each zone in use gets its own parsed set, made once on first
// use and kept (a server sees a handful of zones).

// accountZone is the time zone the signed-in account shows times in (UTC
// for signed-out pages and accounts without one).
func accountZone(q *req) *time.Location {
	if q == nil {
		return time.UTC
	}
	return q.Account.Location()
}

// zoned caches the template sets per zone name.
type zoned struct {
	mu   sync.Mutex
	sets map[string]*templates
}

func (z *zoned) get(loc *time.Location) *templates {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t, ok := z.sets[loc.String()]; ok {
		return t
	}
	if z.sets == nil {
		z.sets = map[string]*templates{}
	}
	t := mustParseTemplatesIn(loc)
	z.sets[loc.String()] = t
	return t
}

// zoneName is how a moment's zone is written after it: "UTC", "CET", or
// "+03" where the zone has no abbreviation.
func zoneName(t time.Time, loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	return t.In(loc).Format("MST")
}

// clockText is a moment to the second in loc, with its zone.
func clockText(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 ") + zoneName(t, loc)
}

// timeFuncs are the time formats of the templates, in loc.
func timeFuncs(loc *time.Location) map[string]any {
	return map[string]any{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02")
		},
		"datetime": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return "never"
			}
			return t.In(loc).Format("2006-01-02 15:04 ") + zoneName(*t, loc)
		},
		// clock is a moment to the second, with its zone.
		"clock": func(t time.Time) string { return clockText(t, loc) },
		// minute is the time of day to the minute, with its zone: when a
		// figure that is refreshed every few minutes was read.
		"minute": func(t time.Time) string { return t.In(loc).Format("15:04 ") + zoneName(t, loc) },
		// clockTime is the time of day only, for the end of a span.
		"clockTime": func(t time.Time) string { return t.In(loc).Format("15:04:05") },
	}
}

// adoptBrowserZone gives the account of a fresh session the zone the
// sign-in form reported, if the account has none yet.
func (p *Portal) adoptBrowserZone(r *http.Request, token string) {
	tz := r.PostFormValue("tz")
	if tz == "" {
		return
	}
	actor, err := p.App.Authenticate(r.Context(), token)
	if err != nil {
		return
	}
	if err := p.App.AdoptTimeZone(r.Context(), actor, tz); err != nil {
		p.Log.Warn("adopt the browser's time zone", "account", actor.AccountID, "err", err)
	}
}

// commonZones are offered as suggestions in the time zone field; any IANA
// name is accepted.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Zurich", "Europe/Vienna", "Europe/Stockholm",
	"Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Warsaw", "Europe/Prague", "Europe/Athens",
	"Europe/Istanbul", "Europe/Kyiv", "Africa/Johannesburg", "Africa/Lagos", "Africa/Cairo", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
	"Pacific/Auckland", "America/Sao_Paulo", "America/Mexico_City", "America/New_York", "America/Chicago",
	"America/Denver", "America/Los_Angeles", "America/Toronto", "America/Vancouver",
}
