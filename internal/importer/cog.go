package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// COG files of @etalab/decoupage-administratif.
type cogRegion struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
}

type cogDepartement struct {
	Code   string `json:"code"`
	Nom    string `json:"nom"`
	Region string `json:"region"`
}

type cogCommune struct {
	Code         string   `json:"code"`
	Nom          string   `json:"nom"`
	Type         string   `json:"type"`
	Departement  string   `json:"departement"`
	Region       string   `json:"region"`
	SIREN        string   `json:"siren"`
	Population   *float64 `json:"population"`
	ChefLieu     string   `json:"chefLieu"`
	Commune      string   `json:"commune"`
	AnciensCodes []string `json:"anciensCodes"`
}

type cogEPCI struct {
	Code       string   `json:"code"`
	Nom        string   `json:"nom"`
	Population *float64 `json:"populationMunicipale"`
	Membres    []struct {
		Code       string   `json:"code"`
		Population *float64 `json:"populationMunicipale"`
	} `json:"membres"`
}

// COG commune types.
const (
	cogCurrent       = "commune-actuelle"
	cogDelegated     = "commune-deleguee"
	cogAssociated    = "commune-associee"
	cogArrondissment = "arrondissement-municipal"
)

// ImportCOG imports the official territorial reference from a directory
// holding the files of the @etalab/decoupage-administratif package:
// regions.json, departements.json, epci.json, communes.json (and
// arrondissements.json, read but not kept: those are departmental
// arrondissements, a level Maillage does not use).
//
//   - régions get the code "R"+code (domain.RegionCode);
//   - current communes and municipal arrondissements (Paris, Lyon,
//     Marseille; their parent is the commune 75056, 69123, 13055) become
//     territories, with their département, région, SIREN and EPCI (Parent);
//   - EPCI get their member communes;
//   - communes déléguées and associées, and the anciensCodes of current
//     communes, become aliases of their current commune (unless the code is
//     itself a current commune);
//   - populations become values of the "population" indicator:
//     communes.json for communes and arrondissements (millésime
//     Options.PopulationYear, 2023 by default: the file has no year field),
//     epci.json for EPCI (Options.EPCIPopulationYear, 2022 by default), and
//     the sum of their communes for départements and régions.
//
// A re-import of the same files changes nothing (every record is counted
// Unchanged and nothing is written); a newer vintage updates what changed.
func ImportCOG(ctx context.Context, s domain.Store, dir string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	popYear := opt.PopulationYear
	if popYear == 0 {
		popYear = DefaultPopulationYear
	}
	epciYear := opt.EPCIPopulationYear
	if epciYear == 0 {
		epciYear = DefaultEPCIPopulationYear
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return r.rep, domain.Errorf(domain.ENOTFOUND, "répertoire du COG introuvable : %s", dir)
	}
	c := &cogBuild{run: r, dir: dir, vis: opt.visibility(domain.VisibilityPublic), owner: opt.owner()}

	var regions []cogRegion
	var deps []cogDepartement
	var communes []cogCommune
	var epcis []cogEPCI
	for _, f := range []struct {
		name     string
		into     any
		optional bool
	}{
		{"regions.json", &regions, false},
		{"departements.json", &deps, false},
		{"communes.json", &communes, false},
		{"epci.json", &epcis, false},
		{"arrondissements.json", nil, true},
	} {
		path := filepath.Join(dir, f.name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if f.optional {
				continue
			}
			return r.rep, domain.Errorf(domain.ENOTFOUND, "fichier %s introuvable dans %s (fichiers attendus : regions.json, departements.json, communes.json, epci.json, arrondissements.json du paquet @etalab/decoupage-administratif)", f.name, dir)
		}
		n, err := readJSONArray(path, f.into, r)
		if err != nil {
			return r.rep, err
		}
		r.rep.Files++
		if f.into == nil {
			r.rep.warnf("%s : %d arrondissements départementaux lus et ignorés (Maillage ne garde pas ce niveau ; les arrondissements municipaux viennent de communes.json)", f.name, n)
		}
		opt.logf("%s : %d éléments", f.name, n)
	}
	c.build(regions, deps, communes, epcis, popYear, epciYear)
	if r.failed() {
		return r.finish(nil, nil)
	}
	if err := c.compare(ctx, s); err != nil {
		return r.finish(nil, err)
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.finish(nil, err)
	}
	return r.finish(tx, c.write(ctx, s, tx))
}

