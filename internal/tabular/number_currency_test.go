package tabular

import "testing"

// Amounts in Excel's currency format carry a euro sign or EUR.
func TestParseNumberCurrency(t *testing.T) {
	ok := map[string]float64{
		"2 000 €": 2000, "1 234,50 €": 1234.5, "1\u202f234,50\u00a0€": 1234.5, "€1,234.50": 1234.5,
		"€ 12": 12, "1500€": 1500, "1 500 EUR": 1500, "300 eur": 300, "-5 €": -5,
	}
	for s, want := range ok {
		if got, err := ParseNumber(s); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"€", "EUR", "12 € 5", "€€", "12 $", "1R2"} {
		if v, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", s, v)
		}
	}
}
