package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"maillage/internal/domain"
)

// TerritoryDetail is a territory as GET /territories/{code} answers it.
type TerritoryDetail struct {
	domain.Territory
	// RequestedCode and AliasOf are set when the code asked is an alias (a
	// commune déléguée, associée or merged away): the answer describes the
	// current commune AliasOf.
	RequestedCode string `json:"requested_code,omitempty"`
	AliasOf       string `json:"alias_of,omitempty"`
}

// Feature is a GeoJSON Feature.
type Feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Properties FeatureProps    `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// FeatureProps are the properties of a territory's Feature.
type FeatureProps struct {
	Code       string               `json:"code"`
	Name       string               `json:"name"`
	Type       domain.TerritoryType `json:"type"`
	Population *float64             `json:"population"`
}

var territoryTypes = []string{"region", "departement", "epci", "commune", "arrondissement_municipal", "perimetre"}

func (s *Server) territoryRoutes() {
	code := Param{Name: "code", In: "path", Description: "Code du territoire : commune (INSEE, 5 caractères), EPCI (SIREN), département, région (R + code INSEE), périmètre."}
	s.add(&Route{
		Method: "GET", Path: "/territories", Tag: "territoires", Kind: "territory", OperationID: "listTerritories",
		Summary: "Lister les territoires",
		Params: append([]Param{
			{Name: "type", Description: "Type de territoire.", Enum: territoryTypes},
			{Name: "within", Description: "Territoires compris dans ce territoire (EPCI, département, région, périmètre ; pour une commune : ses arrondissements)."},
			{Name: "parent", Description: "Territoires de ce parent (EPCI d'une commune, commune d'un arrondissement)."},
			{Name: "text", Description: "Texte cherché dans le nom (n'importe où) ou au début du code, sans tenir compte des majuscules ni des accents ; le territoire dont c'est le code vient en premier."},
			{Name: "with_members", Type: "boolean", Description: "Inclure les communes membres des groupes (champ communes)."},
		}, pageParams()...),
		Response: List[domain.Territory]{},
		Handle:   s.listTerritories,
	})
	s.add(&Route{
		Method: "GET", Path: "/territories/{code}", Tag: "territoires", Kind: "territory", OperationID: "getTerritory", ETag: true,
		Summary:     "Lire un territoire",
		Description: "Un ancien code (commune déléguée, associée, fusionnée) renvoie la commune actuelle, avec requested_code et alias_of. Les groupes (EPCI, département, région, périmètre) listent leurs communes dans communes.",
		Params:      []Param{code}, Response: TerritoryDetail{}, Handle: s.getTerritory,
	})
	s.add(&Route{
		Method: "GET", Path: "/territories/{code}/children", Tag: "territoires", Kind: "territory", OperationID: "listTerritoryChildren",
		Summary:     "Lister les territoires enfants",
		Description: "Région → ses départements ; département → ses EPCI puis ses communes ; EPCI et périmètre → leurs communes ; commune → ses arrondissements municipaux. Sans limit, jusqu'à 500 enfants.",
		Params:      append([]Param{code}, pageParams()...), Response: List[domain.Territory]{}, Handle: s.territoryChildren,
	})
	s.add(&Route{
		Method: "GET", Path: "/territories/{code}/members", Tag: "territoires", Kind: "territory", OperationID: "listTerritoryMembers",
		Summary: "Lister les communes membres d'un territoire",
		Params:  append([]Param{code}, pageParams()...), Response: List[domain.Territory]{}, Handle: s.territoryMembers,
	})
	s.add(&Route{
		Method: "GET", Path: "/territories/{code}/geometry", Tag: "territoires", Kind: "territory", OperationID: "getTerritoryGeometry",
		Summary: "Contour d'un territoire (Feature GeoJSON)",
		Params:  []Param{code}, Response: Feature{}, ResponseType: "application/geo+json", Handle: s.territoryGeometry,
	})
	s.add(&Route{
		Method: "GET", Path: "/territories/{code}/indicators", Tag: "territoires", Kind: "indicator_value", OperationID: "listTerritoryIndicatorValues",
		Summary:     "Valeurs d'indicateurs d'un territoire",
		Description: "Les valeurs du territoire et, pour un groupe (EPCI, département, région, périmètre), celles de ses communes.",
		Params: append([]Param{code,
			{Name: "indicator", Description: "Code de l'indicateur."},
			{Name: "year", Type: "integer", Description: "Année."},
		}, pageParams()...),
		Response: List[domain.IndicatorValue]{}, Handle: s.territoryIndicators,
	})
	s.add(&Route{
		Method: "POST", Path: "/territories", Tag: "territoires", Kind: "territory", OperationID: "createPerimeter", Write: true,
		Summary:     "Créer un périmètre",
		Description: "Seuls les périmètres (type perimetre : périmètre de CTG, QPV, bassin de vie) se créent par l'API ; communes liste leurs communes (un code d'EPCI ou de département y ajoute toutes ses communes).",
		Body:        domain.Territory{}, Response: TerritoryDetail{}, Status: http.StatusCreated, Handle: s.createPerimeter,
	})
	s.add(&Route{
		Method: "PUT", Path: "/territories/{code}", Tag: "territoires", Kind: "territory", OperationID: "updatePerimeter", Write: true, Conditional: true,
		Summary: "Modifier un périmètre",
		Params:  []Param{code}, Body: domain.Territory{}, Response: TerritoryDetail{}, Handle: s.updatePerimeter,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/territories/{code}", Tag: "territoires", Kind: "territory", OperationID: "deletePerimeter", Write: true,
		Summary: "Supprimer un périmètre",
		Params:  []Param{code}, Handle: s.deletePerimeter,
	})
}

func (s *Server) listTerritories(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.TerritoryFilter{
		Type:   domain.TerritoryType(q.oneOf("type", territoryTypes)),
		Within: q.str("within"),
		Parent: q.str("parent"),
		Text:   q.str("text"),
	}
	f.WithMembers = q.oneOf("with_members", []string{"true", "false", "1", "0"}) == "true" || q.str("with_members") == "1"
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.Territories(r.Context(), f)
	if err != nil {
		return fieldedNotFound(err, "within")
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

// fieldedNotFound turns the not-found of a filter's territory into a 400
// naming the parameter: the collection exists, the filter is wrong.
func fieldedNotFound(err error, field string) error {
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return badRequest("Paramètre invalide.", fieldErr(field, domain.ErrorMessage(err)))
	}
	return err
}

func (s *Server) territoryDetail(r *http.Request, code string) (*TerritoryDetail, error) {
	t, err := s.store.Territory(r.Context(), code)
	if err != nil {
		return nil, err
	}
	d := &TerritoryDetail{Territory: *t}
	if t.Code != code {
		d.RequestedCode = code
		d.AliasOf = t.Code
	}
	if d.Members == nil && isGroup(t.Type) {
		if d.Members, err = s.store.CommunesOf(r.Context(), t.Code); err != nil {
			return nil, err
		}
		if d.Members == nil {
			d.Members = []string{}
		}
	}
	return d, nil
}

func isGroup(t domain.TerritoryType) bool {
	switch t {
	case domain.TypeEPCI, domain.TypeDepartement, domain.TypeRegion, domain.TypePerimeter:
		return true
	}
	return false
}

func (s *Server) getTerritory(w http.ResponseWriter, r *http.Request) error {
	d, err := s.territoryDetail(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	if notModified(w, r, d.Version) {
		return nil
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) territoryChildren(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := newQuery(r)
	offset, limit := q.page()
	if err := q.err(); err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "" {
		limit = MaxLimit
	}
	t, err := s.store.Territory(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	var kinds []domain.TerritoryType
	switch t.Type {
	case domain.TypeRegion:
		kinds = []domain.TerritoryType{domain.TypeDepartement}
	case domain.TypeDepartement:
		kinds = []domain.TerritoryType{domain.TypeEPCI, domain.TypeCommune}
	case domain.TypeEPCI, domain.TypePerimeter:
		kinds = []domain.TerritoryType{domain.TypeCommune}
	case domain.TypeCommune:
		kinds = []domain.TerritoryType{domain.TypeArrondissement}
	}
	all := domain.Page[domain.Territory]{Items: []domain.Territory{}}
	for _, k := range kinds {
		p, err := s.store.Territories(ctx, domain.TerritoryFilter{Within: t.Code, Type: k})
		if err != nil {
			return err
		}
		all.Items = append(all.Items, p.Items...)
	}
	// At most a few hundred children (communes of a département): listed
	// in full, then paged here.
	all.Total = len(all.Items)
	all.Items = all.Items[min(offset, all.Total):min(offset+limit, all.Total)]
	return writeList(w, r, all, offset, limit)
}

func (s *Server) territoryMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := newQuery(r)
	offset, limit := q.page()
	if err := q.err(); err != nil {
		return err
	}
	t, err := s.store.Territory(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	f := domain.TerritoryFilter{Within: t.Code, Type: domain.TypeCommune, Offset: offset, Limit: limit}
	var p domain.Page[domain.Territory]
	switch t.Type {
	case domain.TypeCommune, domain.TypeArrondissement:
		// A commune is its own (only) member.
		p = domain.Page[domain.Territory]{Items: []domain.Territory{*t}, Total: 1}
		if offset > 0 {
			p.Items = nil
		}
	default:
		if p, err = s.store.Territories(ctx, f); err != nil {
			return err
		}
	}
	return writeList(w, r, p, offset, limit)
}

func (s *Server) territoryGeometry(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := s.store.Territory(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	g, err := s.store.TerritoryGeometry(ctx, t.Code)
	if err != nil {
		return err
	}
	if len(g) == 0 {
		return domain.NotFound("Contour du territoire", t.Code)
	}
	f := Feature{Type: "Feature", ID: t.Code, Geometry: g,
		Properties: FeatureProps{Code: t.Code, Name: t.Name, Type: t.Type, Population: t.Population}}
	w.Header().Set("Content-Type", "application/geo+json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

func (s *Server) territoryIndicators(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.IndicatorValueFilter{Territory: r.PathValue("code"), Indicator: q.str("indicator"), Year: q.int("year", 1800, 2200)}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.IndicatorValues(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

// perimeterInput reads and checks a perimeter body; group codes among its
// communes (EPCI, département) are expanded to their communes.
func (s *Server) perimeterInput(r *http.Request) (*domain.Territory, error) {
	var t domain.Territory
	if err := decodeBody(r, &t); err != nil {
		return nil, err
	}
	if t.Type == "" {
		t.Type = domain.TypePerimeter
	}
	var v domain.Validation
	if t.Type != domain.TypePerimeter {
		v.Add("type", "seuls les périmètres (perimetre) se créent ou se modifient par l'API, pas %q", t.Type)
	}
	if err := t.Validate(); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			for _, f := range de.Fields {
				v.Add(f.Field, "%s", f.Reason)
			}
		}
	}
	if t.Code != "" && (strings.ContainsAny(t.Code, "/?#% ") || len(t.Code) > 64) {
		v.Add("code", "code de périmètre invalide %q (64 caractères au plus, sans espace ni / ? # %%)", t.Code)
	}
	if len(t.Members) == 0 {
		v.Add("communes", "au moins une commune")
	}
	seen := map[string]bool{}
	var members []string
	for _, c := range t.Members {
		cs, err := s.store.CommunesOf(r.Context(), strings.TrimSpace(c))
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				v.Add("communes", "territoire inconnu %q", c)
				continue
			}
			return nil, err
		}
		for _, m := range cs {
			if !seen[m] {
				seen[m] = true
				members = append(members, m)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	t.Members = members
	t.OwnerOrg = principalOrg(r.Context())
	return &t, nil
}

func (s *Server) createPerimeter(w http.ResponseWriter, r *http.Request) error {
	t, err := s.perimeterInput(r)
	if err != nil {
		return err
	}
	if _, err := s.store.Territory(r.Context(), t.Code); err == nil {
		return domain.Errorf(domain.ECONFLICT, "Le code %s est déjà pris par un territoire.", t.Code)
	} else if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if err := s.store.SavePerimeter(r.Context(), t); err != nil {
		return err
	}
	d, err := s.territoryDetail(r, t.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/territories/"+t.Code)
	setETag(w, d.Version)
	return writeJSON(w, http.StatusCreated, d)
}

func (s *Server) updatePerimeter(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	cur, err := s.store.Territory(r.Context(), code)
	if err != nil {
		return err
	}
	if cur.Type != domain.TypePerimeter || cur.Code != code {
		return badRequest("Seuls les périmètres se modifient par l'API.", fieldErr("type", "le territoire "+code+" est de type "+string(cur.Type)))
	}
	t, err := s.perimeterInput(r)
	if err != nil {
		return err
	}
	if t.Code != "" && t.Code != code {
		return badRequest("Le code d'un périmètre ne change pas.", fieldErr("code", "différent du code de l'adresse"))
	}
	t.Code = code
	want, err := expectedVersion(r, t.Version)
	if err != nil {
		return err
	}
	// The check is done here (SavePerimeter replaces without version);
	// the store bumps the version, so a concurrent save is still detected by
	// the next writer.
	if want != cur.Version {
		return domain.Conflict("Le périmètre", code)
	}
	t.Version = want
	t.OwnerOrg = cur.OwnerOrg
	if err := s.store.SavePerimeter(r.Context(), t); err != nil {
		return err
	}
	d, err := s.territoryDetail(r, code)
	if err != nil {
		return err
	}
	setETag(w, d.Version)
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) deletePerimeter(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	cur, err := s.store.Territory(r.Context(), code)
	if err != nil {
		return err
	}
	if cur.Type != domain.TypePerimeter || cur.Code != code {
		return badRequest("Seuls les périmètres se suppriment par l'API.", fieldErr("type", "le territoire "+code+" est de type "+string(cur.Type)))
	}
	if err := s.store.DeletePerimeter(r.Context(), code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
