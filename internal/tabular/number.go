package tabular

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName normalises a column or sheet name so that people's spellings
// match: surrounding spaces trimmed, lower case, accents stripped, runs of
// spaces, hyphens and dots turned into one underscore ("Date de début" →
// "date_de_debut", " Start-Date " → "start_date").
func NormalizeName(s string) string {
	if isNormal(s) {
		return s
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // combining accent
			continue
		case r == ' ' || r == '-' || r == '.' || r == '\u00a0' || r == '\t' || r == '_':
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		switch r {
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'æ', 'Æ':
			b.WriteString("ae")
		case 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isNormal reports whether s is already a normalised name (lower-case ASCII
// letters, digits, single inner underscores), the common case.
func isNormal(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '_' && s[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// ErrEmpty is returned by ParseNumber for an empty cell.
var ErrEmpty = errors.New("vide")

// ParseNumber reads a number as people type it in a French spreadsheet:
// decimal comma or point ("12,5", "12.5"), thousands separated by spaces,
// non-breaking or thin spaces ("1 234", "1 234,5"), by points when a comma
// is the decimal mark ("1.234,5"), or by commas when a point is
// ("1,234.5"), an optional sign and exponent ("1,5E+06"). A lone comma is
// always a decimal mark ("1,234" is 1.234), a currency sign before or after
// ("2 000 €", "1 234,50 EUR"). NaN, infinities, hexadecimal and
// anything else are refused.
func ParseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmpty
	}
	// Excel's currency format: "2 000 €", "€1,234.50", "1 234,50 EUR".
	if strings.ContainsAny(s, "€Rr") {
		t := s
		for _, cur := range []string{"€", "EUR", "eur", "Eur"} {
			t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, cur), cur))
		}
		if t != s {
			if t == "" {
				return 0, errNumber
			}
			s = t
		}
	}
	// Drop grouping spaces (ASCII, no-break, narrow no-break, thin).
	if strings.ContainsAny(s, " \u00a0\u202f\u2009'") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\u00a0', '\u202f', '\u2009', '\'':
				return -1
			}
			return r
		}, s)
	}
	// Validate the shape: [sign] digits and separators [exponent].
	mant, exp, expSign := s, "", ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if exp == "" {
			return 0, errNumber
		}
		if exp[0] == '+' || exp[0] == '-' {
			expSign, exp = exp[:1], exp[1:]
		}
		if exp == "" || !allDigits(exp) {
			return 0, errNumber
		}
	}
	if mant != "" && (mant[0] == '+' || mant[0] == '-') {
		mant = mant[1:]
	}
	if mant == "" {
		return 0, errNumber
	}
	digits := 0
	for i := 0; i < len(mant); i++ {
		c := mant[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ',' || c == '.':
		default:
			return 0, errNumber
		}
	}
	if digits == 0 {
		return 0, errNumber
	}
	var dec, thou byte
	nComma, nDot := strings.Count(s, ","), strings.Count(s, ".")
	switch {
	case nComma > 0 && nDot > 0:
		if strings.LastIndexByte(s, ',') > strings.LastIndexByte(s, '.') {
			dec, thou = ',', '.' // 1.234,5
		} else {
			dec, thou = '.', ',' // 1,234.5
		}
	case nComma == 1:
		dec = ','
	case nComma > 1:
		thou = ',' // 1,234,567
	case nDot == 1:
		dec = '.'
	case nDot > 1:
		thou = '.' // 1.234.567
	}
	intPart, frac := mant, ""
	if dec != 0 {
		i := strings.IndexByte(mant, dec)
		if strings.IndexByte(mant[i+1:], dec) >= 0 {
			return 0, errNumber
		}
		intPart, frac = mant[:i], mant[i+1:]
		if thou != 0 && strings.IndexByte(frac, thou) >= 0 {
			return 0, errNumber
		}
	}
	if thou != 0 {
		groups := strings.Split(intPart, string(thou))
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, errNumber
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, errNumber
			}
		}
		intPart = strings.Join(groups, "")
	}
	sign := ""
	if s[0] == '-' {
		sign = "-"
	}
	s = sign + intPart
	if frac != "" {
		s += "." + frac
	}
	if exp != "" {
		s += "e" + expSign + exp
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errNumber
	}
	return f, nil
}

var errNumber = errors.New("nombre invalide")

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
