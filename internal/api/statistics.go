package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
)

func statisticsRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/statistics", Tag: "accounts",
			Summary: "An account's statistics: sub-accounts, users, cameras, storage, traffic and money over a period (R7)",
			Query: []Param{{"from", "string", "start, YYYY-MM-DD (UTC), RFC 3339 time or unix ms, rounded down to its day; default: the first day of this month"},
				{"to", "string", "end, exclusive, same forms, rounded up to a whole day; default: the first day of the month after from; at most 366 days after from"}},
			Response: StatisticsJSON{}, Handler: h((*Server).accountStatistics)},
	}
}

// StatisticsJSON is an account's statistics tab. Money is decimal strings;
// owes_above is what the account pays its parent for the period, never
// anything paid further up.
type StatisticsJSON struct {
	AccountID int64           `json:"account_id"`
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	From      string          `json:"from"` // YYYY-MM-DD, first day
	To        string          `json:"to"`   // YYYY-MM-DD, exclusive
	Days      int             `json:"days"`
	Accounts  statAccountsDoc `json:"accounts"`
	Users     int             `json:"users"`
	Cameras   statCamerasDoc  `json:"cameras"`
	// StorageBytes is what the subtree's recordings occupy now.
	StorageBytes int64 `json:"storage_bytes"`
	// TrafficBytes is what playback served over the period.
	TrafficBytes int64         `json:"traffic_bytes"`
	Money        StatementJSON `json:"money"`
	Daily        []statDayJSON `json:"daily"`
	// AsOf is when money, traffic_bytes and daily were read (RFC 3339,
	// UTC): for the default period (the running month) the last
	// statistics pass, at most a few minutes ago; for a range asked for,
	// now. The counts are always now.
	AsOf time.Time `json:"as_of"`
}

type statAccountsDoc struct {
	Integrators int `json:"integrators"`
	Customers   int `json:"customers"`
}

type statCamerasDoc struct {
	Total     int `json:"total"`
	Online    int `json:"online"`
	Recording int `json:"recording"`
}

// statDayJSON is one day of the charts: bytes served and the day's storage
// snapshot.
type statDayJSON struct {
	Day          string `json:"day"`
	TrafficBytes int64  `json:"traffic_bytes"`
	StorageBytes int64  `json:"storage_bytes"`
}

// StatementJSON is an account's money over the period.
type StatementJSON struct {
	OwesAbove ChargesJSON     `json:"owes_above"`
	OwedBelow money.Amount    `json:"owed_below"`
	Margin    money.Amount    `json:"margin"`
	Children  []ChildOwesJSON `json:"children"`
}

// ChargesJSON is what one account pays its parent over the period.
type ChargesJSON struct {
	FixedCameras    int          `json:"fixed_cameras"`
	UnpricedCameras int          `json:"unpriced_cameras"`
	Fixed           money.Amount `json:"fixed"`
	StorageGBMonths money.Amount `json:"storage_gb_months"`
	Storage         money.Amount `json:"storage"`
	TrafficGB       money.Amount `json:"traffic_gb"`
	Traffic         money.Amount `json:"traffic"`
	Total           money.Amount `json:"total"`
}

// ChildOwesJSON is what one direct child owes the account.
type ChildOwesJSON struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	ChargesJSON
}

func chargesJSON(c billing.Charges) ChargesJSON {
	return ChargesJSON{FixedCameras: c.FixedCameras, UnpricedCameras: c.UnpricedCameras, Fixed: c.Fixed,
		StorageGBMonths: c.StorageGBMonths, Storage: c.Storage, TrafficGB: c.TrafficGB, Traffic: c.Traffic, Total: c.Total}
}

func statisticsJSON(s app.Statistics) StatisticsJSON {
	out := StatisticsJSON{AccountID: s.Account.ID, Name: s.Account.Name, Type: string(s.Account.Type),
		From: s.Period.FromDay(), To: s.Period.ToDay(), Days: s.Period.Days,
		Accounts: statAccountsDoc{Integrators: s.Integrators, Customers: s.Customers}, Users: s.Users,
		Cameras:      statCamerasDoc{Total: s.Cameras.Total, Online: s.Cameras.Online, Recording: s.Cameras.Recording},
		StorageBytes: s.Cameras.StorageBytes, TrafficBytes: s.TrafficBytes,
		Money: StatementJSON{OwesAbove: chargesJSON(s.Money.OwesAbove), OwedBelow: s.Money.OwedBelow, Margin: s.Money.Margin,
			Children: []ChildOwesJSON{}},
		Daily: make([]statDayJSON, len(s.Traffic)), AsOf: s.AsOf.UTC(),
	}
	for _, c := range s.Money.Children {
		out.Money.Children = append(out.Money.Children, ChildOwesJSON{AccountID: c.AccountID, Name: c.Name, ChargesJSON: chargesJSON(c.Charges)})
	}
	storage := map[string]int64{}
	for _, d := range s.Storage {
		storage[d.Day] = d.Bytes
	}
	for i, d := range s.Traffic {
		out.Daily[i] = statDayJSON{Day: d.Day, TrafficBytes: d.Bytes, StorageBytes: storage[d.Day]}
	}
	return out
}

func (s *Server) accountStatistics(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := errs.Fields{}
	from, to := queryDay(r, f, "from"), queryDay(r, f, "to")
	if err := f.Err(); err != nil {
		return err
	}
	st, err := s.App.Statistics(r.Context(), actor(r), id, from, to)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, statisticsJSON(st))
	return nil
}

// queryDay reads a YYYY-MM-DD day (UTC midnight), or whatever queryTime
// reads; an absent value is the zero time (the default).
func queryDay(r *http.Request, f errs.Fields, name string) time.Time {
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(r.URL.Query().Get(name))); err == nil {
		return t
	}
	sub := errs.Fields{}
	t := queryTime(r, sub, name)
	if sub.Has(name) {
		f.Add(name, "must be a day (2026-01-31), an RFC 3339 time (2026-01-31T15:04:05Z) or unix milliseconds")
	}
	return t
}