// readJSONArray decodes a file holding a JSON array into a slice (into is a
// pointer to it), element by element so that an error names the element.
// into nil only counts the elements.
func readJSONArray(path string, into any, r *run) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, domain.Errorf(domain.EINVALID, "impossible d'ouvrir %s : %v", path, err)
	}
	defer f.Close()
	name := filepath.Base(path)
	dec := json.NewDecoder(skipBOM(f))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
		return 0, &tabular.LineError{File: name, Reason: "un tableau JSON est attendu"}
	}
	n := 0
	for dec.More() {
		n++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, &tabular.LineError{File: name, Item: n, Reason: "JSON invalide : " + err.Error()}
		}
		if into == nil {
			continue
		}
		if err := appendJSON(into, raw); err != nil {
			e := jsonError(name, n, "", "élément invalide : %v", err)
			r.reject(nil, e, jsonSource(path), jsonCells(e))
		}
	}
	return n, nil
}

func appendJSON(into any, raw json.RawMessage) error {
	switch s := into.(type) {
	case *[]cogRegion:
		var v cogRegion
		err := json.Unmarshal(raw, &v)
		*s = append(*s, v)
		return err
	case *[]cogDepartement:
		var v cogDepartement
		err := json.Unmarshal(raw, &v)
		*s = append(*s, v)
		return err
	case *[]cogCommune:
		var v cogCommune
		err := json.Unmarshal(raw, &v)
		*s = append(*s, v)
		return err
	case *[]cogEPCI:
		var v cogEPCI
		err := json.Unmarshal(raw, &v)
		*s = append(*s, v)
		return err
	}
	return fmt.Errorf("type %T", into)
}

type cogBuild struct {
	*run
	dir   string
	vis   domain.Visibility
	owner int64

	territories []domain.Territory
	kinds       []*Counts // parallel to territories
	members     map[string][]string
	aliases     []domain.Alias
	values      []domain.IndicatorValue

	// after compare
	changedT      []int
	changedM      []string
	changedA      []int
	changedV      []domain.IndicatorValue
	needIndicator bool
}

// rejectJSON rejects an element of a COG file.
func (c *cogBuild) rejectJSON(k *Counts, e *tabular.LineError) {
	c.reject(k, e, jsonSource(filepath.Join(c.dir, e.File)), jsonCells(e))
}

func (c *cogBuild) add(t domain.Territory, k *Counts, file string, item int) bool {
	k.Read++
	t.OwnerOrg, t.Visibility = c.owner, c.vis
	if err := t.Validate(); err != nil {
		c.rejectJSON(k, joinReasons(validationErrors(err, file, "", 0, item)))
		return false
	}
	c.territories = append(c.territories, t)
	c.kinds = append(c.kinds, k)
	return true
}

