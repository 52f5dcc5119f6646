package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"maillage/internal/analysis"
)

// registerAnalysisRoutes adds the complementarity analysis routes to the
// route table.
func (s *Server) registerAnalysisRoutes() {
	common := []Param{
		{Name: "public", Description: "Public visé (répétable, ou séparé par des virgules) : seules les actions qui servent l'un de ces publics comptent. Par défaut, tous."},
		{Name: "year", Type: "integer", Description: "Année de l'analyse (par défaut : la dernière année de financement connue).", Minimum: ptr(1900.0), Maximum: ptr(2200.0)},
		{Name: "need", Description: "Indicateur de besoin à utiliser à la place de la correspondance thématique → indicateur (par exemple familles_monoparentales)."},
		{Name: "radius", Type: "number", Description: fmt.Sprintf("Rayon d'accessibilité d0 en km (défaut %g km).", analysis.DefaultRadiusKm), Minimum: ptr(0.0), Maximum: ptr(200.0)},
	}
	s.add(&Route{
		Method: "GET", Path: "/analysis", Tag: "analyse", Kind: "analysis", OperationID: "getAnalysis",
		Summary: "Analyse de complémentarité d'un territoire",
		Description: "Pour les communes du territoire : besoin, offre, accessibilité (aire de chalandise flottante à deux étapes, " +
			"pondération gaussienne), zones blanches, communes sous-desservies, chevauchements d'actions, financements " +
			"(part de la CAF, indice de Herfindahl-Hirschman), réseau partenarial, équité (Gini, Theil, Spearman), " +
			"évolution annuelle et territoires comparables. Les paramètres résolus et la version des données sont " +
			"renvoyés pour rendre le résultat reproductible. Formules : docs/analysis.md.",
		Params: append([]Param{
			{Name: "scope", Required: true, Description: "Territoire analysé : commune (INSEE), EPCI (SIREN), département, région (R + code), périmètre."},
			{Name: "theme", Description: "Thématique (répétable, ou séparé par des virgules). Par défaut, toutes."},
		}, append(common,
			Param{Name: "need_rate", Description: "Indicateur de taux de besoin pour la corrélation de Spearman (défaut taux_pauvrete)."},
			Param{Name: "comparable", Type: "integer", Description: "Nombre de territoires comparables (défaut 5).", Minimum: ptr(0.0), Maximum: ptr(50.0)},
			Param{Name: "max_list", Type: "integer", Description: "Longueur maximale des listes longues : chevauchements, financeurs, nœuds et liens du réseau (défaut 200).", Minimum: ptr(1.0), Maximum: ptr(100000.0)},
			Param{Name: "trend_years", Type: "integer", Description: "Nombre d'années de l'évolution (défaut 10 ; -1 : pas d'évolution).", Minimum: ptr(-1.0), Maximum: ptr(50.0)},
		)...),
		Response: analysis.Result{},
		Handle:   s.getAnalysis,
	})
	s.add(&Route{
		Method: "GET", Path: "/analysis/explain", Tag: "analyse", Kind: "analysis", OperationID: "explainAnalysis",
		Summary: "Expliquer l'accessibilité d'une commune pour une thématique",
		Description: "Les actions, valeurs d'indicateurs, distances et poids qui produisent l'offre S_j, le ratio R_j " +
			"et l'accessibilité A_i de la commune.",
		Params: append([]Param{
			{Name: "commune", Required: true, Description: "Code INSEE de la commune expliquée."},
			{Name: "theme", Required: true, Description: "Thématique."},
			{Name: "scope", Description: "Territoire de l'analyse (facultatif ; il ne change pas le calcul, qui porte sur toutes les communes à portée)."},
		}, common...),
		Response: analysis.Explanation{},
		Handle:   s.explainAnalysis,
	})
}

// analysisEngines holds the engine of each Server that was not given one
// in Options (loaded on first use).
var analysisEngines sync.Map // *Server → *lazyEngine

type lazyEngine struct {
	once sync.Once
	eng  *analysis.Engine
	err  error
}

func (s *Server) analysisEngine(ctx context.Context) (*analysis.Engine, error) {
	if s.opts.Analysis != nil {
		return s.opts.Analysis, nil
	}
	v, _ := analysisEngines.LoadOrStore(s, &lazyEngine{})
	le := v.(*lazyEngine)
	le.once.Do(func() {
		le.eng, le.err = analysis.NewEngine(context.Background(), s.store)
	})
	return le.eng, le.err
}

// list reads a repeatable parameter whose values may also be comma-separated.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func (q *query) number(name string, min, max float64) float64 {
	s := strings.ReplaceAll(q.str(name), ",", ".")
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < min || x > max {
		q.errs = append(q.errs, fieldErr(name, fmt.Sprintf("nombre entre %g et %g attendu, %q reçu", min, max, q.str(name))))
		return 0
	}
	return x
}

func analysisParams(q *query) analysis.Params {
	p := analysis.Params{
		Scope:   q.str("scope"),
		Themes:  q.list("theme"),
		Publics: q.list("public"),
		Year:    q.int("year", 1900, 2200),
		Need:    q.str("need"),
	}
	p.RadiusKm = q.number("radius", 0, 200)
	return p
}

func (s *Server) getAnalysis(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	p := analysisParams(q)
	if p.Scope == "" {
		q.errs = append(q.errs, fieldErr("scope", "obligatoire : un code de territoire"))
	}
	p.NeedRate = q.str("need_rate")
	p.Comparable = q.int("comparable", 0, 50)
	if q.str("comparable") == "0" {
		p.Comparable = -1
	}
	p.MaxList = q.int("max_list", 1, 100000)
	p.TrendYears = q.int("trend_years", -1, 50)
	if err := q.err(); err != nil {
		return err
	}
	eng, err := s.analysisEngine(r.Context())
	if err != nil {
		return err
	}
	res, err := eng.Analyse(p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) explainAnalysis(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	p := analysisParams(q)
	commune, theme := q.str("commune"), q.str("theme")
	if commune == "" {
		q.errs = append(q.errs, fieldErr("commune", "obligatoire : le code INSEE de la commune"))
	}
	if theme == "" {
		q.errs = append(q.errs, fieldErr("theme", "obligatoire : la thématique"))
	}
	if err := q.err(); err != nil {
		return err
	}
	eng, err := s.analysisEngine(r.Context())
	if err != nil {
		return err
	}
	e, err := eng.Explain(commune, theme, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}
