package web

// The printable report of a diagnostic: scope and participants, the frozen
// portrait's key figures and accessibility map, fieldwork, findings with
// every organisation's position, the restitution's decisions and the ranked
// priorities. A print stylesheet (static/app/diagnostic.css) lays it out for
// paper and "save as PDF".

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

type reportData struct {
	*diagPageData
	Restit    *restitData
	Map       template.HTML
	MapTitle  string
	MapRows   []dgMapRow
	White     []dgMapRow
	Generated string
}

type dgMapRow struct {
	Name, Value, Need string
}

func (h *handler) diagnosticReport(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	pd, err := h.diagPageData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rd, err := h.restitData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := &reportData{diagPageData: pd, Restit: rd, Generated: frenchDateTime(svc.Now())}
	// the map of the latest frozen portrait
	pts, err := svc.Diag.Portraits(ctx, d.ID)
	if err == nil && len(pts) > 0 {
		p := pts[len(pts)-1]
		var res analysis.Result
		if json.Unmarshal(p.Result, &res) == nil && len(res.Communes) > 0 {
			values := map[string]float64{}
			for _, c := range res.Communes {
				if !c.NeedUnknown {
					values[c.Code] = c.AccessibilityPer1000
				}
				data.MapRows = append(data.MapRows, dgMapRow{Name: c.Name, Value: formatNumDec(c.AccessibilityPer1000, 1), Need: formatNum(c.Need)})
			}
			white := map[string]bool{}
			for _, z := range res.WhiteZones {
				white[z.Code] = true
				data.White = append(data.White, dgMapRow{Name: z.Name, Need: formatNum(z.Uncovered)})
			}
			if len(data.MapRows) > 40 {
				data.MapRows = data.MapRows[:40]
			}
			{
				// only the outlines: the map draws the snapshot's figures
				if td, err := h.loadShape(ctx, d.Perimeter); err == nil {
					bm := h.basemap(ctx, td, 640)
					data.MapTitle = fmt.Sprintf("Accessibilité pour 1 000 personnes concernées (portrait figé du %s)", frenchDate(p.TakenAt))
					data.Map = template.HTML(bm.Render(mapsvg.Choropleth{ID: "carte-rapport", Title: data.MapTitle,
						Desc: "Places accessibles pour 1 000 personnes concernées, par commune, selon le portrait figé du diagnostic ; zones blanches entourées de noir. Le tableau qui suit donne les valeurs.",
						Unit: "pour 1 000", Values: values, Highlight: white, Palette: mapsvg.Cividis}))
				}
			}
		}
	}
	h.render(w, r, http.StatusOK, "diag_report", page{Title: "Rapport — " + d.Title, Section: "diagnostics",
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {d.Title, "/diagnostics/" + itoa64(d.ID)}, {"Rapport", ""}}, Data: data})
}

func itoa64(n int64) string { return fmt.Sprint(n) }

var _ = domain.StageLabel
