package api

// Routes of the shared diagnostic: diagnostics, frozen data portraits,
// fieldwork and attachments, findings and positions, restitutions, reviews,
// priority votes and the synthesis / export. The rules live in
// internal/diagnostic (Service), shared with the command line.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"maillage/internal/analysis"
	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// The access policy of these routes is registered in auth.Routes when the
// package initialises (the accounts middleware builds its route table from
// it): reads are data reads; writes are data creations, updates or exports;
// the service then applies the record-level rules (owner, participants,
// visibility).
var collectingRules bool

func init() {
	collectingRules = true
	defer func() { collectingRules = false }()
	(&Server{}).registerDiagnosticRoutes()
}

// addDiag adds a route; while the package initialises it records the route's
// policy rule (data class; GET read, POST create, PUT update, DELETE delete
// unless action says otherwise).
func (s *Server) addDiag(rt *Route, action ...auth.Action) {
	if collectingRules {
		a := map[string]auth.Action{"GET": auth.Read, "POST": auth.Create, "PUT": auth.Update, "DELETE": auth.Delete}[rt.Method]
		if len(action) > 0 {
			a = action[0]
		}
		if _, ok := auth.Routes[rt.Pattern()]; !ok {
			auth.Routes[rt.Pattern()] = auth.Rule{Class: auth.Data, Action: a}
		}
	}
	s.add(rt)
}

func (s *Server) diagService() (*diagnostic.Service, error) { return diagnostic.NewService(s.store) }

// svcFunc is a handler over the diagnostic service.
type svcFunc func(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error

// svcHandler adapts a handler that needs the service.
func (s *Server) svcHandler(h svcFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, err := s.diagService()
		if err != nil {
			return err
		}
		return h(svc, w, r)
	}
}

// record is a pointer to a diagnostic, governance or convention record T.
type record[T any] interface {
	*T
	domain.Record
}

// saveFunc is a service method that writes a record, named by its method
// expression, e.g. (*diagnostic.Service).AddFinding.
type saveFunc[P any] func(*diagnostic.Service, context.Context, P) error

// readFunc is a service method that reads or computes something from an id,
// e.g. (*diagnostic.Service).Findings.
type readFunc[V any] func(*diagnostic.Service, context.Context, int64) (V, error)

