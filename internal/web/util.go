package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/tenancy"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// parsePlanField parses "plans[3].cost" into 3 and "cost".
func parsePlanField(k string, i *int, sub *string) (int, error) {
	rest, ok := strings.CutPrefix(k, "plans[")
	if !ok {
		return 0, nil
	}
	num, field, ok := strings.Cut(rest, "].")
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, err
	}
	*i, *sub = n, field
	return 2, nil
}

// pathAccount loads the account named by the {id} of the path, if the actor
// may see it; otherwise it is not found (R10).
func (p *Portal) pathAccount(r *http.Request, q *req) (tenancy.Account, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return tenancy.Account{}, err
	}
	return p.App.Account(r.Context(), q.Actor, id)
}

// navFor highlights the menu of one's own account's page (Users, Roles), or
// Customers for the accounts below.
func navFor(q *req, acct tenancy.Account, own string) string {
	if acct.ID == q.Account.ID {
		return own
	}
	return "customers"
}
