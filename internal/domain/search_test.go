package domain

import (
	"strings"
	"testing"
)

func TestSearchFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"creche", "creche"},
		{"Crèche familiale", "creche familiale"},
		{"CRÈCHE", "creche"},
		{"ÉCOLE", "ecole"},
		{"école", "ecole"},
		{"Équipement", "equipement"},
		{"Œuvre des pupilles", "oeuvre des pupilles"},
		{"sœur", "soeur"},
		{"Lætitia", "laetitia"},
		{"Straße", "strasse"},
		{"Noël à l’école", "noel a l'ecole"},
		{"L‘Île-de-France", "l'ile-de-france"},
		{"aujourd´hui", "aujourd'hui"},
		{"Ça", "ca"},
		{"Maïs, ÿ, û, ô", "mais, y, u, o"},
		{"Paris 1ᵉʳ Arrondissement", "paris 1er arrondissement"},
		{"ﬁlles", "filles"},
		{"Saint\u2011Éloy", "saint-eloy"},
		{"Accueil du jeune enfant – Perpignan", "accueil du jeune enfant - perpignan"},
		// Already decomposed input (NFD): the combining accent is dropped.
		{"cre\u0300che", "creche"},
		// White space: trimmed and collapsed, no-break spaces included.
		{"  Lieu \t d'accueil\n\nenfants  ", "lieu d'accueil enfants"},
		{"Bonjour\u00a0!\u202f?", "bonjour ! ?"},
		{"130 025 265", "130 025 265"},
		{"CAF_100%", "caf_100%"},
		// Non-Latin scripts are lower-cased and kept.
		{"ΑΘΗΝΑ", "αθηνα"},
		{"東京", "東京"},
	}
	for _, c := range cases {
		if got := SearchFold(c.in); got != c.want {
			t.Errorf("SearchFold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Folding twice changes nothing, so that stored values and queries folded
// at different times compare equal.
func TestSearchFoldIdempotent(t *testing.T) {
	for _, s := range []string{"Crèche familiale", "  Œuvre  ÉCOLE ", "l’école", "Paris 1ᵉʳ", "Straße", "a\u00a0b"} {
		once := SearchFold(s)
		if twice := SearchFold(once); twice != once {
			t.Errorf("SearchFold(SearchFold(%q)) = %q, want %q", s, twice, once)
		}
	}
}

func TestAppendSearchFold(t *testing.T) {
	b := AppendSearchFold([]byte("titre\n"), "  Crèche  Œuvre ")
	b = append(b, '\n')
	b = AppendSearchFold(b, " ")
	if string(b) != "titre\ncreche oeuvre\n" {
		t.Errorf("AppendSearchFold = %q", b)
	}
}

func TestSearchFoldASCIIDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("accueil de loisirs ", 4) + "x"
	if n := testing.AllocsPerRun(100, func() { SearchFold(s) }); n != 0 {
		t.Errorf("SearchFold of folded ASCII allocates %v times", n)
	}
}

func BenchmarkSearchFold(b *testing.B) {
	title := "Lieu d'accueil enfants-parents de l'Île-d'Yeu — crèche « Les Petits Écoliers »"
	b.SetBytes(int64(len(title)))
	for b.Loop() {
		SearchFold(title)
	}
}