// createRecord handles the POST of a record. With parent, the path's {id}
// is the parent's, and parent sets it on the record read from the body.
// The answer is 201 with the record; with a location (the path it is read
// at, e.g. "/findings/"), also its Location and ETag.
func createRecord[T any, P record[T]](location string, parent func(P, int64), save saveFunc[P]) svcFunc {
	return func(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
		var parentID int64
		if parent != nil {
			var err error
			if parentID, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		x := P(new(T))
		if err := decodeBody(r, x); err != nil {
			return err
		}
		if parent != nil {
			parent(x, parentID)
		}
		if err := save(svc, r.Context(), x); err != nil {
			return err
		}
		if location == "" {
			return writeJSON(w, http.StatusCreated, x)
		}
		id, m := x.RecordRef()
		return created(w, location, *id, m.Version, x)
	}
}

// updateRecord handles the PUT of a versioned record at the path's {id}:
// the version read comes from the body or If-Match (stale: 409); the answer
// is the record with its new ETag.
func updateRecord[T any, P record[T]](save saveFunc[P]) svcFunc {
	return func(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		x := P(new(T))
		if err := decodeBody(r, x); err != nil {
			return err
		}
		xid, m := x.RecordRef()
		if m.Version, err = expectedVersion(r, m.Version); err != nil {
			return err
		}
		*xid = id
		if err := save(svc, r.Context(), x); err != nil {
			return err
		}
		setETag(w, m.Version)
		return writeJSON(w, http.StatusOK, x)
	}
}

// readRecord handles the GET of a record at the path's {id}, with its ETag.
func readRecord[T any, P record[T]](read readFunc[P]) svcFunc {
	return func(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		x, err := read(svc, r.Context(), id)
		if err != nil {
			return err
		}
		_, m := x.RecordRef()
		setETag(w, m.Version)
		return writeJSON(w, http.StatusOK, x)
	}
}

// readByID handles a GET that answers what the service reads or computes
// from the path's {id} (a list, a synthesis, a report).
func readByID[V any](read readFunc[V]) svcFunc {
	return func(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v, err := read(svc, r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
}

// StageChange is the body of a stage move.
type StageChange struct {
	Stage string `json:"stage"`
	Note  string `json:"note,omitempty"`
}

// ReviewRequest is the body of a finding review at a restitution.
type ReviewRequest struct {
	domain.Review
	// FindingVersion is the version of the finding that was read (409 when
	// it changed since).
	FindingVersion int64 `json:"finding_version,omitempty"`
}

// ReviewResult is the answer to a review.
type ReviewResult struct {
	Restitution domain.Restitution `json:"restitution"`
	Finding     domain.Finding     `json:"finding"`
}

func created(w http.ResponseWriter, path string, id, version int64, v any) error {
	w.Header().Set("Location", Prefix+path+strconv.FormatInt(id, 10))
	setETag(w, version)
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) registerDiagnosticRoutes() {
	id := idParam("du diagnostic")
	tag := "diagnostics"
	s.addDiag(&Route{Method: "GET", Path: "/diagnostics", Tag: tag, Kind: "diagnostic", OperationID: "listDiagnostics",
		Summary: "Lister les diagnostics partagés",
		Params: append([]Param{
			{Name: "perimeter", Description: "Code du territoire du diagnostic."},
			{Name: "theme", Description: "Thématique."},
			{Name: "stage", Description: "Étape.", Enum: domain.Stages},
			{Name: "org", Type: "integer", Description: "Organisation participante ou propriétaire."},
			{Name: "q", Description: "Texte cherché dans le titre ou la description."},
		}, pageParams()...),
		Response: List[domain.Diagnostic]{}, Handle: s.svcHandler(listDiagnostics)})
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics", Tag: tag, Kind: "diagnostic", OperationID: "createDiagnostic", Write: true,
		Summary:     "Créer un diagnostic partagé",
		Description: "Un périmètre (territoire), des thématiques, une période, les organisations participantes ; le diagnostic commence à l'étape préparation.",
		Body:        domain.Diagnostic{}, Response: domain.Diagnostic{}, Status: http.StatusCreated, Handle: s.svcHandler(createDiagnostic)})
	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}", Tag: tag, Kind: "diagnostic", OperationID: "getDiagnostic",
		Summary: "Lire un diagnostic", Params: []Param{id}, Response: domain.Diagnostic{}, Handle: s.svcHandler(getDiagnostic)})
	s.addDiag(&Route{Method: "PUT", Path: "/diagnostics/{id}", Tag: tag, Kind: "diagnostic", OperationID: "updateDiagnostic", Write: true, Conditional: true,
		Summary: "Modifier un diagnostic (périmètre, thématiques, participants ; pas l'étape)", Params: []Param{id},
		Body: domain.Diagnostic{}, Response: domain.Diagnostic{}, Handle: s.svcHandler(updateDiagnostic)})
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics/{id}/stage", Tag: tag, Kind: "diagnostic", OperationID: "moveDiagnosticStage", Write: true,
		Summary:     "Changer d'étape",
		Description: "Préparation → terrain → restitution → validé → suivi, une étape à la fois (retour d'une étape possible avant la validation). Le passage est enregistré (qui, quand).",
		Params:      []Param{id}, Body: StageChange{}, Response: domain.Diagnostic{}, Handle: s.svcHandler(moveStage)}, auth.Update)
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics/{id}/portraits", Tag: tag, Kind: "diagnostic", OperationID: "freezePortrait", Write: true,
		Summary:     "Figer le portrait de données",
		Description: "Lance l'analyse de complémentarité sur le périmètre et les thématiques du diagnostic (ou les paramètres donnés) et enregistre les paramètres, la version des données et le résultat à cette date.",
		Params:      []Param{id}, Body: analysis.Params{}, Response: domain.Portrait{}, Status: http.StatusCreated, Handle: s.svcHandler(freezePortrait)}, auth.Update)
	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/portraits", Tag: tag, Kind: "diagnostic", OperationID: "listPortraits",
		Summary: "Lister les portraits figés (sans leur résultat)", Params: []Param{id}, Response: []diagnostic.PortraitRef{}, Handle: s.svcHandler(listPortraits)})
	s.addDiag(&Route{Method: "GET", Path: "/portraits/{id}", Tag: tag, Kind: "diagnostic", OperationID: "getPortrait",
		Summary: "Lire un portrait figé avec son résultat", Params: []Param{idParam("du portrait")}, Response: domain.Portrait{}, Handle: s.svcHandler(getPortrait)})

	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/activities", Tag: tag, Kind: "diagnostic", OperationID: "listActivities",
		Summary: "Lister le travail de terrain", Params: []Param{id}, Response: []domain.Activity{}, Handle: s.svcHandler(listActivities)})
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics/{id}/activities", Tag: tag, Kind: "diagnostic", OperationID: "createActivity", Write: true,
		Summary:     "Enregistrer une activité de terrain",
		Description: "Entretien (interview), visite de site (site_visit), groupe de travail (working_group), questionnaire, analyse de données (data_analysis). Nommer une personne marque l'activité comme donnée personnelle.",
		Params:      []Param{id}, Body: domain.Activity{}, Response: domain.Activity{}, Status: http.StatusCreated, Handle: s.svcHandler(createActivity)})
	actID := idParam("de l'activité")
	s.addDiag(&Route{Method: "PUT", Path: "/activities/{id}", Tag: tag, Kind: "diagnostic", OperationID: "updateActivity", Write: true, Conditional: true,
		Summary: "Modifier une activité de terrain", Params: []Param{actID}, Body: domain.Activity{}, Response: domain.Activity{}, Handle: s.svcHandler(updateActivity)})
	s.addDiag(&Route{Method: "POST", Path: "/activities/{id}/attachments", Tag: tag, Kind: "diagnostic", OperationID: "createAttachment", Write: true,
		Summary: "Joindre un fichier à une activité",
		Description: "Le corps est le contenu du fichier (application/octet-stream). Le type est reconnu d'après le contenu : PDF, images, documents bureautiques, CSV et texte ; " +
			"exécutables, HTML et SVG sont refusés. Taille limitée (10 Mo par défaut, et la limite du corps des requêtes de l'API).",
		Params:   []Param{actID, {Name: "name", Description: "Nom du fichier.", Required: true}},
		Response: domain.Attachment{}, Status: http.StatusCreated, Handle: s.svcHandler(createAttachment)})
	s.addDiag(&Route{Method: "GET", Path: "/attachments/{id}", Tag: tag, Kind: "diagnostic", OperationID: "getAttachment",
		Summary: "Télécharger une pièce jointe", Params: []Param{idParam("de la pièce jointe")}, Produces: diagnostic.AttachmentMediaTypes, Handle: s.svcHandler(getAttachment)})

	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/findings", Tag: tag, Kind: "diagnostic", OperationID: "listFindings",
		Summary: "Lister les constats", Params: []Param{id}, Response: []domain.Finding{}, Handle: s.svcHandler(listFindings)})
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics/{id}/findings", Tag: tag, Kind: "diagnostic", OperationID: "createFinding", Write: true,
		Summary: "Écrire un constat", Description: "Un énoncé, une thématique, un territoire, ses appuis (activités, indicateurs, portrait, actions : liés, pas copiés) ; porté par une organisation participante.",
		Params: []Param{id}, Body: domain.Finding{}, Response: domain.Finding{}, Status: http.StatusCreated, Handle: s.svcHandler(createFinding)})
	fID := idParam("du constat")
	s.addDiag(&Route{Method: "GET", Path: "/findings/{id}", Tag: tag, Kind: "diagnostic", OperationID: "getFinding",
		Summary: "Lire un constat", Params: []Param{fID}, Response: domain.Finding{}, Handle: s.svcHandler(getFinding)})
	s.addDiag(&Route{Method: "PUT", Path: "/findings/{id}", Tag: tag, Kind: "diagnostic", OperationID: "updateFinding", Write: true, Conditional: true,
		Summary: "Modifier un constat", Description: "Avec la version lue : si quelqu'un l'a modifié entre-temps, 409.",
		Params: []Param{fID}, Body: domain.Finding{}, Response: domain.Finding{}, Handle: s.svcHandler(updateFinding)})
	s.addDiag(&Route{Method: "POST", Path: "/findings/{id}/positions", Tag: tag, Kind: "diagnostic", OperationID: "createPosition", Write: true,
		Summary:     "Prendre position sur un constat",
		Description: "agree, nuance ou disagree, avec un commentaire (obligatoire sauf accord) ; une organisation participante seulement ; un changement s'ajoute à l'historique.",
		Params:      []Param{fID}, Body: domain.Position{}, Response: domain.Position{}, Status: http.StatusCreated, Handle: s.svcHandler(createPosition)})
	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/positions", Tag: tag, Kind: "diagnostic", OperationID: "listPositions",
		Summary: "Lister les positions", Params: []Param{id, {Name: "history", Type: "boolean", Description: "Tout l'historique (sinon la position actuelle de chaque organisation)."}},
		Response: []domain.Position{}, Handle: s.svcHandler(listPositions)})

	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/restitutions", Tag: tag, Kind: "diagnostic", OperationID: "listRestitutions",
		Summary: "Lister les restitutions", Params: []Param{id}, Response: []domain.Restitution{}, Handle: s.svcHandler(listRestitutions)})
	s.addDiag(&Route{Method: "POST", Path: "/diagnostics/{id}/restitutions", Tag: tag, Kind: "diagnostic", OperationID: "createRestitution", Write: true,
		Summary: "Préparer une restitution-débat", Description: "Date, lieu, priorités candidates et nombre de points par organisation (10 par défaut).",
		Params: []Param{id}, Body: domain.Restitution{}, Response: domain.Restitution{}, Status: http.StatusCreated, Handle: s.svcHandler(createRestitution)}, auth.Update)
	rID := idParam("de la restitution")
	s.addDiag(&Route{Method: "PUT", Path: "/restitutions/{id}", Tag: tag, Kind: "diagnostic", OperationID: "updateRestitution", Write: true, Conditional: true,
		Summary: "Modifier une restitution", Params: []Param{rID}, Body: domain.Restitution{}, Response: domain.Restitution{}, Handle: s.svcHandler(updateRestitution)})
	s.addDiag(&Route{Method: "POST", Path: "/restitutions/{id}/reviews", Tag: tag, Kind: "diagnostic", OperationID: "reviewFinding", Write: true,
		Summary: "Examiner un constat en restitution", Description: "validated, amended (avec la nouvelle rédaction) ou rejected (avec le motif).",
		Params: []Param{rID}, Body: ReviewRequest{}, Response: ReviewResult{}, Handle: s.svcHandler(reviewFinding)}, auth.Update)
	s.addDiag(&Route{Method: "POST", Path: "/restitutions/{id}/votes", Tag: tag, Kind: "diagnostic", OperationID: "votePriorities", Write: true,
		Summary: "Répartir ses points entre les priorités", Description: "Une organisation participante répartit au plus le nombre de points de la restitution ; un nouveau vote remplace le précédent.",
		Params: []Param{rID}, Body: domain.PriorityVote{}, Response: domain.PriorityVote{}, Status: http.StatusCreated, Handle: s.svcHandler(votePriorities)})
	s.addDiag(&Route{Method: "GET", Path: "/restitutions/{id}/ranking", Tag: tag, Kind: "diagnostic", OperationID: "getRanking",
		Summary: "Classement des priorités et dispersion des points", Params: []Param{rID}, Response: diagnostic.RestitutionResult{}, Handle: s.svcHandler(getRanking)})

	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/synthesis", Tag: tag, Kind: "diagnostic", OperationID: "getDiagnosticSynthesis",
		Summary:     "Synthèse : croisement des points de vue et priorités",
		Description: "Pour chaque constat : adhésion, dispersion entre organisations (Leik), écart entre familles d'acteurs (CAF, collectivités, associations), constats discutés ; accord entre organisations ; classement des priorités.",
		Params:      []Param{id}, Response: diagnostic.Synthesis{}, Handle: s.svcHandler(getSynthesis)})
	s.addDiag(&Route{Method: "GET", Path: "/diagnostics/{id}/export", Tag: tag, Kind: "diagnostic", OperationID: "exportDiagnostic",
		Summary:  "Exporter le diagnostic (document structuré JSON ou Markdown)",
		Params:   []Param{id, {Name: "format", Description: "json (défaut) ou markdown.", Enum: []string{"json", "markdown"}}},
		Produces: []string{"application/json", "text/markdown"}, Handle: s.svcHandler(exportDiagnostic)}, auth.Export)

	s.addDiag(&Route{Method: "GET", Path: "/steering", Tag: tag, Kind: "diagnostic", OperationID: "getSteeringView",
		Summary:     "Vue de pilotage national : sites, thématiques, étapes, avancement, enseignements partagés",
		Description: "Par organisation pilote : ses diagnostics (étape, constats, constats discutés, validés, priorité en tête) et ses conventions (avancement, temps écoulé, alerte de renouvellement), les décisions en retard ; par thématique : diagnostics par étape et conventions ; les constats validés ou amendés, à partager entre sites.",
		Params:      []Param{{Name: "theme", Description: "Ne garder que les enseignements de cette thématique."}},
		Response:    diagnostic.SteeringView{}, Handle: s.svcHandler(getSteering)})

	s.registerGovernanceRoutes()
}

