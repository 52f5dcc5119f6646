package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

// engine returns the analysis engine: the one given in Options, or one
// loaded from the store on first use.
func (h *handler) engine(ctx context.Context) (*analysis.Engine, error) {
	if h.opts.Analysis != nil {
		return h.opts.Analysis, nil
	}
	h.engineOnce.Do(func() {
		h.eng, h.engErr = analysis.NewEngine(context.Background(), h.s)
		if h.engErr == nil {
			h.engLoaded.Store(h.eng)
		}
	})
	return h.eng, h.engErr
}

// snapshotAt returns the analysis snapshot and whether it is of data version
// ver (the request's, from h.sync). A page computed from an older snapshot
// — the engine reloads in the background at most CheckInterval after a
// change — is served but not cached, or it would outlive the reload.
func (h *handler) snapshotAt(ctx context.Context, ver int64) (*analysis.Snapshot, bool, error) {
	eng, err := h.engine(ctx)
	if err != nil {
		return nil, false, err
	}
	s := eng.Snapshot()
	return s, s.DataVersion >= ver, nil
}

// dataChanged is called after a write from a form: the analysis engine
// checks the data version now instead of at its next interval, so that the
// analysis shows the change as soon as a snapshot loads. An engine not
// loaded yet is left alone (its first load will read the change).
func (h *handler) dataChanged() {
	eng := h.opts.Analysis
	if eng == nil {
		eng = h.engLoaded.Load()
	}
	if eng != nil {
		eng.CatchUp()
	}
}

type engineState struct {
	engineOnce sync.Once
	eng        *analysis.Engine
	engErr     error
	engLoaded  atomic.Pointer[analysis.Engine] // eng once loaded without error
}

// analysisForm holds the analysis parameters as typed in the form.
type analysisForm struct {
	Scope     string
	Themes    []string
	Publics   []string
	YearText  string
	RadiusTxt string
}

func parseAnalysisForm(q url.Values) (analysisForm, analysis.Params) {
	f := analysisForm{Scope: strings.TrimSpace(q.Get("perimetre")), Themes: q["thematique"], Publics: q["public"],
		YearText: strings.TrimSpace(q.Get("annee")), RadiusTxt: strings.TrimSpace(q.Get("rayon"))}
	p := analysis.Params{Scope: f.Scope, Themes: f.Themes, Publics: f.Publics, Year: atoi(f.YearText, 0), MaxList: 60}
	if r, err := strconv.ParseFloat(strings.ReplaceAll(f.RadiusTxt, ",", "."), 64); err == nil && r > 0 {
		p.RadiusKm = r
	}
	return f, p
}

type analysisData struct {
	F           analysisForm
	Ref         refOptions
	R           *analysis.Result
	Error       string
	ThemeLabels string
	Map         template.HTML
	MapNote     string
	Communes    []communeRow
	// CommunesTotal is set when the table shows only the maxCommuneRows
	// communes with the least access.
	CommunesTotal int
	Funders       template.HTML
	Types         template.HTML
	Graph         template.HTML
	Equity        []equityLine
	ExplainBase   string
	Theme         string
	Trends        []trendRow
	Overlaps      []analysis.Overlap
	WhiteZones    []analysis.WhiteZone
	TrendCols     []string
}

// maxCommuneRows caps the communes table of the analysis page (a région has
// thousands of communes; html/template costs about 1 µs per action).
const maxCommuneRows = 400

type communeRow struct {
	analysis.CommuneFigure
	White   bool
	Explain string
}

type equityLine struct{ Label, Value, Meaning string }

type trendRow struct {
	Year   int
	Values []string
}

func (h *handler) analysis(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ver := h.sync(ctx)
	q := r.URL.Query()
	key := pageKey(ver, "analyse?"+q.Encode())
	if h.serveCached(w, r, key) {
		return
	}
	var d analysisData
	var p analysis.Params
	d.F, p = parseAnalysisForm(q)
	var err error
	if d.Ref, err = h.refOptions(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.F.Scope == "" && len(d.Ref.Groups) > 0 {
		d.F.Scope = d.Ref.Groups[0].Code
		p.Scope = d.F.Scope
	}
	if p.Scope != "" {
		snap, fresh, err := h.snapshotAt(ctx, ver)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !fresh {
			key = ""
		}
		res, err := analysis.Analyse(snap, p)
		if err != nil {
			d.Error = domain.ErrorMessage(err)
		} else {
			d.R = res
			h.fillAnalysis(ctx, &d, res)
		}
	}
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusBadRequest
	}
	h.renderCached(w, r, status, "analysis", page{Title: "Analyse de complémentarité", Section: "analyse",
		Crumbs: []crumb{{"Accueil", "/"}, {"Analyse", ""}}, Data: d}, key)
}

