package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"maillage/internal/domain"
)

// IndicatorList is the indicator catalogue.
type IndicatorList struct {
	Items []domain.Indicator `json:"items"`
	Total int                `json:"total"`
}

// PutValuesResult answers PUT /indicator-values.
type PutValuesResult struct {
	Written int `json:"written"`
}

// MaxValuesPerPut limits one PUT /indicator-values batch (bigger loads go
// through "maillage import indicators").
const MaxValuesPerPut = 10000

func (s *Server) indicatorRoutes() {
	code := Param{Name: "code", In: "path", Description: "Code de l'indicateur (minuscules, chiffres et _)."}
	s.add(&Route{
		Method: "GET", Path: "/indicators", Tag: "indicateurs", Kind: "indicator", OperationID: "listIndicators",
		Summary: "Catalogue des indicateurs", Response: IndicatorList{}, Handle: s.listIndicators,
	})
	s.add(&Route{
		Method: "POST", Path: "/indicators", Tag: "indicateurs", Kind: "indicator", OperationID: "createIndicator", Write: true,
		Summary: "Ajouter un indicateur au catalogue",
		Body:    domain.Indicator{}, Response: domain.Indicator{}, Status: http.StatusCreated, Handle: s.createIndicator,
	})
	s.add(&Route{
		Method: "GET", Path: "/indicators/{code}", Tag: "indicateurs", Kind: "indicator", OperationID: "getIndicator", ETag: true,
		Summary: "Lire un indicateur du catalogue", Params: []Param{code}, Response: domain.Indicator{}, Handle: s.getIndicator,
	})
	s.add(&Route{
		Method: "PUT", Path: "/indicators/{code}", Tag: "indicateurs", Kind: "indicator", OperationID: "updateIndicator", Write: true, Conditional: true,
		Summary: "Modifier un indicateur du catalogue", Params: []Param{code},
		Body: domain.Indicator{}, Response: domain.Indicator{}, Handle: s.updateIndicator,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/indicators/{code}", Tag: "indicateurs", Kind: "indicator", OperationID: "deleteIndicator", Write: true,
		Summary: "Supprimer un indicateur et toutes ses valeurs", Params: []Param{code}, Handle: s.deleteIndicator,
	})
	s.add(&Route{
		Method: "GET", Path: "/indicator-values", Tag: "indicateurs", Kind: "indicator_value", OperationID: "listIndicatorValues",
		Summary: "Lister des valeurs d'indicateurs",
		Params: append([]Param{
			{Name: "indicator", Description: "Code de l'indicateur."},
			{Name: "territory", Description: "Code d'un territoire : une commune, ou un EPCI, département, région, périmètre (ses valeurs et celles de ses communes)."},
			{Name: "year", Type: "integer", Description: "Année."},
		}, pageParams()...),
		Response: List[domain.IndicatorValue]{}, Handle: s.listIndicatorValues,
	})
	s.add(&Route{
		Method: "PUT", Path: "/indicator-values", Tag: "indicateurs", Kind: "indicator_value", OperationID: "putIndicatorValues", Write: true,
		Summary:     "Écrire des valeurs d'indicateurs",
		Description: fmt.Sprintf("Un tableau JSON de valeurs (territoire, indicateur, année, valeur), écrites ou remplacées en une transaction : tout ou rien. %d valeurs au plus par requête.", MaxValuesPerPut),
		Body:        []domain.IndicatorValue{}, Response: PutValuesResult{}, Handle: s.putIndicatorValues,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/indicator-values/{territory}/{indicator}/{year}", Tag: "indicateurs", Kind: "indicator_value", OperationID: "deleteIndicatorValue", Write: true,
		Summary: "Supprimer une valeur d'indicateur",
		Params: []Param{
			{Name: "territory", In: "path", Description: "Code du territoire."},
			{Name: "indicator", In: "path", Description: "Code de l'indicateur."},
			{Name: "year", In: "path", Type: "integer", Description: "Année."},
		},
		Handle: s.deleteIndicatorValue,
	})
}

func (s *Server) listIndicators(w http.ResponseWriter, r *http.Request) error {
	inds, err := s.store.Indicators(r.Context())
	if err != nil {
		return err
	}
	if inds == nil {
		inds = []domain.Indicator{}
	}
	return writeJSON(w, http.StatusOK, IndicatorList{Items: inds, Total: len(inds)})
}

func (s *Server) getIndicator(w http.ResponseWriter, r *http.Request) error {
	ind, err := s.store.Indicator(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if notModified(w, r, ind.Version) {
		return nil
	}
	return writeJSON(w, http.StatusOK, ind)
}

func (s *Server) createIndicator(w http.ResponseWriter, r *http.Request) error {
	var ind domain.Indicator
	if err := decodeBody(r, &ind); err != nil {
		return err
	}
	ind.OwnerOrg = principalOrg(r.Context())
	if err := s.store.CreateIndicator(r.Context(), &ind); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/indicators/"+ind.Code)
	setETag(w, ind.Version)
	return writeJSON(w, http.StatusCreated, ind)
}

func (s *Server) updateIndicator(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	var ind domain.Indicator
	if err := decodeBody(r, &ind); err != nil {
		return err
	}
	if ind.Code != "" && ind.Code != code {
		return badRequest("Le code d'un indicateur ne change pas.", fieldErr("code", "différent du code de l'adresse"))
	}
	ind.Code = code
	want, err := expectedVersion(r, ind.Version)
	if err != nil {
		return err
	}
	cur, err := s.store.Indicator(r.Context(), code)
	if err != nil {
		return err
	}
	ind.Version = want
	ind.OwnerOrg = cur.OwnerOrg
	if err := s.store.UpdateIndicator(r.Context(), &ind); err != nil {
		return err
	}
	ind.CreatedAt = cur.CreatedAt
	setETag(w, ind.Version)
	return writeJSON(w, http.StatusOK, ind)
}

func (s *Server) deleteIndicator(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteIndicator(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listIndicatorValues(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.IndicatorValueFilter{Indicator: q.str("indicator"), Territory: q.str("territory"), Year: q.int("year", 1800, 2200)}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.IndicatorValues(r.Context(), f)
	if err != nil {
		return fieldedNotFound(err, "territory")
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func (s *Server) putIndicatorValues(w http.ResponseWriter, r *http.Request) error {
	var values []domain.IndicatorValue
	if err := decodeBody(r, &values); err != nil {
		return err
	}
	if len(values) > MaxValuesPerPut {
		return badRequest(fmt.Sprintf("Trop de valeurs : %d (au plus %d par requête ; utilisez « maillage import indicators » pour les gros fichiers).", len(values), MaxValuesPerPut))
	}
	var v domain.Validation
	for i := range values {
		if err := values[i].Validate(); err != nil {
			var de *domain.Error
			if errors.As(err, &de) {
				for _, f := range de.Fields {
					v.Add(fmt.Sprintf("[%d].%s", i, f.Field), "%s", f.Reason)
				}
			}
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.store.PutIndicatorValues(r.Context(), values); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, PutValuesResult{Written: len(values)})
}

func (s *Server) deleteIndicatorValue(w http.ResponseWriter, r *http.Request) error {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return badRequest("Année invalide.", fieldErr("year", "entier attendu, "+strconv.Quote(r.PathValue("year"))+" reçu"))
	}
	if err := s.store.DeleteIndicatorValue(r.Context(), r.PathValue("territory"), r.PathValue("indicator"), year); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
