package web

import (
	"net/http"
)

// analysis shows the complementarity analysis (filled in once the analysis
// engine is wired in).
func (h *handler) analysis(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "analysis", page{Title: "Analyse de complémentarité", Section: "analyse",
		Crumbs: []crumb{{"Accueil", "/"}, {"Analyse", ""}}})
}

func (h *handler) explanation(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "analysis", page{Title: "Pourquoi ce chiffre ?", Section: "analyse",
		Crumbs: []crumb{{"Accueil", "/"}, {"Analyse", "/analyse"}, {"Pourquoi ce chiffre ?", ""}}})
}
