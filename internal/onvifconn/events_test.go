package onvifconn

import (
	"testing"
	"time"
)

// A subscription is renewed at half the term the device granted, never
// later than half of what we asked for, never sooner than a second; a pull
// never waits past the renewal.
func TestRenewalFollowsTheGrantedTerm(t *testing.T) {
	for _, c := range []struct{ term, renew time.Duration }{
		{0, 30 * time.Second},                      // the device did not say
		{5 * time.Second, 2500 * time.Millisecond}, // the onvif npm mockup
		{10 * time.Minute, 30 * time.Second},       // more than asked
		{time.Second, time.Second},                 // too short to halve
	} {
		if got := renewAfter(c.term); got != c.renew {
			t.Errorf("term %v: renew after %v, want %v", c.term, got, c.renew)
		}
	}
	for _, c := range []struct{ left, wait time.Duration }{
		{time.Minute, pullWait}, {2500 * time.Millisecond, 2 * time.Second}, {300 * time.Millisecond, time.Second},
	} {
		if got := waitFor(c.left); got != c.wait {
			t.Errorf("%v to the renewal: pull waits %v, want %v", c.left, got, c.wait)
		}
	}
}