func (h *handler) fillAnalysis(ctx context.Context, d *analysisData, res *analysis.Result) {
	ref, _ := h.s.Referentials(ctx)
	themes := res.Params.Themes
	if len(themes) == 0 {
		d.ThemeLabels = "toutes les thématiques"
	} else {
		d.ThemeLabels = refLabels(ref, domain.RefTheme, themes)
		d.Theme = themes[0]
	}
	white := map[string]bool{}
	for _, z := range res.WhiteZones {
		white[z.Code] = true
	}
	base := url.Values{}
	base.Set("perimetre", res.Scope.Code)
	base.Set("annee", strconv.Itoa(res.Params.Year))
	if d.F.RadiusTxt != "" {
		base.Set("rayon", d.F.RadiusTxt)
	}
	for _, pu := range res.Params.Publics {
		base.Add("public", pu)
	}
	theme := d.Theme
	if theme == "" {
		if es := ref.Entries(domain.RefTheme); len(es) > 0 {
			theme = es[0].Code
		}
	}
	base.Set("thematique", theme)
	d.ExplainBase = "/analyse/explication?" + base.Encode()
	values := map[string]float64{}
	for _, c := range res.Communes {
		row := communeRow{CommuneFigure: c, White: white[c.Code], Explain: d.ExplainBase + "&commune=" + url.QueryEscape(c.Code)}
		d.Communes = append(d.Communes, row)
		if !c.NeedUnknown {
			values[c.Code] = c.AccessibilityPer1000
		}
	}
	if len(d.Communes) > maxCommuneRows {
		// a large scope: the communes with the least access, the map shows all
		d.CommunesTotal = len(d.Communes)
		sort.SliceStable(d.Communes, func(i, j int) bool { return d.Communes[i].AccessibilityPer1000 < d.Communes[j].AccessibilityPer1000 })
		d.Communes = d.Communes[:maxCommuneRows]
	}
	sort.Slice(d.Communes, func(i, j int) bool { return d.Communes[i].Name < d.Communes[j].Name })
	// map of accessibility with white zones outlined
	if td, err := h.loadShape(ctx, res.Scope.Code); err == nil {
		bm := h.basemap(ctx, td, 640)
		if bm.Len() > 0 {
			d.Map = template.HTML(bm.Render(mapsvg.Choropleth{ID: "carte-acces",
				Title: fmt.Sprintf("Accessibilité pour 1 000 personnes concernées, %d", res.Params.Year),
				Desc:  fmt.Sprintf("Places accessibles pour 1 000 personnes concernées (%s), par commune ; les zones blanches sont entourées de noir. Le tableau qui suit donne les valeurs.", res.Params.NeedIndicator),
				Unit:  "pour 1 000", Values: values, Highlight: white}))
			d.MapNote = "Zones blanches entourées d’un trait noir épais. Rayon de desserte : " + mapsvg.FormatNumber(res.Params.Radius, 1) + " km."
		}
	}
	// funding charts
	if len(res.Funding.ByFunder) > 0 {
		bars := make([]mapsvg.Bar, 0, 12)
		for i, f := range res.Funding.ByFunder {
			if i >= 12 {
				break
			}
			bars = append(bars, mapsvg.Bar{Label: f.Name, Value: f.Amount})
		}
		d.Funders = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "financeurs", Title: "Financements par financeur (12 premiers)", Unit: "€",
			Desc: "Montants de l’année répartis sur le périmètre ; le tableau qui suit donne toutes les valeurs."}, bars))
	}
	if len(res.Funding.ByFunderType) > 0 {
		bars := make([]mapsvg.Bar, 0, len(res.Funding.ByFunderType))
		for _, f := range res.Funding.ByFunderType {
			bars = append(bars, mapsvg.Bar{Label: f.Label, Value: math.Round(f.Share * 1000 / 10)})
		}
		d.Types = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "types-financeurs", Title: "Part des financements par type de financeur", Unit: "%",
			Desc: "Part de chaque type de financeur dans le total de l’année."}, bars))
	}
	// network
	if len(res.Network.NodeList) > 0 {
		nodes := make([]mapsvg.GraphNode, 0, len(res.Network.NodeList))
		for _, n := range res.Network.NodeList {
			nodes = append(nodes, mapsvg.GraphNode{ID: n.ID, Label: n.Name, Group: n.Type, Size: float64(n.Degree)})
		}
		edges := make([]mapsvg.GraphEdge, 0, len(res.Network.EdgeList))
		for _, e := range res.Network.EdgeList {
			edges = append(edges, mapsvg.GraphEdge{A: e.A, B: e.B, Weight: e.Weight})
		}
		d.Graph = template.HTML(mapsvg.Network(mapsvg.Chart{ID: "reseau", Title: "Réseau partenarial",
			Desc: fmt.Sprintf("%d acteurs reliés par %d liens (cofinancements, financeur-porteur). La CAF est en rouge. Le tableau qui suit liste les acteurs.", res.Network.Nodes, res.Network.Edges)}, nodes, edges))
	}
	d.Equity = equityLines(res.Equity)
	d.Overlaps = res.Overlaps[:min(len(res.Overlaps), 30)]
	d.WhiteZones = res.WhiteZones[:min(len(res.WhiteZones), 40)]
	// trends
	keys := []struct{ k, label string }{{"supply", "Offre (places)"}, {"need", "Besoin"}, {"accessibility_per_1000", "Accessibilité pour 1 000"}, {"funding_total", "Financements (€)"}, {"white_zones", "Zones blanches"}}
	for _, k := range keys {
		d.TrendCols = append(d.TrendCols, k.label)
	}
	for _, pt := range res.Trends.Points {
		row := trendRow{Year: pt.Year}
		for _, k := range keys {
			if v, ok := pt.Figures[k.k]; ok {
				row.Values = append(row.Values, formatNum(v))
			} else {
				row.Values = append(row.Values, "–")
			}
		}
		d.Trends = append(d.Trends, row)
	}
}

