package web

// Creation forms of the conventions: a convention (type, signatories,
// perimeter, period, themes, the diagnostic it rests on) and a fiche action
// of a convention (objective, lead, partners, budget by funder, an
// indicator with its baseline and target).

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"maillage/internal/domain"
)

var convNewCrumbs = []crumb{{"Accueil", "/"}, {"Conventions", "/conventions"}, {"Nouvelle convention", ""}}

func (h *handler) conventionForm(ctx context.Context, v url.Values) *cForm {
	ref, _ := h.s.Referentials(ctx)
	orgs, _ := h.orgOptions(ctx)
	f := &cForm{Action: "/conventions/nouvelle", Submit: "Créer la convention", Cancel: "/conventions",
		Fields: []*cField{
			{Name: "kind", Label: "Type de convention", Kind: "select", Required: true, Options: kindOptions(domain.ConventionKinds, conventionKind)},
			{Name: "title", Label: "Titre", Kind: "text", Required: true},
			{Name: "perimeter", Label: "Périmètre", Hint: "code du territoire : intercommunalité (SIREN), commune (INSEE) ou département", Kind: "text", Required: true},
			{Name: "start", Label: "Début", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date", Required: true},
			{Name: "end", Label: "Fin", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date", Required: true},
			{Name: "themes", Label: "Thématiques", Kind: "checks", Options: h.themeOptions(ref)},
			{Name: "signatories", Label: "Signataires (organisations)", Kind: "checks", Options: orgs},
			{Name: "other_signatories", Label: "Autres signataires", Hint: "un par ligne : nom ; rôle (facultatif)", Kind: "textarea", Rows: 3},
			{Name: "diagnostic_id", Label: "Diagnostic sur lequel elle repose (facultatif)", Kind: "select", Options: withNone("Aucun", h.diagnosticOptions(ctx))},
			{Name: "body_id", Label: "Instance de pilotage (facultatif)", Kind: "select", Options: withNone("Aucune", h.bodyOptions(ctx))},
		}}
	f.fill(v)
	return f
}

func (h *handler) conventionNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "créer une convention") {
		return
	}
	h.renderCreate(w, r, http.StatusOK, "Nouvelle convention", "conventions", convNewCrumbs, h.conventionForm(r.Context(), r.URL.Query()))
}

func (h *handler) conventionCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "créer une convention") {
		return
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := h.conventionForm(ctx, v)
	_, byID := h.orgOptions(ctx)
	fe := map[string]string{}
	c := &domain.Convention{Kind: v.Get("kind"), Title: v.Get("title"), Perimeter: strings.TrimSpace(v.Get("perimeter")), Themes: v["themes"],
		DiagnosticID: formID(v.Get("diagnostic_id")), BodyID: formID(v.Get("body_id")), Amendments: []domain.Amendment{}, Signatories: []domain.Signatory{}}
	if d := parseDate(strings.TrimSpace(v.Get("start")), "start", fe); d != nil {
		c.Start = *d
	}
	if d := parseDate(strings.TrimSpace(v.Get("end")), "end", fe); d != nil {
		c.End = *d
	}
	for _, s := range v["signatories"] {
		id := formID(s)
		c.Signatories = append(c.Signatories, domain.Signatory{OrgID: id, ActorID: byID[id].ActorID, Name: byID[id].Name, Role: "signataire"})
	}
	for _, l := range lines(v.Get("other_signatories")) {
		p := splitLine(l)
		s := domain.Signatory{Name: p[0], Role: "signataire"}
		if len(p) > 1 && p[1] != "" {
			s.Role = p[1]
		}
		c.Signatories = append(c.Signatories, s)
	}
	if len(fe) == 0 {
		if err := svc.CreateConvention(ctx, c); err != nil && !h.serviceError(w, r, f, err, map[string]string{"signatories": "signatories"}) {
			return
		}
	} else {
		mergeInvalid(fe, c.Validate(h.ref(ctx)))
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouvelle convention", "conventions", convNewCrumbs, f)
		return
	}
	http.Redirect(w, r, "/conventions/"+strconv.FormatInt(c.ID, 10)+"?ok=creee", http.StatusSeeOther)
}

// ---- new fiche action ----

func ficheCrumbs(c *domain.Convention) []crumb {
	return []crumb{{"Accueil", "/"}, {"Conventions", "/conventions"}, {c.Title, "/conventions/" + strconv.FormatInt(c.ID, 10)}, {"Nouvelle fiche action", ""}}
}

// actorOrgOptions lists the organisations linked to an actor (the lead and
// partners of a fiche are actors), with the actor id as value.
func (h *handler) actorOrgOptions(ctx context.Context) []dgOption {
	orgs, err := h.s.Organisations(ctx)
	if err != nil {
		return nil
	}
	var out []dgOption
	for _, o := range orgs {
		if o.ActorID != 0 {
			out = append(out, dgOption{Value: strconv.FormatInt(o.ActorID, 10), Label: o.Name})
		}
	}
	return out
}