func (c *cogBuild) build(regions []cogRegion, deps []cogDepartement, communes []cogCommune, epcis []cogEPCI, popYear, epciYear int) {
	rep := c.rep
	kReg, kDep, kEPCI := rep.kind("régions"), rep.kind("départements"), rep.kind("EPCI")
	kCom, kArr, kAlias := rep.kind("communes"), rep.kind("arrondissements municipaux"), rep.kind("anciens codes (alias)")
	kPop := rep.kind("populations")

	regionOK := map[string]bool{}
	for i, g := range regions {
		if c.add(domain.Territory{Code: domain.RegionCode(g.Code), Type: domain.TypeRegion, Name: g.Nom}, kReg, "regions.json", i+1) {
			regionOK[g.Code] = true
		}
	}
	depRegion := map[string]string{}
	for i, d := range deps {
		if d.Region != "" && !regionOK[d.Region] {
			kDep.Read++
			c.rejectJSON(kDep, jsonError("departements.json", i+1, "region", "région inconnue %q", d.Region))
			continue
		}
		t := domain.Territory{Code: d.Code, Type: domain.TypeDepartement, Name: d.Nom}
		if d.Region != "" {
			t.Region = domain.RegionCode(d.Region)
		}
		if c.add(t, kDep, "departements.json", i+1) {
			depRegion[d.Code] = t.Region
		}
	}

	current := map[string]bool{}
	for _, m := range communes {
		if m.Type == cogCurrent {
			current[m.Code] = true
		}
	}
	// EPCI: members, and the département of their seat (the one holding
	// most of their population).
	epciOf := map[string]string{}
	c.members = map[string][]string{}
	for i, e := range epcis {
		kEPCI.Read++
		item := i + 1
		var bad []*tabular.LineError
		popByDep := map[string]float64{}
		var mem []string
		for j, m := range e.Membres {
			if !current[m.Code] {
				bad = append(bad, jsonError("epci.json", item, fmt.Sprintf("membres[%d].code", j), "commune membre inconnue %q", m.Code))
				continue
			}
			if prev, dup := epciOf[m.Code]; dup && prev != e.Code {
				bad = append(bad, jsonError("epci.json", item, fmt.Sprintf("membres[%d].code", j), "la commune %s appartient déjà à l'EPCI %s", m.Code, prev))
				continue
			}
			mem = append(mem, m.Code)
			if m.Population != nil {
				popByDep[domain.DepartementOfCommune(m.Code)] += *m.Population
			}
		}
		if len(mem) == 0 && len(bad) == 0 {
			bad = append(bad, jsonError("epci.json", item, "membres", "aucune commune membre"))
		}
		dep, best := "", -1.0
		for _, d := range slices.Sorted(maps.Keys(popByDep)) {
			if popByDep[d] > best {
				dep, best = d, popByDep[d]
			}
		}
		t := domain.Territory{Code: e.Code, Type: domain.TypeEPCI, Name: e.Nom, SIREN: e.Code, Departement: dep, Region: depRegion[dep]}
		t.OwnerOrg, t.Visibility = c.owner, c.vis
		if err := t.Validate(); err != nil {
			bad = append(bad, validationErrors(err, "epci.json", "", 0, item)...)
		}
		if len(bad) > 0 {
			c.rejectJSON(kEPCI, joinReasons(bad))
			continue
		}
		c.territories = append(c.territories, t)
		c.kinds = append(c.kinds, kEPCI)
		sort.Strings(mem)
		c.members[e.Code] = mem
		for _, m := range mem {
			epciOf[m] = e.Code
		}
		if e.Population != nil {
			kPop.Read++
			c.values = append(c.values, domain.IndicatorValue{Territory: e.Code, Indicator: domain.IndicatorPopulation, Year: epciYear, Value: *e.Population})
		}
	}

	depPop, regPop := map[string]float64{}, map[string]float64{}
	validCommune := map[string]bool{}
	for i, m := range communes {
		item := i + 1
		switch m.Type {
		case cogCurrent, cogArrondissment:
		default:
			continue
		}
		k, typ, parent := kCom, domain.TypeCommune, epciOf[m.Code]
		if m.Type == cogArrondissment {
			k, typ, parent = kArr, domain.TypeArrondissement, m.Commune
			if !current[m.Commune] {
				k.Read++
				c.rejectJSON(k, jsonError("communes.json", item, "commune", "commune de rattachement inconnue %q", m.Commune))
				continue
			}
		}
		if _, ok := depRegion[m.Departement]; !ok {
			k.Read++
			c.rejectJSON(k, jsonError("communes.json", item, "departement", "département inconnu %q", m.Departement))
			continue
		}
		t := domain.Territory{Code: m.Code, Type: typ, Name: m.Nom, Departement: m.Departement, Region: depRegion[m.Departement], Parent: parent, SIREN: m.SIREN}
		if m.Region != "" && domain.RegionCode(m.Region) != t.Region {
			c.rep.warnf("communes.json, élément %d : commune %s en région %s mais son département %s est en région %s (région du département retenue)", item, m.Code, m.Region, m.Departement, t.Region)
		}
		if !c.add(t, k, "communes.json", item) {
			continue
		}
		if typ == domain.TypeCommune {
			validCommune[m.Code] = true
		}
		if m.Population != nil {
			kPop.Read++
			c.values = append(c.values, domain.IndicatorValue{Territory: m.Code, Indicator: domain.IndicatorPopulation, Year: popYear, Value: *m.Population})
			if typ == domain.TypeCommune {
				depPop[m.Departement] += *m.Population
				if t.Region != "" {
					regPop[t.Region] += *m.Population
				}
			}
		}
	}
	for _, d := range slices.Sorted(maps.Keys(depPop)) {
		kPop.Read++
		c.values = append(c.values, domain.IndicatorValue{Territory: d, Indicator: domain.IndicatorPopulation, Year: popYear, Value: depPop[d]})
	}
	for _, g := range slices.Sorted(maps.Keys(regPop)) {
		kPop.Read++
		c.values = append(c.values, domain.IndicatorValue{Territory: g, Indicator: domain.IndicatorPopulation, Year: popYear, Value: regPop[g]})
	}

	// Aliases: delegated and associated communes first (they say where the
	// code belongs today), then the former codes of current communes.
	seen := map[string]bool{}
	for i, m := range communes {
		if (m.Type != cogDelegated && m.Type != cogAssociated) || current[m.Code] || seen[m.Code] {
			continue
		}
		kAlias.Read++
		if !validCommune[m.ChefLieu] {
			c.rejectJSON(kAlias, jsonError("communes.json", i+1, "chefLieu", "commune de rattachement inconnue %q", m.ChefLieu))
			continue
		}
		seen[m.Code] = true
		c.aliases = append(c.aliases, domain.Alias{Code: m.Code, Target: m.ChefLieu, Name: m.Nom, Reason: m.Type})
	}
	for _, m := range communes {
		if m.Type != cogCurrent || !validCommune[m.Code] {
			continue
		}
		for _, old := range m.AnciensCodes {
			if current[old] || seen[old] || !domain.IsCommuneCode(old) {
				continue
			}
			kAlias.Read++
			seen[old] = true
			c.aliases = append(c.aliases, domain.Alias{Code: old, Target: m.Code, Reason: "fusion"})
		}
	}
}

