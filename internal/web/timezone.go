package web

import "time"

// accountZone is the time zone the signed-in account shows times in.
func accountZone(q *req) *time.Location {
	return time.UTC
}
