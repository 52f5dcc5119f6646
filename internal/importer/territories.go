package importer

import (
	"context"
	"fmt"
	"strings"

	"maillage/internal/domain"
)

// places knows every territory code and alias of the store, to check and
// resolve the codes found in files.
type places struct {
	types   map[string]domain.TerritoryType
	aliases map[string]domain.Alias
	names   map[string]string
	latlon  map[string][2]float64
}

// centroid returns the stored centroid of a territory.
func (p *places) centroid(code string) (lat, lon float64, ok bool) {
	c, ok := p.latlon[code]
	return c[0], c[1], ok
}

func loadPlaces(ctx context.Context, s domain.Store) (*places, error) {
	page, err := s.Territories(ctx, domain.TerritoryFilter{})
	if err != nil {
		return nil, fmt.Errorf("lecture des territoires : %w", err)
	}
	p := &places{
		types:   make(map[string]domain.TerritoryType, len(page.Items)),
		names:   make(map[string]string, len(page.Items)),
		aliases: map[string]domain.Alias{},
		latlon:  map[string][2]float64{},
	}
	for _, t := range page.Items {
		p.types[t.Code] = t.Type
		p.names[t.Code] = t.Name
		if t.Lat != nil && t.Lon != nil {
			p.latlon[t.Code] = [2]float64{*t.Lat, *t.Lon}
		}
	}
	as, err := s.Aliases(ctx)
	if err != nil {
		return nil, fmt.Errorf("lecture des anciens codes : %w", err)
	}
	for _, a := range as {
		p.aliases[a.Code] = a
	}
	return p, nil
}

// resolution is what a code found in a file stands for.
type resolution struct {
	Code  string // current territory code
	Type  domain.TerritoryType
	Alias *domain.Alias // set when the code was an old code
	Fixed string        // set when the code was repaired (leading zero lost by a spreadsheet)
}

// resolve finds the territory a code stands for: a current territory, or
// the current commune of an old (merged, delegated) code. Codes that lost
// their leading zero in a spreadsheet ("1001" for 01001, "1" for 01) and
// lower-case Corsican codes are repaired.
func (p *places) resolve(code string) (resolution, bool) {
	if t, ok := p.types[code]; ok { // fast path: a current code as written
		return resolution{Code: code, Type: t}, true
	}
	code = strings.TrimSpace(code)
	for _, c := range candidates(code) {
		if t, ok := p.types[c]; ok {
			r := resolution{Code: c, Type: t}
			if c != code {
				r.Fixed = c
			}
			return r, true
		}
		if a, ok := p.aliases[c]; ok {
			r := resolution{Code: a.Target, Type: p.types[a.Target], Alias: &a}
			if c != code {
				r.Fixed = c
			}
			return r, true
		}
	}
	return resolution{}, false
}

func candidates(code string) []string {
	out := []string{code}
	up := strings.ToUpper(code)
	if up != code {
		out = append(out, up)
	}
	if allDigits(code) && (len(code) == 4 || len(code) == 1) {
		out = append(out, "0"+code)
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// aliasWarning says that an old code was read as its current commune.
func (p *places) aliasWarning(a *domain.Alias) string {
	what := "commune fusionnée"
	switch a.Reason {
	case "commune-deleguee":
		what = "commune déléguée"
	case "commune-associee":
		what = "commune associée"
	}
	name := a.Name
	if name != "" {
		name = " (" + name + ")"
	}
	target := a.Target
	if n := p.names[a.Target]; n != "" {
		target += " " + n
	}
	return fmt.Sprintf("code %s%s : %s, rattachée à %s", a.Code, name, what, target)
}

// unknownCode is the reason given for a code that is no territory.
func unknownCode(code string) string {
	return fmt.Sprintf("code de territoire inconnu %q (ni commune, ni EPCI, ni département, ni ancien code connu : importez d'abord le COG)", code)
}
