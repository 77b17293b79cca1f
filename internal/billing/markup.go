package billing

import "github.com/vigilo/vigilo/internal/money"

// Prices that make a margin (issue 13, docs/BILLING.md "Default prices").
// A new sub-integrator's cost for a plan defaults to its parent's end-user
// price (DefaultOffer), so the parent earns its markup. Its own end-user
// price must not default to that cost as well, or every reseller below
// starts at a margin of exactly 0: it defaults to the cost marked up the way
// the parent marks up its own (end-user price ÷ cost), or by DefaultMarkup
// when the parent has no such ratio (the operator's own plans, which cost
// it nothing, or a parent that sells at or below its cost).

// DefaultMarkup is the markup, as num/den, when the parent gives no ratio:
// 25 %.
var DefaultMarkup = [2]int64{5, 4}

// ChildEndUserPrice is the default end-user price of a sub-integrator that
// pays cost for a plan its parent uses as parent: cost × the parent's
// markup, rounded half away from zero to ten-thousandths, never above
// MaxPrice and never below cost.
func ChildEndUserPrice(parent OfferView, cost money.Amount) money.Amount {
	num, den := MarkupOf(parent)
	p := cost.MulRatio(num, den)
	switch {
	case p > MaxPrice:
		p = max(MaxPrice, cost)
	case p < cost:
		p = cost
	}
	return p
}

// MarkupOf is the ratio num/den (above 1) by which parent marks up the
// plan: its end-user price over its cost, or DefaultMarkup.
func MarkupOf(parent OfferView) (num, den int64) {
	if parent.Cost != nil && *parent.Cost > 0 && parent.EndUserPrice > *parent.Cost {
		return parent.EndUserPrice.Units(), parent.Cost.Units()
	}
	return DefaultMarkup[0], DefaultMarkup[1]
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
