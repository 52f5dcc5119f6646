package domain

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SearchFold returns s as free-text search compares it: lower case, without
// diacritics (compatibility decomposition, combining marks dropped: "É" →
// "e", "ﬁ" → "fi", "1ᵉʳ" → "1er"), with the letters that do not decompose
// spelled out (œ → oe, æ → ae, ß → ss, ø → o, ł → l, đ/ð → d, þ → th),
// typographic apostrophes as ' and hyphens and dashes as -, and white space (including
// the no-break spaces of French typography) trimmed and collapsed to one
// space.
//
// The stores keep SearchFold of the searched fields in a column and compare
// it with SearchFold of what the user typed, so that "creche" finds
// "Crèche", "ECOLE" finds "école" and "oeuvre" finds "Œuvre" the same way on
// every database. Changing this function changes what is stored: the
// stored values must then be recomputed (a migration that empties the
// column makes the store fill it again at the next start).
func SearchFold(s string) string {
	if foldedASCII(s) {
		return s
	}
	return string(AppendSearchFold(make([]byte, 0, len(s)+8), s))
}

// AppendSearchFold appends SearchFold(s) to dst (white space is trimmed
// and collapsed within s, independently of what dst holds).
func AppendSearchFold(dst []byte, s string) []byte {
	start := len(dst)
	space := false // a space is pending: written before the next character
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == ' ', '\t' <= c && c <= '\r':
				space = len(dst) > start
				continue
			}
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = append(dst, c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		f := foldOf(r)
		for j := 0; j < len(f); j++ {
			if f[j] == ' ' {
				space = len(dst) > start
				continue
			}
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = append(dst, f[j])
		}
	}
	return dst
}

// foldedASCII reports whether s is already folded ASCII: no upper case, no
// white space but single inner spaces. Most codes and SIREN are, and
// SearchFold returns them without allocating.
func foldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf, 'A' <= c && c <= 'Z':
			return false
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case '\t' <= c && c <= '\r':
			return false
		}
	}
	return true
}

// foldSpecial spells out the lower-case letters and signs that no Unicode
// decomposition reduces to ASCII, and normalises apostrophes and hyphens.
var foldSpecial = map[rune]string{
	'œ': "oe", 'æ': "ae", 'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
	'’': "'", '‘': "'", 'ʼ': "'", '′': "'", '´': "'",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '−': "-",
}

// foldBlock holds the folds of a block of code points, computed once: the
// Latin letters of French and its neighbours, and general punctuation
// (typographic apostrophes, dashes, spaces), which make nearly all non-ASCII
// characters of the data.
type foldBlock struct {
	lo, hi rune // [lo, hi)
	folds  []string
}

var foldBlocks = func() []foldBlock {
	bs := []foldBlock{{lo: 0x80, hi: 0x250}, {lo: 0x1E00, hi: 0x1F00}, {lo: 0x2000, hi: 0x2070}}
	for i := range bs {
		b := &bs[i]
		b.folds = make([]string, b.hi-b.lo)
		for r := b.lo; r < b.hi; r++ {
			b.folds[r-b.lo] = foldRune(r)
		}
	}
	return bs
}()

// foldOf returns the fold of a non-ASCII rune: lower-case letters, " " for
// white space, "" for a combining mark.
func foldOf(r rune) string {
	for _, b := range foldBlocks {
		if r < b.lo {
			break
		}
		if r < b.hi {
			return b.folds[r-b.lo]
		}
	}
	return foldRune(r)
}

// foldRune folds one rune (the reference behind the precomputed blocks).
func foldRune(r rune) string {
	if unicode.IsSpace(r) {
		return " "
	}
	r = unicode.ToLower(r)
	if x, ok := foldSpecial[r]; ok {
		return x
	}
	var out []byte
	for _, c := range norm.NFKD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, c):
			// diacritic: dropped
		case unicode.IsSpace(c):
			out = append(out, ' ')
		default:
			c = unicode.ToLower(c)
			if x, ok := foldSpecial[c]; ok {
				out = append(out, x...)
			} else {
				out = utf8.AppendRune(out, c)
			}
		}
	}
	return string(out)
}
