package tenancy

import (
	"strings"
	"time"
	// The zone database is built into the binary, so a server without
	// /usr/share/zoneinfo (a scratch container) knows every IANA name too.
	_ "time/tzdata"

	"github.com/vigilo/vigilo/internal/errs"
)

// DefaultTimeZone is the zone of an account that has none set yet.
const DefaultTimeZone = "UTC"

// CheckTimeZone validates an IANA time zone name ("Europe/Stockholm") for
// field. "Local" is refused: it would mean the server's zone, which says
// nothing about where the account is.
func CheckTimeZone(f errs.Fields, field, name string) {
	if name == "" || name == "Local" || strings.TrimSpace(name) != name {
		f.Add(field, "must be an IANA time zone name such as Europe/Stockholm")
		return
	}
	if _, err := time.LoadLocation(name); err != nil {
		f.Add(field, "must be an IANA time zone name such as Europe/Stockholm")
	}
}

// Location is the time zone the account shows times in: its setting, or
// DefaultTimeZone when none is set (or the name stopped being known).
func (a Account) Location() *time.Location {
	if a.TimeZone != "" {
		if loc, err := time.LoadLocation(a.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// Zone is the name of the account's time zone, DefaultTimeZone when unset.
func (a Account) Zone() string {
	if a.TimeZone == "" {
		return DefaultTimeZone
	}
	return a.TimeZone
}