// Handlers that only decode, call the service and answer (see createRecord,
// updateRecord, readRecord, readByID).
var (
	createDiagnostic  = createRecord("/diagnostics/", nil, (*diagnostic.Service).CreateDiagnostic)
	getDiagnostic     = readRecord((*diagnostic.Service).Diagnostic)
	updateDiagnostic  = updateRecord((*diagnostic.Service).UpdateDiagnostic)
	listPortraits     = readByID((*diagnostic.Service).Portraits)
	getPortrait       = readByID((*diagnostic.Service).Portrait)
	listActivities    = readByID((*diagnostic.Service).Activities)
	createActivity    = createRecord("/activities/", func(a *domain.Activity, diag int64) { a.DiagnosticID = diag }, (*diagnostic.Service).AddActivity)
	updateActivity    = updateRecord((*diagnostic.Service).UpdateActivity)
	listFindings      = readByID((*diagnostic.Service).Findings)
	createFinding     = createRecord("/findings/", func(f *domain.Finding, diag int64) { f.DiagnosticID = diag }, (*diagnostic.Service).AddFinding)
	getFinding        = readRecord((*diagnostic.Service).Finding)
	updateFinding     = updateRecord((*diagnostic.Service).UpdateFinding)
	createPosition    = createRecord("", func(p *domain.Position, finding int64) { p.FindingID = finding }, (*diagnostic.Service).AddPosition)
	listRestitutions  = readByID((*diagnostic.Service).Restitutions)
	createRestitution = createRecord("/restitutions/", func(rs *domain.Restitution, diag int64) { rs.DiagnosticID = diag }, (*diagnostic.Service).CreateRestitution)
	updateRestitution = updateRecord((*diagnostic.Service).UpdateRestitution)
	votePriorities    = createRecord("", func(v *domain.PriorityVote, restitution int64) { v.RestitutionID = restitution }, (*diagnostic.Service).Vote)
	getRanking        = readByID((*diagnostic.Service).Ranking)
	getSynthesis      = readByID((*diagnostic.Service).Synthesis)
)

