package web

// Helpers shared by the diagnostic, governance, convention, steering and
// administration screens.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// diagRoutes are the policy rules of the diagnostic, governance, convention,
// steering and administration pages (auth.Routes is the one route table of
// the accounts middleware).
var diagRoutes = map[string]auth.Rule{
	"GET /diagnostics/{id}":                           {Class: auth.Data, Action: auth.Read},
	"POST /diagnostics/{id}/etape":                    {Class: auth.Data, Action: auth.Update},
	"POST /diagnostics/{id}/activites":                {Class: auth.Data, Action: auth.Create},
	"POST /diagnostics/{id}/constats/{fid}/position":  {Class: auth.Data, Action: auth.Create},
	"GET /diagnostics/{id}/restitution":               {Class: auth.Data, Action: auth.Read},
	"POST /diagnostics/{id}/restitution":              {Class: auth.Data, Action: auth.Update},
	"POST /diagnostics/{id}/restitution/{rid}/examen": {Class: auth.Data, Action: auth.Update},
	"POST /diagnostics/{id}/restitution/{rid}/points": {Class: auth.Data, Action: auth.Create},
	"GET /diagnostics/{id}/rapport":                   {Class: auth.Data, Action: auth.Read},
	"GET /instances":                                  {Class: auth.Data, Action: auth.Read},
	"GET /instances/{id}":                             {Class: auth.Data, Action: auth.Read},
	"GET /conventions/{id}":                           {Class: auth.Data, Action: auth.Read},
	"POST /conventions/{id}/fiches/{fid}/mesures":     {Class: auth.Data, Action: auth.Create},
	"GET /pilotage":                                   {Class: auth.Data, Action: auth.Read},
	"GET /administration/journal":                     {Class: auth.Administration, Action: auth.Read},
	"GET /administration/journal/export":              {Class: auth.Administration, Action: auth.Export},
	"POST /administration/organisations":              {Class: auth.Administration, Action: auth.Create},
	"POST /administration/invitations":                {Class: auth.Administration, Action: auth.Create},
	"GET /administration/imports":                     {Class: auth.Administration, Action: auth.Read},
	"POST /administration/imports":                    {Class: auth.Administration, Action: auth.Create},
	"GET /administration/imports/{job}":               {Class: auth.Administration, Action: auth.Read},
	"GET /administration/imports/{job}/rejets":        {Class: auth.Administration, Action: auth.Read},
}

func init() {
	for p, r := range diagRoutes {
		if _, ok := auth.Routes[p]; !ok {
			auth.Routes[p] = r
		}
	}
}

// diagService returns the diagnostic service over the handler's store.
func (h *handler) diagService() (*diagnostic.Service, error) {
	return diagnostic.NewService(h.s)
}

// mayWrite reports whether the request may try a write of this class and
// action (the service then applies the record-level rules).
func (h *handler) mayWrite(ctx context.Context, a auth.Action) bool {
	p := domain.PrincipalFrom(ctx)
	if p == nil {
		return h.opts.AllowAnonymousWrite && !domain.HasPrincipal(ctx)
	}
	return auth.Allowed(p, a, auth.Data)
}

// pathID reads a numeric path value.
func dgPathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, domain.NotFound("Page", r.URL.Path)
	}
	return n, nil
}

// writeTarget reads the id in path parameter name of the record a POST
// writes under its parent (a finding, a restitution, a fiche), after
// checking that the request may write (act; refusal says who may). It
// answers a failure itself and reports false.
func (h *handler) writeTarget(w http.ResponseWriter, r *http.Request, name string, act auth.Action, refusal string) (int64, bool) {
	id, err := dgPathID(r, name)
	if err != nil {
		h.fail(w, r, err)
		return 0, false
	}
	if !h.mayWrite(r.Context(), act) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "%s", refusal))
		return 0, false
	}
	return id, true
}

// fieldErrors turns a domain error into messages per field; general is the
// message when the error dgNames no field.
func dgFieldErrors(err error) (fields map[string]string, general string) {
	fields = map[string]string{}
	var de *domain.Error
	if errors.As(err, &de) {
		for _, f := range de.Fields {
			if prev, ok := fields[f.Field]; ok {
				fields[f.Field] = prev + " ; " + f.Reason
			} else {
				fields[f.Field] = f.Reason
			}
		}
		if len(de.Fields) == 0 {
			general = domain.ErrorMessage(err)
		}
		return fields, general
	}
	return fields, domain.ErrorMessage(err)
}

