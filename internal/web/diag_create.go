package web

// Creation forms of the shared diagnostic: a new diagnostic (optionally from
// the current analysis, whose parameters are frozen as its data portrait),
// and the small form machinery shared with the governance and convention
// creation forms (gov_create.go, conv_create.go).

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"maillage/internal/analysis"
	"maillage/internal/auth"
	"maillage/internal/domain"
)

// createRoutes are the policy rules of the creation forms (auth.Routes is
// the one route table of the accounts middleware).
var createRoutes = map[string]auth.Rule{
	"GET /diagnostics/nouveau":                {Class: auth.Data, Action: auth.Create},
	"POST /diagnostics/nouveau":               {Class: auth.Data, Action: auth.Create},
	"GET /instances/nouvelle":                 {Class: auth.Data, Action: auth.Create},
	"POST /instances/nouvelle":                {Class: auth.Data, Action: auth.Create},
	"GET /instances/{id}/reunions/nouvelle":   {Class: auth.Data, Action: auth.Create},
	"POST /instances/{id}/reunions/nouvelle":  {Class: auth.Data, Action: auth.Create},
	"GET /instances/{id}/decisions/nouvelle":  {Class: auth.Data, Action: auth.Create},
	"POST /instances/{id}/decisions/nouvelle": {Class: auth.Data, Action: auth.Create},
	"GET /conventions/nouvelle":               {Class: auth.Data, Action: auth.Create},
	"POST /conventions/nouvelle":              {Class: auth.Data, Action: auth.Create},
	"GET /conventions/{id}/fiches/nouvelle":   {Class: auth.Data, Action: auth.Create},
	"POST /conventions/{id}/fiches/nouvelle":  {Class: auth.Data, Action: auth.Create},
}

func init() {
	for p, r := range createRoutes {
		if _, ok := auth.Routes[p]; !ok {
			auth.Routes[p] = r
		}
	}
}

// registerCreateForms adds the creation forms to the router.
func (h *handler) registerCreateForms(mux *http.ServeMux) {
	mux.HandleFunc("GET /diagnostics/nouveau", h.diagNew)
	mux.HandleFunc("POST /diagnostics/nouveau", h.diagCreate)
	mux.HandleFunc("GET /instances/nouvelle", h.bodyNew)
	mux.HandleFunc("POST /instances/nouvelle", h.bodyCreate)
	mux.HandleFunc("GET /instances/{id}/reunions/nouvelle", h.meetingNew)
	mux.HandleFunc("POST /instances/{id}/reunions/nouvelle", h.meetingCreate)
	mux.HandleFunc("GET /instances/{id}/decisions/nouvelle", h.decisionNew)
	mux.HandleFunc("POST /instances/{id}/decisions/nouvelle", h.decisionCreate)
	mux.HandleFunc("GET /conventions/nouvelle", h.conventionNew)
	mux.HandleFunc("POST /conventions/nouvelle", h.conventionCreate)
	mux.HandleFunc("GET /conventions/{id}/fiches/nouvelle", h.ficheNew)
	mux.HandleFunc("POST /conventions/{id}/fiches/nouvelle", h.ficheCreate)
}

// ---- form machinery ----

// cField is one field of a creation form. Name is both the form field's
// name and the domain field its errors come under.
type cField struct {
	Name, Label, Hint string
	Kind              string // text, date, number, textarea, select, checks
	Value             string
	Options           []dgOption
	Error             string
	Required          bool
	Rows              int
}

// cForm is a creation form rendered by the create_form template.
type cForm struct {
	Action, Submit, Intro, Cancel string
	Hidden                        []dgOption // Value: name, Label: value
	Fields                        []*cField
	Summary                       []dgFormError
	General                       string
}

