package billing

import "github.com/vigilo/vigilo/internal/money"

// Prices that make a margin (issue 13, docs/BILLING.md "Default prices").
// A new sub-integrator's cost for a plan defaults to its parent's end-user
// price (DefaultOffer), so the parent earns its markup. Its own end-user
// price must not default to that cost as well, or every reseller below
// starts at a margin of exactly 0: it defaults to the cost with
// DefaultMarkup. Never with the parent's own markup (its end-user price ÷
// its cost): the child knows its cost (the parent's end-user price) and
// would read the parent's cost off the default, which R4 hides.

// DefaultMarkup is the default markup, as num/den: 25 %.
var DefaultMarkup = [2]int64{5, 4}

// ChildEndUserPrice is the default end-user price of a sub-integrator that
// pays cost for a plan: cost with DefaultMarkup, rounded half away from zero
// to ten-thousandths, never above MaxPrice and never below cost.
func ChildEndUserPrice(cost money.Amount) money.Amount {
	p := cost.MulRatio(DefaultMarkup[0], DefaultMarkup[1])
	switch {
	case p > MaxPrice:
		p = max(MaxPrice, cost)
	case p < cost:
		p = cost
	}
	return p
}

// ChildAccountPrice is the default storage or traffic price (per GB-month
// or GB) of a new sub-integrator whose parent pays parentPrice for it: the
// parent's price with DefaultMarkup (there is no end-user storage or
// traffic price to take a ratio from). Zero when the parent pays nothing
// (the operator), so the operator sets its own.
func ChildAccountPrice(parentPrice money.Amount) money.Amount {
	if parentPrice <= 0 {
		return 0
	}
	return min(parentPrice.MulRatio(DefaultMarkup[0], DefaultMarkup[1]), MaxPrice)
}
