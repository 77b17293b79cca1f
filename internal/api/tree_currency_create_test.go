package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestCreateAccountCurrency: the operator chooses a tree's currency when it
// creates the top-level account; a bad code, an account below the top
// level, or someone other than the operator is refused naming currency, and
// nothing is created.
func TestCreateAccountCurrency(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
		body := func(parent int64, name, currency string) map[string]any {
			return map[string]any{"type": "integrator", "parent_id": parent, "name": name, "currency": currency,
				"email": strings.ToLower(strings.ReplaceAll(name, " ", "-")) + "@vigilo.test", "password": "password-123",
				"storage_price": "0.03", "traffic_price": "0.01"}
		}
		acct := func(id int64) string { return "/api/v1/accounts/" + itoa(id) }
		created := func(token, name string) bool {
			return len(e.Must(200, "GET", "/api/v1/accounts?q="+strings.ReplaceAll(name, " ", "+"), token, nil).Items()) > 0
		}

		r := e.Must(201, "POST", "/api/v1/accounts", e.Root, body(1, "Yen Tree", "jpy"))
		if r.JSON["currency"] != "JPY" {
			t.Errorf("created: %s", r.Body)
		}
		yen := r.ID()
		if g := e.Must(200, "GET", acct(yen), e.Root, nil).JSON; g["currency"] != "JPY" {
			t.Errorf("read back: %v", g["currency"])
		}
		var audited bool
		for _, it := range e.Must(200, "GET", "/api/v1/audit?action=account.created&account_id="+itoa(yen), e.Root, nil).Items() {
			audited = audited || strings.Contains(fmt.Sprint(it), "currency:JPY")
		}
		if !audited {
			t.Errorf("the audit entry does not name the currency")
		}
		// Without one, a top-level account bills in the installation's.
		if r := e.Must(201, "POST", "/api/v1/accounts", e.Root, body(1, "Plain Tree", "")); r.JSON["currency"] != "EUR" {
			t.Errorf("no currency: %s", r.Body)
		}
		// Its subtree inherits the tree's; choosing one below is refused.
		e.ConfirmEmail("yen-tree@vigilo.test")
		yenTok := e.Login("yen-tree@vigilo.test", "password-123")
		sub := e.Must(201, "POST", "/api/v1/accounts", yenTok, body(yen, "Yen Sub", ""))
		if sub.JSON["currency"] != "JPY" {
			t.Errorf("a child of the yen tree: %s", sub.Body)
		}

		for _, c := range []struct {
			token  string
			parent int64
			name   string
			cur    string
			field  string
		}{
			{e.Root, 1, "Bad One", "XYZ", "currency"},
			{e.Root, 1, "Bad Two", "EU", "currency"},
			{e.Root, 1, "Bad Three", "€", "currency"},
			{e.Root, yen, "Bad Below", "USD", "currency"},       // the operator, below the top level
			{yenTok, yen, "Bad Own", "USD", "currency"},         // an integrator for its own child
			{yenTok, 1, "Bad Top", "USD", "parent_id"},          // an integrator cannot reach the top level at all
			{e.Root, sub.ID(), "Bad Deeper", "JPY", "currency"}, // even the tree's own code
		} {
			r := e.Do("POST", "/api/v1/accounts", c.token, body(c.parent, c.name, c.cur))
			if r.Status != 400 || r.Fields()[c.field] == nil {
				t.Errorf("%s (%q under %d): %d %s", c.name, c.cur, c.parent, r.Status, r.Body)
			}
			if c.parent != 1 && c.field == "currency" && !strings.Contains(r.Fields()["currency"].(string), "top-level") {
				t.Errorf("%s: the message does not say why: %s", c.name, r.Body)
			}
			if created(e.Root, c.name) {
				t.Errorf("%s: created although refused", c.name)
			}
		}
		// Nothing half-written: the refused owners' addresses are free.
		e.Must(201, "POST", "/api/v1/accounts", e.Root, body(yen, "Bad Below", ""))
	})
}
