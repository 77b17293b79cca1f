package money

import "strings"

// iso4217 holds the active ISO 4217 codes of money one can invoice in. The
// fund codes and the precious metals, testing and "no currency" codes
// (XAU, XTS, XXX, …) are left out: an invoice in them would be nonsense.
// A code that ISO adds later is one line here.
var iso4217 = func() map[Currency]bool {
	const codes = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
ZWG ZWL`
	m := map[Currency]bool{}
	for _, c := range strings.Fields(codes) {
		m[Currency(c)] = true
	}
	return m
}()

// Known reports whether c is an active ISO 4217 code.
func (c Currency) Known() bool { return iso4217[c] }