func (h *handler) ficheForm(ctx context.Context, c *domain.Convention, v url.Values) *cForm {
	ref, _ := h.s.Referentials(ctx)
	actors := h.actorOrgOptions(ctx)
	themes := []dgOption{{Value: "", Label: "Aucune"}}
	for _, t := range c.Themes {
		themes = append(themes, dgOption{Value: t, Label: refLabels(ref, domain.RefTheme, []string{t})})
	}
	f := &cForm{Action: fmt.Sprintf("/conventions/%d/fiches/nouvelle", c.ID), Submit: "Créer la fiche action", Cancel: fmt.Sprintf("/conventions/%d", c.ID),
		Intro: "La période de la convention va du " + frenchDate(c.Start.Time) + " au " + frenchDate(c.End.Time) + " : le budget se répartit sur ces années.",
		Fields: []*cField{
			{Name: "number", Label: "Numéro", Hint: "par exemple 1.2", Kind: "text"},
			{Name: "axis", Label: "Axe", Kind: "text"},
			{Name: "title", Label: "Intitulé", Kind: "text", Required: true},
			{Name: "objective", Label: "Objectif", Kind: "textarea", Rows: 3, Required: true},
			{Name: "theme", Label: "Thématique", Kind: "select", Options: themes},
			{Name: "lead_actor_id", Label: "Pilote", Hint: "l’organisation qui pilote la fiche, ou un nom ci-dessous", Kind: "select", Options: withNone("Autre (nom ci-dessous)", actors)},
			{Name: "lead_name", Label: "Pilote (nom)", Hint: "si le pilote n’est pas dans la liste", Kind: "text"},
			{Name: "partners", Label: "Partenaires", Kind: "checks", Options: append([]dgOption(nil), actors...)},
			{Name: "budget", Label: "Budget par financeur", Hint: "une ligne par financeur et par année : financeur ; année ; montant en euros", Kind: "textarea", Rows: 4},
			{Name: "indicator_label", Label: "Indicateur suivi", Hint: "par exemple : familles accueillies par an", Kind: "text"},
			{Name: "indicator_unit", Label: "Unité de l’indicateur", Kind: "text"},
			{Name: "indicator_baseline", Label: "Valeur de départ", Kind: "number"},
			{Name: "indicator_target", Label: "Cible", Kind: "number"},
		}}
	f.fill(v)
	return f
}

func (h *handler) ficheNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "ajouter une fiche action") {
		return
	}
	_, c, ok := h.loadConvention(w, r)
	if !ok {
		return
	}
	h.renderCreate(w, r, http.StatusOK, "Nouvelle fiche action", "conventions", ficheCrumbs(c), h.ficheForm(r.Context(), c, r.URL.Query()))
}

// indicatorKey makes a code (lower-case letters, digits, _) from a label.
func indicatorKey(label string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(label)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
		default:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
				b.WriteByte('_')
			}
		}
	}
	k := strings.Trim(b.String(), "_")
	if len(k) > 40 {
		k = strings.TrimRight(k[:40], "_")
	}
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		k = "indicateur_" + k
	}
	return strings.TrimRight(k, "_")
}

func (h *handler) ficheCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "ajouter une fiche action") {
		return
	}
	svc, c, ok := h.loadConvention(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := h.ficheForm(ctx, c, v)
	fe := map[string]string{}
	fi := &domain.FicheAction{ConventionID: c.ID, Number: strings.TrimSpace(v.Get("number")), Axis: strings.TrimSpace(v.Get("axis")), Title: v.Get("title"),
		Objective: strings.TrimSpace(v.Get("objective")), Theme: v.Get("theme"), LeadActorID: formID(v.Get("lead_actor_id")), LeadName: strings.TrimSpace(v.Get("lead_name")),
		Status: domain.FichePlanned, Budget: []domain.BudgetLine{}, Indicators: []domain.FicheIndicator{}}
	for _, p := range v["partners"] {
		fi.Partners = append(fi.Partners, formID(p))
	}
	for i, l := range lines(v.Get("budget")) {
		p := splitLine(l)
		if len(p) != 3 {
			fe["budget"] = joinNonEmpty(" ; ", fe["budget"], fmt.Sprintf("ligne %d : écrivez financeur ; année ; montant", i+1))
			continue
		}
		y, err := strconv.Atoi(p[1])
		if err != nil {
			fe["budget"] = joinNonEmpty(" ; ", fe["budget"], fmt.Sprintf("ligne %d : année invalide « %s »", i+1, p[1]))
			continue
		}
		amt, err := parseFloatFR(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(p[2], "€")), " "))
		if err != nil {
			fe["budget"] = joinNonEmpty(" ; ", fe["budget"], fmt.Sprintf("ligne %d : montant invalide « %s »", i+1, p[2]))
			continue
		}
		fi.Budget = append(fi.Budget, domain.BudgetLine{FunderName: p[0], Year: y, Amount: amt})
	}
	if label := strings.TrimSpace(v.Get("indicator_label")); label != "" || v.Get("indicator_target") != "" || v.Get("indicator_baseline") != "" {
		ind := domain.FicheIndicator{Key: indicatorKey(label), Label: label, Unit: strings.TrimSpace(v.Get("indicator_unit"))}
		if label == "" {
			fe["indicator_label"] = "obligatoire quand une valeur de départ ou une cible est donnée"
		}
		num := func(field string) float64 {
			s := strings.TrimSpace(v.Get(field))
			if s == "" {
				fe[field] = "obligatoire pour suivre l’indicateur"
				return 0
			}
			x, err := parseFloatFR(s)
			if err != nil {
				fe[field] = "nombre invalide « " + s + " »"
			}
			return x
		}
		ind.Baseline, ind.Target = num("indicator_baseline"), num("indicator_target")
		fi.Indicators = append(fi.Indicators, ind)
	}
	if len(fe) == 0 {
		if err := svc.AddFiche(ctx, fi); err != nil && !h.serviceError(w, r, f, err, map[string]string{"indicators": "indicator_label"}) {
			return
		}
	} else {
		mergeInvalid(fe, fi.Validate(c, h.ref(ctx)))
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouvelle fiche action", "conventions", ficheCrumbs(c), f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/conventions/%d?ok=fiche#fiche-%d", c.ID, fi.ID), http.StatusSeeOther)
}
