package api

import (
	"net/http"
	"strconv"

	"maillage/internal/domain"
)

func (s *Server) fundingRoutes() {
	id := idParam("du financement")
	s.add(&Route{
		Method: "GET", Path: "/fundings", Tag: "financements", Kind: "funding", OperationID: "listFundings",
		Summary: "Lister les financements",
		Params: append([]Param{
			{Name: "action", Type: "integer", Description: "Identifiant de l'action financée."},
			{Name: "funder", Type: "integer", Description: "Identifiant de l'acteur financeur."},
			{Name: "year", Type: "integer", Description: "Année."},
		}, pageParams()...),
		Response: List[domain.Funding]{}, Handle: s.listFundings,
	})
	s.add(&Route{
		Method: "POST", Path: "/fundings", Tag: "financements", Kind: "funding", OperationID: "createFunding", Write: true,
		Summary:     "Créer un financement",
		Description: "Un financeur, une action, une année : un seul financement (409 sinon).",
		Body:        domain.Funding{}, Response: domain.Funding{}, Status: http.StatusCreated, Handle: s.createFunding,
	})
	s.add(&Route{
		Method: "GET", Path: "/fundings/{id}", Tag: "financements", Kind: "funding", OperationID: "getFunding", ETag: true,
		Summary: "Lire un financement", Params: []Param{id}, Response: domain.Funding{}, Handle: s.getFunding,
	})
	s.add(&Route{
		Method: "PUT", Path: "/fundings/{id}", Tag: "financements", Kind: "funding", OperationID: "updateFunding", Write: true, Conditional: true,
		Summary: "Modifier un financement", Params: []Param{id}, Body: domain.Funding{}, Response: domain.Funding{}, Handle: s.updateFunding,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/fundings/{id}", Tag: "financements", Kind: "funding", OperationID: "deleteFunding", Write: true,
		Summary: "Supprimer un financement", Params: []Param{id}, Handle: s.deleteFunding,
	})
}

func (s *Server) listFundings(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.FundingFilter{Action: q.id("action"), Funder: q.id("funder"), Year: q.int("year", 1900, 2200)}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.Fundings(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func (s *Server) getFunding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.Funding(r.Context(), id)
	if err != nil {
		return err
	}
	if notModified(w, r, f.Version) {
		return nil
	}
	return writeJSON(w, http.StatusOK, f)
}

func (s *Server) createFunding(w http.ResponseWriter, r *http.Request) error {
	var f domain.Funding
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	f.ID = 0
	f.OwnerOrg = principalOrg(r.Context())
	if err := s.store.CreateFunding(r.Context(), &f); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/fundings/"+strconv.FormatInt(f.ID, 10))
	setETag(w, f.Version)
	return writeJSON(w, http.StatusCreated, f)
}

func (s *Server) updateFunding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f domain.Funding
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	want, err := expectedVersion(r, f.Version)
	if err != nil {
		return err
	}
	cur, err := s.store.Funding(r.Context(), id)
	if err != nil {
		return err
	}
	f.ID, f.Version, f.OwnerOrg, f.CreatedAt = id, want, cur.OwnerOrg, cur.CreatedAt
	if err := s.store.UpdateFunding(r.Context(), &f); err != nil {
		return err
	}
	setETag(w, f.Version)
	return writeJSON(w, http.StatusOK, f)
}

func (s *Server) deleteFunding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteFunding(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
