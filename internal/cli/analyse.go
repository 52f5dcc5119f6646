package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// multiFlag is a repeatable string flag (--theme a --theme b, or --theme a,b).
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*m = append(*m, x)
		}
	}
	return nil
}

func init() {
	register(&Command{
		Name:    "analyse",
		Usage:   "analyse --scope CODE [options]",
		Summary: "analyse de complémentarité : besoin, offre, accessibilité, zones blanches, chevauchements, financements, réseau",
		Help: `Analyse un territoire (--scope : commune, EPCI, département, région « R » + code, ou
périmètre) pour des thématiques, des publics et une année : besoin et offre par
commune, accessibilité (aire de chalandise flottante à deux étapes, pondération
gaussienne, rayon --radius km), zones blanches, communes sous-desservies,
chevauchements d'actions, financements (part de la CAF, indice de
Herfindahl-Hirschman, euros des partenaires par euro CAF), réseau partenarial,
équité (Gini, Theil, Spearman), évolution par année, territoires comparables.
Formules et exemples chiffrés : docs/analysis.md.

--theme et --public se répètent (ou se séparent par des virgules). Sans --theme :
toutes les thématiques, besoin = population. --need remplace l'indicateur de
besoin de la thématique (parentalite → familles_enfants, petite_enfance → pop_0_2...).

Expliquer un chiffre : --explain COMMUNE --theme T montre les actions, les valeurs
d'indicateurs, les distances et les poids qui donnent l'accessibilité de la commune.

Formats : table (défaut, lisible), json (résultat complet, avec les paramètres et
la version des données), csv (une ligne par commune, « ; », UTF-8 avec BOM).

Exemples :
  maillage analyse --scope 18 --theme parentalite --year 2024
  maillage analyse --scope 200034700 --theme jeunesse --radius 20 --format json
  maillage analyse --scope 18 --theme petite_enfance --format csv > communes.csv
  maillage analyse --scope 18 --explain 18033 --theme parentalite`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("scope", "", "code du territoire analysé (obligatoire)")
			fs.Var(new(multiFlag), "theme", "thématique (répétable)")
			fs.Var(new(multiFlag), "public", "public visé (répétable)")
			fs.Int("year", 0, "année (défaut : dernière année de financement connue)")
			fs.String("need", "", "indicateur de besoin (remplace celui de la thématique)")
			fs.Float64("radius", 0, "rayon d'accessibilité en km (défaut 15)")
			fs.String("format", "table", "table, json ou csv")
			fs.String("explain", "", "code INSEE d'une commune dont expliquer l'accessibilité (avec --theme)")
			fs.Int("max", 20, "nombre de lignes des listes longues en sortie table")
		},
		Run: runAnalyse,
	})
}

