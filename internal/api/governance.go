package api

// Routes of governance bodies (meetings, decisions) and conventions (fiches
// action, indicator measurements, progress, renewal alerts).

import (
	"net/http"
	"strconv"

	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

func (s *Server) registerGovernanceRoutes() {
	tag := "gouvernance"
	bID := idParam("de l'instance")
	s.addDiag(&Route{Method: "GET", Path: "/bodies", Tag: tag, Kind: "body", OperationID: "listBodies",
		Summary: "Lister les instances de gouvernance",
		Params: append([]Param{
			{Name: "kind", Description: "Type d'instance.", Enum: domain.BodyKinds},
			{Name: "territory", Description: "Territoire."},
			{Name: "diagnostic", Type: "integer", Description: "Instance de ce diagnostic."},
			{Name: "convention", Type: "integer", Description: "Instance de cette convention."},
			{Name: "member", Type: "integer", Description: "Organisation membre."},
		}, pageParams()...),
		Response: List[domain.Body]{}, Handle: s.svcHandler(listBodies)})
	s.addDiag(&Route{Method: "POST", Path: "/bodies", Tag: tag, Kind: "body", OperationID: "createBody", Write: true,
		Summary: "Créer une instance (comité de pilotage, comité technique, groupe de travail, réseau local, instance de coordination)",
		Body:    domain.Body{}, Response: domain.Body{}, Status: http.StatusCreated, Handle: s.svcHandler(createBody)})
	s.addDiag(&Route{Method: "GET", Path: "/bodies/{id}", Tag: tag, Kind: "body", OperationID: "getBody",
		Summary: "Lire une instance", Params: []Param{bID}, Response: domain.Body{}, Handle: s.svcHandler(getBody)})
	s.addDiag(&Route{Method: "PUT", Path: "/bodies/{id}", Tag: tag, Kind: "body", OperationID: "updateBody", Write: true, Conditional: true,
		Summary: "Modifier une instance (membres et rôles)", Params: []Param{bID}, Body: domain.Body{}, Response: domain.Body{}, Handle: s.svcHandler(updateBody)})
	s.addDiag(&Route{Method: "GET", Path: "/bodies/{id}/meetings", Tag: tag, Kind: "body", OperationID: "listMeetings",
		Summary: "Lister les réunions d'une instance", Params: []Param{bID}, Response: []domain.Meeting{}, Handle: s.svcHandler(listMeetings)})
	s.addDiag(&Route{Method: "POST", Path: "/bodies/{id}/meetings", Tag: tag, Kind: "body", OperationID: "createMeeting", Write: true,
		Summary: "Enregistrer une réunion (ordre du jour, présences, compte rendu)", Params: []Param{bID},
		Body: domain.Meeting{}, Response: domain.Meeting{}, Status: http.StatusCreated, Handle: s.svcHandler(createMeeting)}, auth.Update)
	s.addDiag(&Route{Method: "PUT", Path: "/meetings/{id}", Tag: tag, Kind: "body", OperationID: "updateMeeting", Write: true, Conditional: true,
		Summary: "Modifier une réunion", Params: []Param{idParam("de la réunion")}, Body: domain.Meeting{}, Response: domain.Meeting{}, Handle: s.svcHandler(updateMeeting)})
	s.addDiag(&Route{Method: "GET", Path: "/bodies/{id}/decisions", Tag: tag, Kind: "body", OperationID: "listDecisions",
		Summary: "Lister les décisions d'une instance", Params: []Param{bID, {Name: "status", Enum: domain.DecisionStatuses, Description: "Statut."}},
		Response: []domain.Decision{}, Handle: s.svcHandler(listDecisions)})
	s.addDiag(&Route{Method: "POST", Path: "/bodies/{id}/decisions", Tag: tag, Kind: "body", OperationID: "createDecision", Write: true,
		Summary: "Enregistrer une décision (porteur, échéance)", Params: []Param{bID},
		Body: domain.Decision{}, Response: domain.Decision{}, Status: http.StatusCreated, Handle: s.svcHandler(createDecision)}, auth.Update)
	s.addDiag(&Route{Method: "PUT", Path: "/decisions/{id}", Tag: tag, Kind: "body", OperationID: "updateDecision", Write: true, Conditional: true,
		Summary: "Modifier une décision (statut, suivi)", Params: []Param{idParam("de la décision")}, Body: domain.Decision{}, Response: domain.Decision{}, Handle: s.svcHandler(updateDecision)})
	s.addDiag(&Route{Method: "GET", Path: "/decisions/overdue", Tag: tag, Kind: "body", OperationID: "listOverdueDecisions",
		Summary:  "Décisions en retard (échéance passée, non soldées)",
		Params:   []Param{{Name: "body", Type: "integer", Description: "Instance."}, {Name: "owner", Type: "integer", Description: "Organisation qui porte la décision."}},
		Response: []domain.Decision{}, Handle: s.svcHandler(listOverdue)})

	tag = "conventions"
	cID := idParam("de la convention")
	s.addDiag(&Route{Method: "GET", Path: "/conventions", Tag: tag, Kind: "convention", OperationID: "listConventions",
		Summary: "Lister les conventions (CTG, conventions-cadres, COF, schémas)",
		Params: append([]Param{
			{Name: "kind", Description: "Type de convention.", Enum: domain.ConventionKinds},
			{Name: "perimeter", Description: "Territoire couvert."},
			{Name: "theme", Description: "Thématique."},
			{Name: "diagnostic", Type: "integer", Description: "Diagnostic sur lequel elle repose."},
		}, pageParams()...),
		Response: List[domain.Convention]{}, Handle: s.svcHandler(listConventions)})
	s.addDiag(&Route{Method: "POST", Path: "/conventions", Tag: tag, Kind: "convention", OperationID: "createConvention", Write: true,
		Summary: "Créer une convention", Body: domain.Convention{}, Response: domain.Convention{}, Status: http.StatusCreated, Handle: s.svcHandler(createConvention)})
	s.addDiag(&Route{Method: "GET", Path: "/conventions/renewals", Tag: tag, Kind: "convention", OperationID: "listRenewals",
		Summary: "Conventions à renouveler (fin proche ou passée)", Response: []diagnostic.RenewalAlert{}, Handle: s.svcHandler(listRenewals)})
	s.addDiag(&Route{Method: "GET", Path: "/conventions/{id}", Tag: tag, Kind: "convention", OperationID: "getConvention",
		Summary: "Lire une convention", Params: []Param{cID}, Response: domain.Convention{}, Handle: s.svcHandler(getConvention)})
	s.addDiag(&Route{Method: "PUT", Path: "/conventions/{id}", Tag: tag, Kind: "convention", OperationID: "updateConvention", Write: true, Conditional: true,
		Summary: "Modifier une convention (avenants, renouvellement...)", Params: []Param{cID}, Body: domain.Convention{}, Response: domain.Convention{}, Handle: s.svcHandler(updateConvention)})
	s.addDiag(&Route{Method: "GET", Path: "/conventions/{id}/report", Tag: tag, Kind: "convention", OperationID: "getConventionReport",
		Summary:     "Plan d'action, mesures et avancement",
		Description: "Avancement de chaque indicateur ((dernière mesure − référence) / (cible − référence), borné à 0–100 %), de chaque fiche (moyenne de ses indicateurs mesurés, sinon part des jalons atteints) et de la convention (moyenne des fiches) ; alerte de renouvellement.",
		Params:      []Param{cID}, Response: diagnostic.ConventionReport{}, Handle: s.svcHandler(getConventionReport)})
	s.addDiag(&Route{Method: "GET", Path: "/conventions/{id}/export", Tag: tag, Kind: "convention", OperationID: "exportConvention",
		Summary: "Exporter une convention (JSON)", Params: []Param{cID}, Produces: []string{"application/json"}, Handle: s.svcHandler(exportConvention)}, auth.Export)
	s.addDiag(&Route{Method: "GET", Path: "/conventions/{id}/fiches", Tag: tag, Kind: "convention", OperationID: "listFiches",
		Summary: "Lister les fiches action", Params: []Param{cID}, Response: []domain.FicheAction{}, Handle: s.svcHandler(listFiches)})
	s.addDiag(&Route{Method: "POST", Path: "/conventions/{id}/fiches", Tag: tag, Kind: "convention", OperationID: "createFiche", Write: true,
		Summary: "Ajouter une fiche action", Params: []Param{cID}, Body: domain.FicheAction{}, Response: domain.FicheAction{}, Status: http.StatusCreated, Handle: s.svcHandler(createFiche)}, auth.Update)
	fID := idParam("de la fiche action")
	s.addDiag(&Route{Method: "GET", Path: "/fiches/{id}", Tag: tag, Kind: "convention", OperationID: "getFiche",
		Summary: "Lire une fiche action", Params: []Param{fID}, Response: domain.FicheAction{}, Handle: s.svcHandler(getFiche)})
	s.addDiag(&Route{Method: "PUT", Path: "/fiches/{id}", Tag: tag, Kind: "convention", OperationID: "updateFiche", Write: true, Conditional: true,
		Summary: "Modifier une fiche action", Description: "Avec la version lue : si quelqu'un l'a modifiée entre-temps, 409.",
		Params: []Param{fID}, Body: domain.FicheAction{}, Response: domain.FicheAction{}, Handle: s.svcHandler(updateFiche)})
	s.addDiag(&Route{Method: "POST", Path: "/fiches/{id}/measurements", Tag: tag, Kind: "convention", OperationID: "createMeasurement", Write: true,
		Summary: "Enregistrer une mesure d'indicateur", Description: "Datée, dans la période de la convention, pour un indicateur de la fiche.",
		Params: []Param{fID}, Body: domain.Measurement{}, Response: domain.Measurement{}, Status: http.StatusCreated, Handle: s.svcHandler(createMeasurement)})
}

// Handlers that only decode, call the service and answer.
var (
	createBody          = createRecord("/bodies/", nil, (*diagnostic.Service).CreateBody)
	getBody             = readRecord((*diagnostic.Service).Body)
	updateBody          = updateRecord((*diagnostic.Service).UpdateBody)
	listMeetings        = readByID((*diagnostic.Service).Meetings)
	createMeeting       = createRecord("/meetings/", func(m *domain.Meeting, body int64) { m.BodyID = body }, (*diagnostic.Service).AddMeeting)
	updateMeeting       = updateRecord((*diagnostic.Service).UpdateMeeting)
	createDecision      = createRecord("/decisions/", func(d *domain.Decision, body int64) { d.BodyID = body }, (*diagnostic.Service).AddDecision)
	updateDecision      = updateRecord((*diagnostic.Service).UpdateDecision)
	createConvention    = createRecord("/conventions/", nil, (*diagnostic.Service).CreateConvention)
	getConvention       = readRecord((*diagnostic.Service).Convention)
	updateConvention    = updateRecord((*diagnostic.Service).UpdateConvention)
	getConventionReport = readByID((*diagnostic.Service).Report)
	listFiches          = readByID((*diagnostic.Service).Fiches)
	createFiche         = createRecord("/fiches/", func(f *domain.FicheAction, convention int64) { f.ConventionID = convention }, (*diagnostic.Service).AddFiche)
	getFiche            = readRecord((*diagnostic.Service).Fiche)
	updateFiche         = updateRecord((*diagnostic.Service).UpdateFiche)
	createMeasurement   = createRecord("", func(m *domain.Measurement, fiche int64) { m.FicheID = fiche }, (*diagnostic.Service).AddMeasurement)
)

func listBodies(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.BodyFilter{Kind: q.oneOf("kind", domain.BodyKinds), Territory: q.str("territory"), Diagnostic: q.id("diagnostic"), Convention: q.id("convention"), Member: q.id("member")}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := svc.Bodies(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func listDecisions(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := newQuery(r)
	f := domain.DecisionFilter{Body: id, Status: q.oneOf("status", domain.DecisionStatuses)}
	if err := q.err(); err != nil {
		return err
	}
	if _, err := svc.Body(r.Context(), id); err != nil {
		return err
	}
	ds, err := svc.Decisions(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ds)
}

func listOverdue(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.DecisionFilter{Body: q.id("body"), OwnerOrg: q.id("owner")}
	if err := q.err(); err != nil {
		return err
	}
	ds, err := svc.OverdueDecisions(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ds)
}

func listConventions(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.ConventionFilter{Kind: q.oneOf("kind", domain.ConventionKinds), Perimeter: q.str("perimeter"), Theme: q.str("theme"), Diagnostic: q.id("diagnostic")}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := svc.Conventions(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func exportConvention(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := svc.Report(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSONFile(w, "convention-"+strconv.FormatInt(id, 10)+".json", rep)
}

func listRenewals(svc *diagnostic.Service, w http.ResponseWriter, r *http.Request) error {
	as, err := svc.Renewals(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, as)
}