func ptr(p *float64) (float64, bool) {
	if p == nil || math.IsNaN(*p) {
		return 0, false
	}
	return *p, true
}

// equityLines explains the equity indices in plain French.
func equityLines(e analysis.Equity) []equityLine {
	var out []equityLine
	if g, ok := ptr(e.Gini); ok {
		m := "l’accès est réparti de façon assez égale entre les communes"
		switch {
		case g >= 0.5:
			m = "l’accès est très inégal : une petite partie des habitants concentre l’essentiel de l’offre accessible"
		case g >= 0.3:
			m = "l’accès est inégal entre les communes"
		}
		out = append(out, equityLine{"Indice de Gini de l’accessibilité", mapsvg.FormatNumber(g, 2),
			"0 si chaque personne concernée a le même accès, 1 si une seule commune a tout : " + m + "."})
	}
	if t, ok := ptr(e.Theil); ok {
		out = append(out, equityLine{"Indice de Theil", mapsvg.FormatNumber(t, 2),
			"0 quand l’accès est parfaitement égal ; plus il est grand, plus l’accès se concentre sur quelques communes."})
	}
	if s, ok := ptr(e.Spearman); ok {
		m := "l’offre ne suit ni ne contredit nettement le besoin"
		switch {
		case s >= 0.3:
			m = "les communes où le besoin est le plus fort ont plutôt un meilleur accès : l’offre suit le besoin"
		case s <= -0.3:
			m = "les communes où le besoin est le plus fort ont plutôt un moins bon accès : l’offre ne suit pas le besoin"
		}
		out = append(out, equityLine{"Corrélation de rang entre " + e.NeedRate + " et l’accessibilité", mapsvg.FormatNumber(s, 2),
			"Entre −1 et 1 : " + m + "."})
	}
	return out
}

// explanation shows "Pourquoi ce chiffre ?" for a commune and a theme.
func (h *handler) explanation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ver := h.sync(ctx)
	q := r.URL.Query()
	key := pageKey(ver, "explication?"+q.Encode())
	if h.serveCached(w, r, key) {
		return
	}
	_, p := parseAnalysisForm(q)
	commune := q.Get("commune")
	theme := q.Get("thematique")
	snap, fresh, err := h.snapshotAt(ctx, ver)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !fresh {
		key = ""
	}
	ex, err := analysis.Explain(snap, commune, theme, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	back := cloneQuery(q)
	back.Del("commune")
	d := map[string]any{"E": ex, "Theme": refLabels(ref, domain.RefTheme, []string{theme}), "Back": "/analyse?" + back.Encode()}
	h.renderCached(w, r, http.StatusOK, "explanation", page{Title: "Pourquoi ce chiffre ? " + ex.Commune.Name, Section: "analyse",
		Crumbs: []crumb{{"Accueil", "/"}, {"Analyse", "/analyse?" + back.Encode()}, {"Pourquoi ce chiffre ?", ""}}, Data: d}, key)
}