func runAnalyse(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	p := analysis.Params{
		Scope:   strings.TrimSpace(get("scope")),
		Themes:  *fs.Lookup("theme").Value.(*multiFlag),
		Publics: *fs.Lookup("public").Value.(*multiFlag),
		Need:    strings.TrimSpace(get("need")),
	}
	p.Year, _ = strconv.Atoi(get("year"))
	p.RadiusKm, _ = strconv.ParseFloat(get("radius"), 64)
	maxRows, _ := strconv.Atoi(get("max"))
	format := strings.ToLower(get("format"))
	switch format {
	case "table", "json", "csv":
	default:
		return domain.Errorf(domain.EINVALID, "format inconnu %q (attendu : table, json ou csv)", format)
	}
	explain := strings.TrimSpace(get("explain"))
	if p.Scope == "" && explain == "" {
		return domain.Errorf(domain.EINVALID, "--scope est obligatoire : le code du territoire à analyser (par exemple --scope 18)")
	}
	if explain != "" && len(p.Themes) != 1 {
		return domain.Errorf(domain.EINVALID, "--explain demande une seule thématique (--theme)")
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := analysis.Load(ctx, st)
	if err != nil {
		return err
	}
	if explain != "" {
		e, err := analysis.Explain(snap, explain, p.Themes[0], p)
		if err != nil {
			return err
		}
		if format == "json" {
			return writeJSONOut(env.Stdout, e)
		}
		return writeExplainTable(env.Stdout, snap, e)
	}
	res, err := analysis.Analyse(snap, p)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return writeJSONOut(env.Stdout, res)
	case "csv":
		return writeAnalysisCSV(env.Stdout, res)
	}
	return writeAnalysisTable(env.Stdout, snap, res, maxRows)
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeAnalysisCSV(w io.Writer, r *analysis.Result) error {
	white := map[string]bool{}
	for _, z := range r.WhiteZones {
		white[z.Code] = true
	}
	under := map[string]bool{}
	for _, u := range r.UnderServed {
		under[u.Code] = true
	}
	cw := tabular.NewCSV(w, tabular.CSVOptions{})
	if err := cw.Sheet("communes", []string{"code", "commune", "population", "besoin", "annee_besoin", "besoin_inconnu",
		"offre", "accessibilite", "accessibilite_pour_1000", "zone_blanche", "sous_desservie"}); err != nil {
		return err
	}
	yn := func(b bool) string {
		if b {
			return "oui"
		}
		return "non"
	}
	for _, c := range r.Communes {
		var ny any
		if c.NeedYear != 0 {
			ny = c.NeedYear
		}
		if err := cw.Row(c.Code, c.Name, c.Population, c.Need, ny, yn(c.NeedUnknown), c.Supply, c.Accessibility,
			c.AccessibilityPer1000, yn(white[c.Code]), yn(under[c.Code])); err != nil {
			return err
		}
	}
	return cw.Close()
}

// table writes aligned columns: text columns (align 'l') padded on the
// right, number columns ('r') on the left; widths count runes.
type table struct {
	indent string
	align  string
	rows   [][]string
}

func newTable(indent, align string, header ...string) *table {
	return &table{indent: indent, align: align, rows: [][]string{header}}
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	width := make([]int, len(t.align))
	for _, r := range t.rows {
		for i, c := range r {
			if n := utf8.RuneCountInString(c); i < len(width) && n > width[i] {
				width[i] = n
			}
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		b.WriteString(t.indent)
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if t.align[i] == 'r' {
				b.WriteString(pad + c)
			} else if i < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func num(x float64, dec int) string { return analysis.FormatNumber(x, dec) }

func pct(x float64) string { return analysis.FormatNumber(100*x, 1) + " %" }

func optNum(x *float64, dec int) string {
	if x == nil {
		return "—"
	}
	return num(*x, dec)
}

func label(s *analysis.Snapshot, kind, code string) string {
	if e, ok := s.Ref.Get(kind, code); ok && e.Label != "" {
		return e.Label
	}
	return code
}

func writeAnalysisTable(w io.Writer, snap *analysis.Snapshot, r *analysis.Result, maxRows int) error {
	if maxRows <= 0 {
		maxRows = 20
	}
	p := r.Params
	themes := "toutes"
	if len(p.Themes) > 0 {
		var ls []string
		for _, t := range p.Themes {
			ls = append(ls, label(snap, domain.RefTheme, t))
		}
		themes = strings.Join(ls, ", ")
	}
	publics := "tous"
	if len(p.Publics) > 0 {
		publics = strings.Join(p.Publics, ", ")
	}
	fmt.Fprintf(w, "Analyse de complémentarité — %s (%s %s, %d communes)\n", r.Scope.Name, r.Scope.Type, r.Scope.Code, r.Scope.Communes)
	fmt.Fprintf(w, "Thématiques : %s · publics : %s · année : %d · besoin : %s · rayon : %s km · version des données : %d\n\n",
		themes, publics, p.Year, p.NeedIndicator, num(p.Radius, 1), r.DataVersion)

	sm := r.Summary
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Synthèse")
	fmt.Fprintf(tw, "  Besoin total (%s)\t%s\n", p.NeedIndicator, num(sm.Need, 0))
	fmt.Fprintf(tw, "  Offre totale (places ou participants)\t%s\n", num(sm.Supply, 1))
	fmt.Fprintf(tw, "  Offre pour 1 000 personnes en besoin\t%s\n", num(sm.RatioPer1000, 1))
	fmt.Fprintf(tw, "  Accessibilité moyenne pour 1 000\t%s\n", num(1000*sm.Accessibility, 1))
	fmt.Fprintf(tw, "  Actions\t%s\n", num(float64(sm.Actions), 0))
	fmt.Fprintf(tw, "  Zones blanches\t%d (%s personnes en besoin non couvertes)\n", sm.WhiteZones, num(sm.Uncovered, 0))
	fmt.Fprintf(tw, "  Communes sous-desservies\t%d\n", sm.UnderServed)
	fmt.Fprintf(tw, "  Besoin inconnu\t%d commune(s)\n", sm.NeedUnknown)
	tw.Flush()

	fmt.Fprintln(w, "\nCommunes (accessibilité la plus faible d'abord)")
	cs := append([]analysis.CommuneFigure(nil), r.Communes...)
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].AccessibilityPer1000 != cs[j].AccessibilityPer1000 {
			return cs[i].AccessibilityPer1000 < cs[j].AccessibilityPer1000
		}
		return cs[i].Need > cs[j].Need
	})
	tb := newTable("  ", "llrrr", "Code", "Commune", "Besoin", "Offre", "Accessibilité pour 1 000")
	for i, c := range cs {
		if i >= maxRows {
			break
		}
		need := num(c.Need, 0)
		if c.NeedUnknown {
			need = "inconnu"
		}
		tb.add(c.Code, c.Name, need, num(c.Supply, 1), num(c.AccessibilityPer1000, 1))
	}
	tb.write(w)
	if len(cs) > maxRows {
		fmt.Fprintf(w, "  … %d autres communes (--max N, ou --format csv ou json pour tout voir)\n", len(cs)-maxRows)
	}

	if len(r.WhiteZones) > 0 {
		fmt.Fprintln(w, "\nZones blanches (besoin sans aucune offre à portée), par besoin non couvert")
		tb := newTable("  ", "llr", "Code", "Commune", "Non couverts")
		for i, z := range r.WhiteZones {
			if i >= maxRows {
				break
			}
			tb.add(z.Code, z.Name, num(z.Uncovered, 0))
		}
		tb.write(w)
		if len(r.WhiteZones) > maxRows {
			fmt.Fprintf(w, "  … %d autres\n", len(r.WhiteZones)-maxRows)
		}
	}

	fmt.Fprintf(w, "\nChevauchements possibles (%d)\n", r.OverlapsTotal)
	for i, o := range r.Overlaps {
		if i >= maxRows {
			fmt.Fprintf(w, "  … %d autres\n", r.OverlapsTotal-maxRows)
			break
		}
		fmt.Fprintf(w, "  « %s » (%s) et « %s » (%s) : %s habitants en commun\n", o.A.Title, o.A.OperatorName, o.B.Title, o.B.OperatorName, num(o.SharedPopulation, 0))
	}

	f := r.Funding
	fmt.Fprintf(w, "\nFinancements %d\n", f.Year)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Total\t%s €\n", num(f.Total, 0))
	fmt.Fprintf(tw, "  Part de la CAF\t%s\n", pct(f.CAFShare))
	fmt.Fprintf(tw, "  Euros des partenaires par euro CAF\t%s\n", optNum(f.PartnerPerCAFEuro, 2))
	fmt.Fprintf(tw, "  Concentration des financeurs (HHI, 0 à 1)\t%s\n", num(f.HHI, 3))
	fmt.Fprintf(tw, "  Actions financées / par un seul financeur\t%d / %d\n", f.FundedActions, f.SingleFunderTotal)
	tw.Flush()
	if len(f.ByFunderType) > 0 {
		tb := newTable("  ", "lrr", "Type de financeur", "Montant (€)", "Part")
		for _, t := range f.ByFunderType {
			tb.add(t.Label, num(t.Amount, 0), pct(t.Share))
		}
		tb.write(w)
	}

	n := r.Network
	fmt.Fprintln(w, "\nRéseau partenarial")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Acteurs / liens\t%d / %d\n", n.Nodes, n.Edges)
	fmt.Fprintf(tw, "  Densité\t%s\n", num(n.Density, 3))
	fmt.Fprintf(tw, "  Composantes (la plus grande)\t%d (%d acteurs)\n", n.Components, n.LargestComponent)
	fmt.Fprintf(tw, "  Acteurs isolés\t%d\n", len(n.Isolated))
	if n.CAF.Present {
		fmt.Fprintf(tw, "  Place de la CAF\trang %d par intermédiarité, rang %d par liens, composante de %s des acteurs\n",
			n.CAF.BetweennessRank, n.CAF.DegreeRank, pct(n.CAF.ComponentShare))
	} else {
		fmt.Fprintf(tw, "  Place de la CAF\tabsente du réseau\n")
	}
	tw.Flush()

	e := r.Equity
	fmt.Fprintln(w, "\nÉquité de l'accessibilité")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Gini (0 égal, 1 concentré)\t%s\n", optNum(e.Gini, 3))
	fmt.Fprintf(tw, "  Theil\t%s\n", optNum(e.Theil, 3))
	fmt.Fprintf(tw, "  Spearman %s / accessibilité\t%s\n", e.NeedRate, optNum(e.Spearman, 3))
	tw.Flush()

	if len(r.Trends.Points) > 1 {
		fmt.Fprintln(w, "\nÉvolution")
		tb := newTable("  ", "lrrrrr", "Année", "Offre", "Pour 1 000", "Zones blanches", "Financements (€)", "Part CAF")
		for _, pt := range r.Trends.Points {
			fg := pt.Figures
			tb.add(strconv.Itoa(pt.Year), num(fg["supply"], 1), num(fg["ratio_per_1000"], 1),
				num(fg["white_zones"], 0), num(fg["funding_total"], 0), pct(fg["caf_share"]))
		}
		tb.write(w)
	}
	if len(r.Comparable) > 0 {
		fmt.Fprintln(w, "\nTerritoires comparables")
		tb := newTable("  ", "llr", "Code", "Nom", "Distance")
		for _, c := range r.Comparable {
			tb.add(c.Code, c.Name, num(c.Distance, 2))
		}
		tb.write(w)
	}
	return nil
}

func writeExplainTable(w io.Writer, snap *analysis.Snapshot, e *analysis.Explanation) error {
	fmt.Fprintf(w, "Accessibilité de %s (%s) — %s, %d, rayon %s km\n", e.Commune.Name, e.Commune.Code,
		label(snap, domain.RefTheme, e.Theme), e.Params.Year, num(e.RadiusKm, 1))
	fmt.Fprintf(w, "%s\n\n", e.Formula)
	need := num(e.Need.Need, 0)
	if e.Need.NeedUnknown {
		need = "inconnu (compté 0)"
	} else {
		need += fmt.Sprintf(" (%d)", e.Need.NeedYear)
	}
	fmt.Fprintf(w, "Besoin P_i (%s) : %s\n", e.NeedIndicator, need)
	fmt.Fprintf(w, "Offre S_i dans la commune : %s\n", num(e.Supply, 2))
	for _, a := range e.SupplyActions {
		fmt.Fprintf(w, "  « %s » (%s) : capacité %s × part %s = %s (%s)\n", a.Title, a.OperatorName, num(a.Capacity, 1), num(a.Share, 3), num(a.Contribution, 2), a.How)
	}
	fmt.Fprintf(w, "Accessibilité A_i : %s (soit %s pour 1 000)\n", num(e.Accessibility, 6), num(e.AccessibilityPer1000, 2))
	fmt.Fprintf(w, "\n%d commune(s) à portée ; celles qui ont une offre :\n", e.Neighbours)
	if len(e.Catchment) == 0 {
		fmt.Fprintln(w, "  aucune : la commune est une zone blanche pour cette thématique")
		return nil
	}
	tb := newTable("  ", "llrrrrrr", "Code", "Commune", "Distance (km)", "Poids W", "Offre S_j", "Demande D_j", "Ratio R_j", "W·R_j")
	for _, c := range e.Catchment {
		tb.add(c.Code, c.Name, num(c.DistanceKm, 1), num(c.Weight, 4),
			num(c.Supply, 2), num(c.Demand, 2), num(c.Ratio, 6), num(c.Contribution, 6))
	}
	tb.write(w)
	return nil
}
