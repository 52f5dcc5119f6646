package demo

import (
	"math/rand/v2"
	"strings"
)

// Place names are built from French toponymic patterns (a root and a
// suffix, a saint's name, a qualifier after a hyphen) with a seeded random
// source, so the same seed gives the same names.

var (
	nameRoots = []string{
		"Vill", "Mont", "Beaul", "Font", "Roch", "Chaz", "Saul", "Bois", "Marc", "Lign",
		"Cour", "Vern", "Aub", "Charn", "Bré", "Lorm", "Mess", "Sanc", "Taill", "Vaud",
		"Juss", "Ners", "Pell", "Quinc", "Brin", "Gron", "Levr", "Mor", "Orv", "Sorn",
		"Thén", "Vign", "Ardent", "Bouz", "Crézan", "Dornel", "Épin", "Flav", "Genouill", "Herr",
		"Ivr", "Lazen", "Maill", "Nohan", "Ourouer", "Presl", "Rians", "Sidiaill", "Touch", "Venes",
	}
	nameSuffixes = []string{
		"ac", "ay", "y", "ières", "ville", "court", "igny", "eux", "ange", "ol",
		"ans", "euil", "ennes", "on", "at", "elles", "ault", "ois", "erre", "ry",
	}
	saints = []string{
		"Amand", "Martin", "Georges", "Hilaire", "Julien", "Just", "Florent", "Germain", "Aubin", "Loup",
		"Éloi", "Denis", "Léger", "Sulpice", "Bonnet", "Laurent",
	}
	saintesFem = []string{"Solange", "Colombe", "Radegonde", "Foy", "Gemme", "Marthe"}
	qualifiers = []string{
		"-sur-Maille", "-le-Château", "-les-Bois", "-en-Val", "-la-Forêt", "-sur-Arnelle",
		"-le-Haut", "-les-Vignes", "-en-Bocage", "-la-Rivière",
	}
)

// nameGen draws unique place names.
type nameGen struct {
	r    *rand.Rand
	used map[string]bool
}

func newNameGen(r *rand.Rand) *nameGen { return &nameGen{r: r, used: map[string]bool{}} }

func (g *nameGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// next returns a new unique commune name.
func (g *nameGen) next() string {
	for {
		var n string
		switch k := g.r.IntN(20); {
		case k < 2:
			n = "Saint-" + g.pick(saints)
		case k < 3:
			n = "Sainte-" + g.pick(saintesFem)
		case k < 4:
			n = "Les " + g.root()
			if !strings.HasSuffix(n, "s") && !strings.HasSuffix(n, "x") {
				n += "s"
			}
		default:
			n = g.root()
		}
		if g.r.IntN(5) == 0 {
			n += g.pick(qualifiers)
		}
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

func (g *nameGen) root() string {
	root, suf := g.pick(nameRoots), g.pick(nameSuffixes)
	// Avoid doubled vowels at the join ("Bré"+"ay" → "Bréay" reads badly).
	if strings.ContainsAny(root[len(root)-1:], "aeiouyé") && strings.ContainsAny(suf[:1], "aeiouy") {
		suf = "n" + suf
	}
	return root + suf
}

// elision returns "de X" or "d'X" as French writes it.
func elision(name string) string {
	if name == "" {
		return "de"
	}
	switch strings.ToLower(name[:1]) {
	case "a", "e", "i", "o", "u", "y", "h":
		return "d'" + name
	}
	if strings.HasPrefix(name, "É") || strings.HasPrefix(name, "Î") {
		return "d'" + name
	}
	if strings.HasPrefix(name, "Les ") {
		return "des " + name[4:]
	}
	return "de " + name
}