// compare classifies every record against what the store holds, keeping
// only what must be written.
func (c *cogBuild) compare(ctx context.Context, s domain.Store) error {
	page, err := s.Territories(ctx, domain.TerritoryFilter{})
	if err != nil {
		return fmt.Errorf("lecture des territoires : %w", err)
	}
	old := make(map[string]*domain.Territory, len(page.Items))
	for i := range page.Items {
		old[page.Items[i].Code] = &page.Items[i]
	}
	seenCode := map[string]bool{}
	for i := range c.territories {
		t, k := &c.territories[i], c.kinds[i]
		seenCode[t.Code] = true
		o := old[t.Code]
		switch {
		case o == nil:
			k.Created++
			c.changedT = append(c.changedT, i)
		case o.Type != t.Type || o.Name != t.Name || o.Departement != t.Departement || o.Region != t.Region ||
			o.Parent != t.Parent || o.SIREN != t.SIREN || o.Visibility != t.Visibility || o.OwnerOrg != t.OwnerOrg:
			k.Updated++
			c.changedT = append(c.changedT, i)
		default:
			k.Unchanged++
		}
	}
	var gone []string
	for code, o := range old {
		if !seenCode[code] && o.Type != domain.TypePerimeter {
			gone = append(gone, code)
		}
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		c.rep.warnf("%d territoires déjà en base ne figurent plus dans ce COG (%s) : ils sont conservés", len(gone), sample(gone, 10))
	}
	// Members of EPCI: compared as sets.
	epcis, err := s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeEPCI, WithMembers: true})
	if err != nil {
		return fmt.Errorf("lecture des EPCI : %w", err)
	}
	oldMembers := map[string][]string{}
	for _, e := range epcis.Items {
		m := append([]string(nil), e.Members...)
		sort.Strings(m)
		oldMembers[e.Code] = m
	}
	for _, code := range slices.Sorted(maps.Keys(c.members)) {
		if !slices.Equal(oldMembers[code], c.members[code]) {
			c.changedM = append(c.changedM, code)
			if old[code] != nil { // an existing EPCI whose members changed is updated
				c.bumpUpdated(code)
			}
		}
	}
	// Aliases.
	as, err := s.Aliases(ctx)
	if err != nil {
		return fmt.Errorf("lecture des anciens codes : %w", err)
	}
	oldA := make(map[string]domain.Alias, len(as))
	for _, a := range as {
		oldA[a.Code] = a
	}
	kAlias := c.rep.kind("anciens codes (alias)")
	for i, a := range c.aliases {
		o, ok := oldA[a.Code]
		switch {
		case !ok:
			kAlias.Created++
			c.changedA = append(c.changedA, i)
		case o != a:
			kAlias.Updated++
			c.changedA = append(c.changedA, i)
		default:
			kAlias.Unchanged++
		}
	}
	// Population values.
	if _, err := s.Indicator(ctx, domain.IndicatorPopulation); domain.ErrorCode(err) == domain.ENOTFOUND {
		c.needIndicator = true
	} else if err != nil {
		return fmt.Errorf("lecture de l'indicateur population : %w", err)
	}
	vals, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: domain.IndicatorPopulation})
	if err != nil {
		return fmt.Errorf("lecture des populations : %w", err)
	}
	type key struct {
		t string
		y int
	}
	oldV := make(map[key]float64, len(vals.Items))
	for _, v := range vals.Items {
		oldV[key{v.Territory, v.Year}] = v.Value
	}
	kPop := c.rep.kind("populations")
	for _, v := range c.values {
		o, ok := oldV[key{v.Territory, v.Year}]
		switch {
		case !ok:
			kPop.Created++
			c.changedV = append(c.changedV, v)
		case o != v.Value:
			kPop.Updated++
			c.changedV = append(c.changedV, v)
		default:
			kPop.Unchanged++
		}
	}
	return nil
}

