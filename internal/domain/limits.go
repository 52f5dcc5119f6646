package domain

import (
	"fmt"
	"unicode/utf8"
)

// Length limits of text fields, in characters (runes, not bytes), checked by
// every Validate: a record's text cannot fill the database or a page.
const (
	// MaxName bounds names, titles, labels, places, units, sources and
	// external identifiers.
	MaxName = 300
	// MaxText bounds descriptions, definitions, notes, comments, statements
	// and reasons.
	MaxText = 20000
	// MaxCode bounds codes (territory, indicator and priority keys).
	MaxCode = 64
)

// MaxLen records field as invalid when s has more than max characters.
func (v *Validation) MaxLen(field, s string, max int) {
	if len(s) <= max { // a rune is at least one byte
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.Add(field, "%s", tooLong(max, n))
	}
}

// tooLong is the reason of a too long field.
func tooLong(max, n int) string {
	return fmt.Sprintf("%d caractères au plus (%d reçus)", max, n)
}

// MaxLenOf is MaxLen for a text of one item of a list ("membre n°2").
func (v *Validation) MaxLenOf(field, item, s string, max int) {
	if len(s) <= max {
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.Add(field, "%s : %s", item, tooLong(max, n))
	}
}

// nth names the i-th item (0-based) of a list: nth("membre", 1) is
// "membre n°2".
func nth(what string, i int) string { return fmt.Sprintf("%s n°%d", what, i+1) }