func getSteering(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	theme := q.str("theme")
	if err := q.err(); err != nil {
		return err
	}
	if theme != "" {
		ref, err := svc.Store.Referentials(r.Context())
		if err != nil {
			return err
		}
		if !ref.Has(domain.RefTheme, theme) {
			return badRequest("Thématique inconnue.", fieldErr("theme", "thématique inconnue "+strconv.Quote(theme)))
		}
	}
	v, err := svc.Steering(r.Context())
	if err != nil {
		return err
	}
	v.KeepTheme(theme)
	return writeJSON(w, http.StatusOK, v)
}

func listDiagnostics(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.DiagnosticFilter{Perimeter: q.str("perimeter"), Theme: q.str("theme"), Stage: q.oneOf("stage", domain.Stages), Org: q.id("org"), Text: q.str("q")}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := svc.Diagnostics(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func moveStage(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var m StageChange
	if err := decodeBody(r, &m); err != nil {
		return err
	}
	d, err := svc.MoveStage(r.Context(), id, m.Stage, m.Note)
	if err != nil {
		return err
	}
	setETag(w, d.Version)
	return writeJSON(w, http.StatusOK, d)
}

func freezePortrait(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p analysis.Params
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeBody(r, &p); err != nil {
			return err
		}
	}
	pt, err := svc.FreezePortrait(r.Context(), id, &p)
	if err != nil {
		return err
	}
	return created(w, "/portraits/", pt.ID, pt.Version, pt)
}

func createAttachment(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := newQuery(r).str("name")
	if name == "" {
		return badRequest("Le nom du fichier est requis (paramètre name).", fieldErr("name", "obligatoire"))
	}
	content, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	a, err := svc.AddAttachment(r.Context(), id, name, content)
	if err != nil {
		return err
	}
	return created(w, "/attachments/", a.ID, a.Version, a)
}

func getAttachment(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, b, err := svc.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", a.MediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

func listPositions(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h := newQuery(r).str("history")
	ps, err := svc.Positions(r.Context(), id, h == "true" || h == "1")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

func reviewFinding(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var rq ReviewRequest
	if err := decodeBody(r, &rq); err != nil {
		return err
	}
	rs, f, err := svc.Review(r.Context(), id, rq.Review, rq.FindingVersion)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ReviewResult{Restitution: *rs, Finding: *f})
}

func exportDiagnostic(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := newQuery(r)
	format := q.oneOf("format", []string{"json", "markdown"})
	if err := q.err(); err != nil {
		return err
	}
	syn, err := svc.Synthesis(r.Context(), id)
	if err != nil {
		return err
	}
	name := "diagnostic-" + strconv.FormatInt(id, 10)
	if format == "markdown" {
		var b bytes.Buffer
		if err := diagnostic.WriteMarkdown(&b, syn); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
		_, err = w.Write(b.Bytes())
		return err
	}
	return writeJSONFile(w, name+".json", syn)
}

// writeJSONFile answers v as an indented JSON file to download.
func writeJSONFile(w http.ResponseWriter, name string, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
