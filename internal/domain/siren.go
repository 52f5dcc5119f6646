package domain

// IsSIREN reports whether s is nine digits with a valid Luhn key.
func IsSIREN(s string) bool { return len(s) == 9 && luhn(s) }

// IsSIRET reports whether s is fourteen digits with a valid Luhn key (La
// Poste's establishments, SIREN 356000000, use a different rule).
func IsSIRET(s string) bool {
	if len(s) != 14 {
		return false
	}
	if s[:9] == "356000000" {
		sum := 0
		for i := 0; i < 14; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
			sum += int(s[i] - '0')
		}
		return sum%5 == 0
	}
	return luhn(s)
}

func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
