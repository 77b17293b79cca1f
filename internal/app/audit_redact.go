package app

import (
	"strings"

	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// AncestorActor is how an audit entry names an actor from above the reader's
// own account: a parent's users, e-mails, ids and addresses do not exist
// for a child (R10), but that a parent acted on it is the child's to know.
const AncestorActor = "a parent account"

// redactAncestor hides who acted, and from where, when the actor's account
// is not in the reader's subtree (a parent acting on a child, or an actor
// whose account is gone). The action and its target stay.
//
// One exception is the customer-privacy promise: a parent's use of a
// customer's video (ActionParentAccess) keeps the user's e-mail, and its
// detail names the ancestor account (from_account), so the customer knows
// who from which account watched; ids and the address stay hidden.
func redactAncestor(reader tenancy.Actor, e *store.AuditEntry) {
	if e.ActorAccountPath != "" && strings.HasPrefix(e.ActorAccountPath, reader.AccountPath) {
		return
	}
	if e.ActorUserID == 0 && e.ActorAccountID == 0 {
		return // the system itself (first start, sweeps): nobody to hide
	}
	e.ActorUserID, e.ActorAccountID, e.RemoteAddr = 0, 0, ""
	if e.Action != ActionParentAccess {
		e.ActorEmail = AncestorActor
	}
	e.ActorAccountPath = ""
}