// bumpUpdated moves an unchanged territory to updated (its members changed).
func (c *cogBuild) bumpUpdated(code string) {
	for _, i := range c.changedT {
		if c.territories[i].Code == code {
			return
		}
	}
	for i := range c.territories {
		if c.territories[i].Code == code {
			c.kinds[i].Unchanged--
			c.kinds[i].Updated++
			return
		}
	}
}

func (c *cogBuild) write(ctx context.Context, s domain.Store, tx domain.BulkTx) error {
	if len(c.changedT) > 0 {
		ts := make([]domain.Territory, len(c.changedT))
		for j, i := range c.changedT {
			ts[j] = c.territories[i]
			c.kinds[i].Written++
		}
		c.opt.logf("écriture de %d territoires", len(ts))
		const batch = 5000
		for lo := 0; lo < len(ts); lo += batch {
			hi := min(lo+batch, len(ts))
			if err := tx.UpsertTerritories(ctx, ts[lo:hi]); err != nil {
				return fmt.Errorf("écriture des territoires : %w", err)
			}
			c.progress(int64(hi), int64(len(ts)))
		}
	}
	for _, code := range c.changedM {
		if err := tx.SetMembers(ctx, code, c.members[code]); err != nil {
			return fmt.Errorf("écriture des membres de l'EPCI %s : %w", code, err)
		}
	}
	if len(c.changedA) > 0 {
		as := make([]domain.Alias, len(c.changedA))
		for j, i := range c.changedA {
			as[j] = c.aliases[i]
		}
		c.opt.logf("écriture de %d anciens codes", len(as))
		if err := tx.UpsertAliases(ctx, as); err != nil {
			return fmt.Errorf("écriture des anciens codes : %w", err)
		}
		c.rep.kind("anciens codes (alias)").Written += len(as)
	}
	if c.needIndicator {
		ind := domain.DefaultIndicators()[0]
		ind.OwnerOrg, ind.Visibility = c.owner, domain.VisibilityPublic
		if err := tx.UpsertIndicators(ctx, []domain.Indicator{ind}); err != nil {
			return fmt.Errorf("écriture de l'indicateur population : %w", err)
		}
	}
	if len(c.changedV) > 0 {
		c.opt.logf("écriture de %d populations", len(c.changedV))
		n, err := tx.PutIndicatorValues(ctx, slices.Values(c.changedV))
		if err != nil {
			return fmt.Errorf("écriture des populations : %w", err)
		}
		c.rep.kind("populations").Written += n
	}
	return nil
}

// sample lists the first n codes of a list, with an ellipsis.
func sample(codes []string, n int) string {
	if len(codes) <= n {
		return fmt.Sprint(codes)
	}
	return fmt.Sprint(codes[:n]) + "…"
}
