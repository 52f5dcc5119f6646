package web

import (
	"html/template"
	"net/http"

	"maillage/internal/domain"
)

// publicIndex lists territories for the public pages (no account).
func (h *handler) publicIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	deps, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeDepartement})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	epci, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeEPCI, Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "public_index", page{Title: "Carte publique des actions",
		Crumbs: []crumb{{"Accueil", "/"}, {"Carte publique", ""}},
		Data:   map[string][]domain.Territory{"Departements": deps.Items, "EPCI": epci.Items}})
}

func (h *handler) publicTerritory(w http.ResponseWriter, r *http.Request) {
	h.portraitPage(w, r, true)
}

type publicData struct {
	P       portraitData
	Actions []actionRow
	Total   int
	Map     template.HTML
	Note    string
}

// publicActions renders the public page of a territory: its public actions
// (visibility "public" only) as a list and a map, with its key figures.
func (h *handler) publicActions(w http.ResponseWriter, r *http.Request, p portraitData, crumbs []crumb, key string) {
	ctx := r.Context()
	d := publicData{P: p}
	ref, _ := h.s.Referentials(ctx)
	var public []domain.Action
	const scanMax = 5000
	for off := 0; off < scanMax; off += 500 {
		pg, err := h.s.Actions(ctx, domain.ActionFilter{Territory: p.T.Code, Sort: "title", Offset: off, Limit: 500})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, a := range pg.Items {
			if a.Visibility == domain.VisibilityPublic {
				public = append(public, a)
			}
		}
		if off+500 >= pg.Total {
			break
		}
	}
	names := h.actorNames(ctx, public, nil)
	for _, a := range public {
		d.Actions = append(d.Actions, actionRow{A: a, Operator: names[a.OperatorID], Themes: refLabels(ref, domain.RefTheme, a.Themes)})
	}
	d.Total = len(public)
	if td, err := h.loadShape(ctx, p.T.Code); err == nil {
		d.Map, d.Note = h.drawActionsMap(ctx, td, public, len(public))
	}
	h.renderCached(w, r, http.StatusOK, "public_territory", page{Title: "Actions publiques : " + p.T.Name, Crumbs: crumbs, Data: d}, key)
}