// dgFormError is a line of the error summary at the top of a form.
type dgFormError struct {
	Field, Message, Anchor string
}

func dgSummary(fields map[string]string, labels map[string]string, prefix string) []dgFormError {
	var out []dgFormError
	for _, k := range sortedKeysStr(fields) {
		l := labels[k]
		if l == "" {
			l = k
		}
		out = append(out, dgFormError{Field: l, Message: fields[k], Anchor: prefix + k})
	}
	return out
}

func sortedKeysStr[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// dgNames resolves organisation and user dgNames once per request.
type dgNames struct {
	h    *handler
	ctx  context.Context
	orgs map[int64]string
	user map[int64]string
}

func (h *handler) dgNames(ctx context.Context) *dgNames {
	return &dgNames{h: h, ctx: ctx, orgs: map[int64]string{}, user: map[int64]string{}}
}

func (n *dgNames) org(id int64) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.orgs[id]; ok {
		return s
	}
	s := "Organisation " + strconv.FormatInt(id, 10)
	if o, err := n.h.s.Organisation(n.ctx, id); err == nil {
		s = o.Name
	}
	n.orgs[id] = s
	return s
}

func (n *dgNames) person(id int64) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.user[id]; ok {
		return s
	}
	s := "compte " + strconv.FormatInt(id, 10)
	if u, err := n.h.s.User(n.ctx, id); err == nil {
		if u.Name != "" {
			s = u.Name
		} else {
			s = u.Email
		}
	}
	n.user[id] = s
	return s
}

// frenchDateTime writes "3 mars 2026 à 14 h 05" (UTC).
func frenchDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	return frenchDate(t) + fmt.Sprintf(" à %d h %02d", t.Hour(), t.Minute())
}

func dateText(d *domain.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return frenchDate(d.Time)
}

// Labels of the diagnostic's vocabularies.
var (
	stanceLabels   = map[string]string{domain.StanceAgree: "D’accord", domain.StanceNuance: "Nuancé", domain.StanceDisagree: "Pas d’accord"}
	stanceBadges   = map[string]string{domain.StanceAgree: "fr-badge--success", domain.StanceNuance: "fr-badge--warning", domain.StanceDisagree: "fr-badge--error"}
	findingLabels  = map[string]string{domain.FindingProposed: "Proposé", domain.FindingDebated: "En débat", domain.FindingValidated: "Validé", domain.FindingAmended: "Amendé", domain.FindingRejected: "Rejeté"}
	findingBadges  = map[string]string{domain.FindingProposed: "fr-badge--info", domain.FindingDebated: "fr-badge--new", domain.FindingValidated: "fr-badge--success", domain.FindingAmended: "fr-badge--success", domain.FindingRejected: "fr-badge--error"}
	activityLabels = map[string]string{domain.ActivityInterview: "Entretien", domain.ActivitySiteVisit: "Visite de site", domain.ActivityWorkingGroup: "Groupe de travail", domain.ActivityQuestionnaire: "Questionnaire", domain.ActivityDataAnalysis: "Analyse de données"}
	bodyLabels     = map[string]string{domain.BodySteering: "Comité de pilotage", domain.BodyTechnical: "Comité technique", domain.BodyWorkingGroup: "Groupe de travail", domain.BodyLocalNetwork: "Réseau local", domain.BodyCoordination: "Instance de coordination locale", domain.BodyNational: "Comité national de pilotage"}
	decisionLabels = map[string]string{domain.DecisionOpen: "À faire", domain.DecisionInProgress: "En cours", domain.DecisionDone: "Faite", domain.DecisionAbandoned: "Abandonnée"}
	conventionKind = map[string]string{domain.ConventionCTG: "Convention territoriale globale (CTG)", domain.ConventionCentresSoc: "Convention-cadre des centres sociaux", domain.ConventionCOF: "Convention d’objectifs et de financement", domain.ConventionSDSF: "Schéma départemental des services aux familles", domain.ConventionSDAVS: "Schéma départemental de l’animation de la vie sociale", domain.ConventionOtherSchema: "Schéma"}
	ficheLabels    = map[string]string{domain.FichePlanned: "Prévue", domain.FicheInProgress: "En cours", domain.FicheDone: "Réalisée", domain.FicheAbandoned: "Abandonnée"}
)

func dgLabel(m map[string]string, k string) string {
	if s, ok := m[k]; ok {
		return s
	}
	return k
}

// percent formats a share 0..1 as "42 %".
func dgPercent(x float64) string {
	return formatNumDec(x*100, 0) + " %"
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
