package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

// homeData is the home page's content.
type homeData struct {
	Departements []domain.Territory
	EPCI         []domain.Territory
	Counts       []countLine
	LastUpdate   string
	Version      int64
	Diagnostics  []homeDiag
	Conventions  []homeConv
	Overdue      []homeDecision
}

type homeDiag struct {
	ID           int64
	Title, Stage string
	StageNo      int
}

type homeConv struct {
	ID                   int64
	Title, Period, Alert string
	AlertLevel           string
}

type homeDecision struct {
	Text, Owner, Due string
}

type countLine struct {
	Label string
	N     int
	Href  string
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ver := h.sync(ctx)
	key := pageKey(ver, "accueil|"+principalKey(ctx)+"|"+time.Now().Format("2006-01-02"))
	if h.serveCached(w, r, key) {
		return
	}
	var d homeData
	deps, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeDepartement})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Departements = deps.Items
	epci, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeEPCI, Limit: 60})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.EPCI = epci.Items
	com, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeCommune, Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	acts, err := h.s.Actions(ctx, domain.ActionFilter{Limit: 1, Sort: "-updated_at"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	actors, err := h.s.Actors(ctx, domain.ActorFilter{Limit: 1})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inds, err := h.s.Indicators(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Counts = []countLine{
		{"Départements", deps.Total, "/territoires?type=departement"},
		{"Intercommunalités (EPCI)", epci.Total, "/territoires?type=epci"},
		{"Communes", com.Total, "/territoires?type=commune"},
		{"Acteurs", actors.Total, ""},
		{"Actions", acts.Total, "/actions"},
		{"Indicateurs au catalogue", len(inds), ""},
	}
	if len(acts.Items) > 0 {
		d.LastUpdate = frenchDate(acts.Items[0].UpdatedAt)
	}
	d.Version, _ = h.s.DataVersion(ctx)
	h.homeFollowUp(ctx, &d)
	h.renderCached(w, r, http.StatusOK, "home", page{Title: "Accueil", Section: "accueil", Data: d}, key)
}

// homeFollowUp adds the diagnostics with their stage, the conventions with
// their renewal alerts and the overdue decisions (errors leave them out: the
// home page must show even when that part fails).
func (h *handler) homeFollowUp(ctx context.Context, d *homeData) {
	today := time.Now()
	if pg, err := h.s.Diagnostics(ctx, domain.DiagnosticFilter{Limit: 10}); err == nil {
		for _, x := range pg.Items {
			d.Diagnostics = append(d.Diagnostics, homeDiag{ID: x.ID, Title: x.Title, Stage: domain.StageLabel(x.Stage), StageNo: domain.StageIndex(x.Stage) + 1})
		}
	}
	if pg, err := h.s.Conventions(ctx, domain.ConventionFilter{Limit: 10}); err == nil {
		for i := range pg.Items {
			c := &pg.Items[i]
			hc := homeConv{ID: c.ID, Title: c.Title, Period: c.Start.Format("01/2006") + " – " + c.End.Format("01/2006")}
			if a := diagnostic.RenewalOf(c, today, diagnostic.DefaultRenewalWindow); a != nil {
				hc.Alert, hc.AlertLevel = a.Message, a.Level
			}
			d.Conventions = append(d.Conventions, hc)
		}
	}
	if ds, err := h.s.Decisions(ctx, domain.DecisionFilter{}); err == nil {
		for i, x := range diagnostic.Overdue(ds, today) {
			if i >= 5 {
				break
			}
			hd := homeDecision{Text: x.Text, Owner: x.OwnerName}
			if x.DueDate != nil {
				hd.Due = x.DueDate.Format("02/01/2006")
			}
			d.Overdue = append(d.Overdue, hd)
		}
	}
}

var typeLabels = map[domain.TerritoryType]string{
	domain.TypeRegion:         "Région",
	domain.TypeDepartement:    "Département",
	domain.TypeEPCI:           "Intercommunalité",
	domain.TypeCommune:        "Commune",
	domain.TypeArrondissement: "Arrondissement municipal",
	domain.TypePerimeter:      "Périmètre",
}

type territoriesData struct {
	Q, Type string
	Types   []option
	Items   []domain.Territory
	Pager   pager
}

type option struct {
	Value, Label string
	Selected     bool
}

func (h *handler) territories(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := territoriesData{Q: q.Get("q"), Type: q.Get("type")}
	for _, t := range []domain.TerritoryType{domain.TypeRegion, domain.TypeDepartement, domain.TypeEPCI, domain.TypeCommune, domain.TypePerimeter} {
		d.Types = append(d.Types, option{string(t), typeLabels[t], string(t) == d.Type})
	}
	pageNo := atoi(q.Get("page"), 1)
	const per = 50
	f := domain.TerritoryFilter{Type: domain.TerritoryType(d.Type), Text: d.Q, Offset: (pageNo - 1) * per, Limit: per}
	if d.Type != "" && !f.Type.Valid() {
		f.Type = ""
	}
	pg, err := h.s.Territories(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Items = pg.Items
	d.Pager = newPager(r, pageNo, per, pg.Total)
	h.render(w, r, http.StatusOK, "territories", page{Title: "Territoires", Section: "territoires",
		Crumbs: []crumb{{"Accueil", "/"}, {"Territoires", ""}}, Data: d})
}

// portraitData is a territory portrait.
type portraitData struct {
	T          *domain.Territory
	TypeLabel  string
	Parents    []*domain.Territory
	Children   []domain.Territory
	KeyFigures []keyFigure
	// map
	Indicator  *domain.Indicator
	Year       int
	Indicators []option
	Years      []option
	Map        template.HTML
	MapRows    []mapRow
	MapMissing bool
	Chart      template.HTML
	ChartRows  []chartRow
	ChartNames []string
	Compare    compareTable
	Comparable []comparableRow
	Public     bool
}

type comparableRow struct {
	Code, Name string
	Distance   string
}

type keyFigure struct {
	Ind        *domain.Indicator
	Year       int
	Value      string
	Unit       string
	PrevYear   int
	Evolution  string
	EvolClass  string
	ShareOfPop string
}

type mapRow struct {
	Code, Name string
	Value      string
	HasValue   bool
}

type chartRow struct {
	Year   int
	Values []string
}

type compareTable struct {
	Columns []string
	Year    int
	Rows    []compareRow
}

type compareRow struct {
	Label  string
	Unit   string
	Source string
	Cells  []string
}

func (h *handler) portrait(w http.ResponseWriter, r *http.Request) {
	h.portraitPage(w, r, false)
}

func (h *handler) portraitPage(w http.ResponseWriter, r *http.Request, public bool) {
	ctx := r.Context()
	ver := h.sync(ctx)
	code := r.PathValue("code")
	key := pageKey(ver, "portrait/"+code+"?"+r.URL.Query().Encode())
	if public {
		key = pageKey(ver, "public/"+code+"|"+principalKey(ctx)) // operator names follow what the visitor may see
	}
	if h.serveCached(w, r, key) {
		return
	}
	inds, index, err := h.indicatorIndex(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	td, err := h.loadTerritory(ctx, code, index)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	t := td.T
	d := portraitData{T: t, TypeLabel: typeLabels[t.Type], Public: public}
	// parents: EPCI, département, région
	var parentCodes []string
	if t.Parent != "" && t.Type == domain.TypeCommune {
		parentCodes = append(parentCodes, t.Parent)
	}
	if t.Departement != "" && t.Type != domain.TypeDepartement {
		parentCodes = append(parentCodes, t.Departement)
	}
	if t.Region != "" && t.Type != domain.TypeRegion {
		parentCodes = append(parentCodes, t.Region)
	}
	// map indicator and year
	sel := r.URL.Query().Get("indicateur")
	if _, ok := td.ByCommune[sel]; !ok || index[sel] == nil {
		sel = ""
	}
	if sel == "" {
		for _, ind := range inds {
			if _, ok := td.ByCommune[ind.Code]; ok {
				sel = ind.Code
				break
			}
		}
	}
	var parents []*territoryData
	for _, pc := range parentCodes {
		ptd, err := h.loadParent(ctx, pc, index, td, sel)
		if err != nil {
			continue
		}
		parents = append(parents, ptd)
		d.Parents = append(d.Parents, ptd.T)
	}
	// key figures
	for i := range inds {
		ind := &inds[i]
		agg := td.Agg[ind.Code]
		ys := years(agg)
		if len(ys) == 0 {
			continue
		}
		y := ys[len(ys)-1]
		v := agg[y]
		kf := keyFigure{Ind: ind, Year: y, Value: formatNum(v), Unit: ind.Unit}
		if len(ys) > 1 {
			py := ys[len(ys)-2]
			pv := agg[py]
			kf.PrevYear = py
			if isRate(ind) {
				diff := v - pv
				kf.Evolution = signed(diff, 1) + " point"
				if math.Abs(diff) >= 2 {
					kf.Evolution += "s"
				}
				if math.Round(diff*10) == 0 {
					kf.Evolution = "stable"
				}
				kf.EvolClass = evolClass(diff)
			} else if pv != 0 {
				pct := (v - pv) / pv * 100
				kf.Evolution = signed(pct, 1) + " %"
				if math.Round(pct*10) == 0 {
					kf.Evolution = "stable"
				}
				kf.EvolClass = evolClass(pct)
			}
		}
		if !isRate(ind) && ind.Code != domain.IndicatorPopulation {
			if pop := td.Agg[domain.IndicatorPopulation][y]; pop > 0 {
				kf.ShareOfPop = mapsvg.FormatNumber(v/pop*100, 1) + " % de la population"
			}
		}
		d.KeyFigures = append(d.KeyFigures, kf)
	}
	// population first, then the catalogue order
	sort.SliceStable(d.KeyFigures, func(i, j int) bool {
		return d.KeyFigures[i].Ind.Code == domain.IndicatorPopulation && d.KeyFigures[j].Ind.Code != domain.IndicatorPopulation
	})
	for _, ind := range inds {
		if _, ok := td.ByCommune[ind.Code]; ok {
			d.Indicators = append(d.Indicators, option{ind.Code, ind.Label, ind.Code == sel})
		}
	}
	if sel != "" {
		d.Indicator = index[sel]
		ys := years(td.ByCommune[sel])
		d.Year = ys[len(ys)-1]
		if y := atoi(r.URL.Query().Get("annee"), 0); td.ByCommune[sel][y] != nil {
			d.Year = y
		}
		for i := len(ys) - 1; i >= 0; i-- {
			d.Years = append(d.Years, option{strconv.Itoa(ys[i]), strconv.Itoa(ys[i]), ys[i] == d.Year})
		}
		values := td.ByCommune[sel][d.Year]
		bm := h.basemap(ctx, td, 640)
		dec := mapsvg.Decimals(maxAbs(values))
		for _, c := range td.Communes {
			v, ok := values[c.Code]
			row := mapRow{Code: c.Code, Name: c.Name, HasValue: ok}
			if ok {
				row.Value = mapsvg.FormatNumber(v, dec)
			}
			d.MapRows = append(d.MapRows, row)
		}
		if bm.Len() > 0 {
			title := fmt.Sprintf("%s par commune, %d", d.Indicator.Label, d.Year)
			d.Map = template.HTML(bm.Render(mapsvg.Choropleth{
				ID: "carte", Title: title, Unit: d.Indicator.Unit, Values: values,
				Desc: fmt.Sprintf("Carte des communes de %s, classes par quantiles. Source : %s, %d. Les valeurs sont dans le tableau qui suit.", t.Name, d.Indicator.Source, d.Year),
			}))
		} else {
			d.MapMissing = true
		}
		// time series: the territory, and its parents for rates
		series := []mapsvg.Series{{Name: t.Name, Points: points(td.Agg[sel])}}
		d.ChartNames = []string{t.Name}
		if isRate(d.Indicator) {
			for _, p := range parents {
				if len(p.Agg[sel]) > 0 {
					series = append(series, mapsvg.Series{Name: p.T.Name, Points: points(p.Agg[sel])})
					d.ChartNames = append(d.ChartNames, p.T.Name)
				}
			}
		}
		d.Chart = template.HTML(mapsvg.LineChart(mapsvg.Chart{ID: "evolution", Unit: d.Indicator.Unit,
			Title: fmt.Sprintf("Évolution : %s", d.Indicator.Label),
			Desc:  fmt.Sprintf("Source : %s. Les valeurs sont dans le tableau qui suit.", d.Indicator.Source)}, series))
		for _, y := range years(td.Agg[sel]) {
			row := chartRow{Year: y}
			for _, s := range series {
				val := "–"
				for _, p := range s.Points {
					if int(p.X) == y {
						val = formatNum(p.Y)
					}
				}
				row.Values = append(row.Values, val)
			}
			d.ChartRows = append(d.ChartRows, row)
		}
	}
	// comparison with parents, latest year of the territory's population
	d.Compare.Columns = []string{t.Name}
	for _, p := range parents {
		d.Compare.Columns = append(d.Compare.Columns, p.T.Name)
	}
	for i := range inds {
		ind := &inds[i]
		ys := years(td.Agg[ind.Code])
		if len(ys) == 0 {
			continue
		}
		y := ys[len(ys)-1]
		row := compareRow{Label: ind.Label, Unit: ind.Unit, Source: fmt.Sprintf("%s, %d", ind.Source, y)}
		all := append([]*territoryData{td}, parents...)
		for _, x := range all {
			v, ok := x.Agg[ind.Code][y]
			cell := "–"
			if ok {
				cell = formatNum(v)
				if !isRate(ind) && ind.Code != domain.IndicatorPopulation {
					if pop := x.Agg[domain.IndicatorPopulation][y]; pop > 0 {
						cell += " (" + mapsvg.FormatNumber(v/pop*100, 1) + " %)"
					}
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		d.Compare.Rows = append(d.Compare.Rows, row)
	}
	// comparable territories (analysis engine: nearest standardised profiles)
	if !public && t.Type != domain.TypeRegion {
		if snap, fresh, err := h.snapshotAt(ctx, ver); err == nil {
			if !fresh {
				key = ""
			}
			if res, err := analysis.Analyse(snap, analysis.Params{Scope: t.Code, TrendYears: -1, MaxList: 1}); err == nil {
				for _, c := range res.Comparable {
					d.Comparable = append(d.Comparable, comparableRow{c.Code, c.Name, mapsvg.FormatNumber(c.Distance, 2)})
				}
			}
		}
	}
	// children (EPCI of a département, communes of an EPCI)
	switch t.Type {
	case domain.TypeDepartement, domain.TypeRegion:
		pg, err := h.s.Territories(ctx, domain.TerritoryFilter{Within: t.Code, Type: domain.TypeEPCI})
		if err == nil {
			d.Children = pg.Items
		}
	case domain.TypeEPCI, domain.TypePerimeter:
		d.Children = td.Communes
	}
	crumbs := []crumb{{"Accueil", "/"}, {"Territoires", "/territoires"}}
	section := "territoires"
	tmpl := "portrait"
	if public {
		crumbs = []crumb{{"Accueil", "/"}, {"Carte publique", "/public"}}
		section = ""
	}
	for i := len(d.Parents) - 1; i >= 0; i-- {
		p := d.Parents[i]
		href := "/territoires/" + p.Code
		if public {
			href = "/public/" + p.Code
		}
		crumbs = append(crumbs, crumb{p.Name, href})
	}
	crumbs = append(crumbs, crumb{t.Name, ""})
	if public {
		h.publicActions(w, r, d, crumbs, key)
		return
	}
	h.renderCached(w, r, http.StatusOK, tmpl, page{Title: "Portrait : " + t.Name, Section: section, Crumbs: crumbs, Data: d}, key)
}

func points(m map[int]float64) []mapsvg.XY {
	ys := years(m)
	out := make([]mapsvg.XY, len(ys))
	for i, y := range ys {
		out[i] = mapsvg.XY{X: float64(y), Y: m[y]}
	}
	return out
}

func maxAbs(m map[string]float64) float64 {
	x := 0.0
	for _, v := range m {
		x = math.Max(x, math.Abs(v))
	}
	return x
}

func signed(v float64, dec int) string {
	p := math.Pow(10, float64(dec))
	v = math.Round(v*p) / p
	s := mapsvg.FormatNumber(v, dec)
	if v > 0 {
		return "+" + s
	}
	return s
}

func evolClass(v float64) string {
	v = math.Round(v*10) / 10
	switch {
	case v > 0:
		return "evolution-hausse"
	case v < 0:
		return "evolution-baisse"
	}
	return ""
}