func (f *cForm) field(name string) *cField {
	for _, x := range f.Fields {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// fill sets the fields' values from a submitted (or prefilled) form.
func (f *cForm) fill(v url.Values) {
	for _, x := range f.Fields {
		switch x.Kind {
		case "checks", "select":
			sel := map[string]bool{}
			for _, s := range v[x.Name] {
				sel[s] = true
			}
			for i := range x.Options {
				x.Options[i].Selected = sel[x.Options[i].Value]
			}
		default:
			x.Value = strings.TrimSpace(v.Get(x.Name))
		}
	}
}

// setErrors attaches messages to their fields (alias maps a domain field
// to a form field); messages about no field of the form go to General.
// It reports whether there is any error.
func (f *cForm) setErrors(fe map[string]string, general string, alias map[string]string) bool {
	labels := map[string]string{}
	shown := map[string]string{}
	var extra []string
	for _, k := range sortedKeysStr(fe) {
		name := k
		if a, ok := alias[k]; ok {
			name = a
		}
		if x := f.field(name); x != nil {
			x.Error = joinNonEmpty(" ; ", x.Error, fe[k])
			shown[name], labels[name] = x.Error, x.Label
		} else {
			extra = append(extra, fe[k])
		}
	}
	f.General = joinNonEmpty(" ; ", append([]string{general}, extra...)...)
	f.Summary = dgSummary(shown, labels, "champ-")
	return len(shown) > 0 || f.General != ""
}

func (h *handler) renderCreate(w http.ResponseWriter, r *http.Request, status int, title, section string, crumbs []crumb, f *cForm) {
	h.render(w, r, status, "create_form", page{Title: title, Section: section, Crumbs: crumbs, Data: f})
}

// mayCreate refuses the form to a visitor who may not create records.
func (h *handler) mayCreate(w http.ResponseWriter, r *http.Request, what string) bool {
	if !h.mayWrite(r.Context(), auth.Create) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut %s.", what))
		return false
	}
	return true
}

// serviceError sorts a service error: validation errors go to the form
// (true), any other is answered with the error page (false, w written).
func (h *handler) serviceError(w http.ResponseWriter, r *http.Request, f *cForm, err error, alias map[string]string) bool {
	if domain.ErrorCode(err) != domain.EINVALID {
		h.fail(w, r, err)
		return false
	}
	fe, general := dgFieldErrors(err)
	f.setErrors(fe, general, alias)
	return true
}

// mergeInvalid adds the validation errors of err (the record's own
// Validate) to the form's errors, so that a form refused for a field the
// handler reads (a date) also shows what the service would refuse.
func mergeInvalid(fe map[string]string, err error) {
	if err == nil {
		return
	}
	f, _ := dgFieldErrors(err)
	for k, v := range f {
		if _, ok := fe[k]; !ok {
			fe[k] = v
		}
	}
}

func (h *handler) ref(ctx context.Context) *domain.Referentials {
	ref, _ := h.s.Referentials(ctx)
	return ref
}

// parseDate reads an optional date field; a bad one is a field error.
func parseDate(v string, field string, fe map[string]string) *domain.Date {
	if v == "" {
		return nil
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		fe[field] = "date invalide : AAAA-MM-JJ ou JJ/MM/AAAA"
		return nil
	}
	return &d
}

// parseFloatFR reads a number written the French way ("1 200,5").
func parseFloatFR(s string) (float64, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(s)
	return strconv.ParseFloat(s, 64)
}

func (h *handler) themeOptions(ref *domain.Referentials) []dgOption {
	var out []dgOption
	if ref != nil {
		for _, e := range ref.Entries(domain.RefTheme) {
			out = append(out, dgOption{Value: e.Code, Label: e.Label})
		}
	}
	return out
}

func (h *handler) publicOptions(ref *domain.Referentials) []dgOption {
	var out []dgOption
	if ref != nil {
		for _, e := range ref.Entries(domain.RefPublic) {
			out = append(out, dgOption{Value: e.Code, Label: e.Label})
		}
	}
	return out
}

// orgOptions lists the organisations of the instance (empty when the store
// has no accounts or refuses the list).
func (h *handler) orgOptions(ctx context.Context) ([]dgOption, map[int64]domain.Organisation) {
	byID := map[int64]domain.Organisation{}
	orgs, err := h.s.Organisations(ctx)
	if err != nil {
		return nil, byID
	}
	var out []dgOption
	for _, o := range orgs {
		byID[o.ID] = o
		out = append(out, dgOption{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	return out, byID
}

func withNone(label string, opts []dgOption) []dgOption {
	return append([]dgOption{{Value: "", Label: label}}, opts...)
}

func (h *handler) bodyOptions(ctx context.Context) []dgOption {
	svc, err := h.diagService()
	if err != nil {
		return nil
	}
	pg, err := svc.Bodies(ctx, domain.BodyFilter{})
	if err != nil {
		return nil
	}
	var out []dgOption
	for _, b := range pg.Items {
		out = append(out, dgOption{Value: strconv.FormatInt(b.ID, 10), Label: b.Name})
	}
	return out
}

func (h *handler) diagnosticOptions(ctx context.Context) []dgOption {
	svc, err := h.diagService()
	if err != nil {
		return nil
	}
	pg, err := svc.Diagnostics(ctx, domain.DiagnosticFilter{})
	if err != nil {
		return nil
	}
	var out []dgOption
	for _, d := range pg.Items {
		out = append(out, dgOption{Value: strconv.FormatInt(d.ID, 10), Label: d.Title})
	}
	return out
}

func formID(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n
}

// ---- new diagnostic ----

var diagCrumbs = []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {"Nouveau diagnostic", ""}}

// diagForm builds the diagnostic form; v holds the submitted or prefilled
// values.
func (h *handler) diagForm(ctx context.Context, v url.Values) *cForm {
	ref, _ := h.s.Referentials(ctx)
	orgs, _ := h.orgOptions(ctx)
	f := &cForm{Action: "/diagnostics/nouveau", Submit: "Créer le diagnostic", Cancel: "/diagnostics",
		Intro: "Le diagnostic commence à l’étape « préparation ». Les organisations participantes pourront ensuite proposer des constats et prendre position.",
		Fields: []*cField{
			{Name: "title", Label: "Titre", Kind: "text", Required: true},
			{Name: "description", Label: "Description", Kind: "textarea", Rows: 3},
			{Name: "perimeter", Label: "Périmètre", Hint: "code du territoire : intercommunalité (SIREN), commune (INSEE), département ou périmètre", Kind: "text", Required: true},
			{Name: "themes", Label: "Thématiques (au moins une)", Kind: "checks", Options: h.themeOptions(ref)},
			{Name: "publics", Label: "Publics (aucun coché : tous publics)", Kind: "checks", Options: h.publicOptions(ref)},
			{Name: "period_start", Label: "Début de la période", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date"},
			{Name: "period_end", Label: "Fin de la période", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date"},
			{Name: "participants", Label: "Organisations participantes", Kind: "checks", Options: orgs},
			{Name: "steering_body_id", Label: "Instance de pilotage (facultatif)", Kind: "select", Options: withNone("Aucune", h.bodyOptions(ctx))},
		}}
	f.fill(v)
	if ab := v.Get("analyse"); ab != "" {
		// the parameters of the analysis the diagnostic is created from
		f.Hidden = append(f.Hidden, dgOption{Value: "analyse", Label: "1"}, dgOption{Value: "analyse_perimetre", Label: v.Get("analyse_perimetre")},
			dgOption{Value: "analyse_annee", Label: v.Get("analyse_annee")}, dgOption{Value: "analyse_rayon", Label: v.Get("analyse_rayon")})
		for _, t := range v["analyse_thematique"] {
			f.Hidden = append(f.Hidden, dgOption{Value: "analyse_thematique", Label: t})
		}
		for _, p := range v["analyse_public"] {
			f.Hidden = append(f.Hidden, dgOption{Value: "analyse_public", Label: p})
		}
	}
	return f
}

// diagNew shows the form. From the analysis page it comes with the
// analysis parameters (perimetre, thematique, public, annee, rayon, as the
// analysis page names them; scope, theme, year, radius also read): they
// prefill the form and are carried to freeze the portrait.
func (h *handler) diagNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "créer un diagnostic") {
		return
	}
	q := r.URL.Query()
	first := func(keys ...string) string {
		for _, k := range keys {
			if s := strings.TrimSpace(q.Get(k)); s != "" {
				return s
			}
		}
		return ""
	}
	all := func(keys ...string) []string {
		for _, k := range keys {
			if len(q[k]) > 0 {
				return q[k]
			}
		}
		return nil
	}
	scope, themes, publics := first("perimetre", "scope"), all("thematique", "theme"), all("public")
	year, radius := first("annee", "year"), first("rayon", "radius")
	v := url.Values{"perimeter": {scope}, "themes": themes, "publics": publics}
	intro := ""
	if scope != "" {
		v.Set("analyse", "1")
		v.Set("analyse_perimetre", scope)
		v.Set("analyse_annee", year)
		v.Set("analyse_rayon", radius)
		v["analyse_thematique"], v["analyse_public"] = themes, publics
		if y := atoi(year, 0); y > 0 {
			v.Set("period_start", strconv.Itoa(y)+"-01-01")
			v.Set("period_end", strconv.Itoa(y)+"-12-31")
		}
		intro = "Le portrait de données du diagnostic sera figé avec les paramètres de l’analyse : périmètre " + scope +
			joinNonEmpty("", ifs(year != "", ", année "+year), ifs(radius != "", ", rayon "+radius+" km")) + "."
	}
	f := h.diagForm(r.Context(), v)
	if intro != "" {
		f.Intro = intro
	}
	h.renderCreate(w, r, http.StatusOK, "Nouveau diagnostic", "diagnostics", diagCrumbs, f)
}

func ifs(c bool, s string) string {
	if c {
		return s
	}
	return ""
}

func (h *handler) diagCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "créer un diagnostic") {
		return
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := h.diagForm(ctx, v)
	fe := map[string]string{}
	d := &domain.Diagnostic{Title: v.Get("title"), Description: strings.TrimSpace(v.Get("description")), Perimeter: strings.TrimSpace(v.Get("perimeter")),
		Themes: v["themes"], Publics: v["publics"], SteeringBodyID: formID(v.Get("steering_body_id"))}
	d.PeriodStart = parseDate(strings.TrimSpace(v.Get("period_start")), "period_start", fe)
	d.PeriodEnd = parseDate(strings.TrimSpace(v.Get("period_end")), "period_end", fe)
	var acting int64
	if p := domain.PrincipalFrom(ctx); p != nil {
		acting = p.OrgID
	}
	for _, s := range v["participants"] {
		id := formID(s)
		role := "partenaire"
		if id == acting {
			role = "pilote"
		}
		d.Participants = append(d.Participants, domain.Participant{OrgID: id, Role: role})
	}
	var params *analysis.Params
	if v.Get("analyse") != "" {
		params = &analysis.Params{Scope: strings.TrimSpace(v.Get("analyse_perimetre")), Themes: v["analyse_thematique"], Publics: v["analyse_public"], Year: atoi(v.Get("analyse_annee"), 0)}
		if rk, err := parseFloatFR(v.Get("analyse_rayon")); err == nil && rk > 0 {
			params.RadiusKm = rk
		}
		if len(params.Themes) == 0 {
			// the analysis ran on every theme: keep it so (an empty list
			// would take the diagnostic's themes)
			for _, o := range f.field("themes").Options {
				params.Themes = append(params.Themes, o.Value)
			}
		}
	}
	if len(fe) == 0 {
		if err := svc.CreateDiagnostic(ctx, d); err != nil {
			if !h.serviceError(w, r, f, err, map[string]string{"steering_body_id": "steering_body_id"}) {
				return
			}
		}
	} else {
		mergeInvalid(fe, d.Validate(h.ref(ctx)))
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouveau diagnostic", "diagnostics", diagCrumbs, f)
		return
	}
	ok := "cree"
	if params != nil {
		if _, err := svc.FreezePortrait(ctx, d.ID, params); err != nil {
			h.log.Warn("portrait du nouveau diagnostic", "diagnostic", d.ID, "err", err)
			ok = "cree-sans-portrait"
		} else {
			ok = "portrait"
		}
	}
	http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok="+ok, http.StatusSeeOther)
}
