package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// SourceDataInclusion prefixes the source of records imported from
// data·inclusion: "data-inclusion:<producer>" (dora, france-travail...).
const SourceDataInclusion = "data-inclusion:"

// diStructure is a data·inclusion v1 structure (the fields Maillage keeps).
type diStructure struct {
	ID              string   `json:"id"`
	Source          string   `json:"source"`
	Nom             string   `json:"nom"`
	SIRET           *string  `json:"siret"`
	CodeInsee       *string  `json:"code_insee"`
	ReseauxPorteurs []string `json:"reseaux_porteurs"`
}

// diService is a data·inclusion v1 service (the fields Maillage keeps).
type diService struct {
	ID              string   `json:"id"`
	Source          string   `json:"source"`
	StructureID     string   `json:"structure_id"`
	Nom             string   `json:"nom"`
	Description     string   `json:"description"`
	Thematiques     []string `json:"thematiques"`
	Publics         []string `json:"publics"`
	ZoneEligibilite []string `json:"zone_eligibilite"`
	CodeInsee       *string  `json:"code_insee"`
}

type diRecord struct {
	item int
	raw  json.RawMessage
}

// ImportDataInclusion imports data·inclusion structures and services
// (schema v1): a JSON array (of structures, services or both), an object
// {"structures": [...], "services": [...]}, or JSON lines.
//
// Structures become actors (source "data-inclusion:<source>", external id
// their id, SIRET kept when valid, commune from code_insee, type guessed
// from reseaux_porteurs and the name, else "association"). Services become
// actions operated by their structure: thematiques and publics map through
// the referentials' data·inclusion codes (unmapped thématiques are warned
// about; a service none of whose thématiques maps is rejected),
// zone_eligibilite gives the zone (communes, EPCI, départements; old codes
// resolve with a warning; unknown codes and the national zone are dropped
// with a warning, as data·inclusion itself does), code_insee the place.
// Ids are kept, so a re-import updates in place.
func ImportDataInclusion(ctx context.Context, s domain.Store, path string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return r.rep, openErr(path, err)
	}
	data = trimBOM(data)
	r.rep.Files = 1
	file := filepath.Base(path)
	structs, services, err := splitDataInclusion(file, data)
	if err != nil {
		return r.rep, err
	}
	data = nil
	ref, err := s.Referentials(ctx)
	if err != nil {
		return r.rep, err
	}
	pl, err := loadPlaces(ctx, s)
	if err != nil {
		return r.rep, err
	}
	di := &diImport{run: r, s: s, ref: ref, pl: pl, file: file, path: path, actors: map[string]*actorRef{}, actions: map[string]*actionRef{}}
	if err := di.loadExisting(ctx); err != nil {
		return r.rep, err
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.rep, err
	}
	di.tx = tx
	if err := di.structures(ctx, structs); err != nil {
		return r.finish(tx, err)
	}
	if err := di.services(ctx, services); err != nil {
		return r.finish(tx, err)
	}
	di.flushWarnings()
	return r.finish(tx, nil)
}

// splitDataInclusion reads the records of a file, structures and services apart.
func splitDataInclusion(file string, data []byte) (structs, services []diRecord, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	item := 0
	add := func(raw json.RawMessage) {
		item++
		var probe struct {
			StructureID *string `json:"structure_id"`
		}
		json.Unmarshal(raw, &probe)
		if probe.StructureID != nil {
			services = append(services, diRecord{item, raw})
		} else {
			structs = append(structs, diRecord{item, raw})
		}
	}
	values := 0
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, &tabular.LineError{File: file, Item: item + 1, Reason: "JSON invalide : " + err.Error()}
		}
		values++
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(raw, &arr); err != nil {
				return nil, nil, &tabular.LineError{File: file, Reason: "JSON invalide : " + err.Error()}
			}
			for _, x := range arr {
				add(x)
			}
		case len(raw) > 0 && raw[0] == '{':
			var box struct {
				Structures []json.RawMessage `json:"structures"`
				Services   []json.RawMessage `json:"services"`
			}
			if json.Unmarshal(raw, &box) == nil && (box.Structures != nil || box.Services != nil) {
				for _, x := range box.Structures {
					item++
					structs = append(structs, diRecord{item, x})
				}
				for _, x := range box.Services {
					item++
					services = append(services, diRecord{item, x})
				}
			} else {
				add(raw) // JSON lines
			}
		default:
			return nil, nil, &tabular.LineError{File: file, Item: item + 1, Reason: "un objet ou un tableau JSON est attendu"}
		}
	}
	if values == 0 {
		return nil, nil, &tabular.LineError{File: file, Reason: "fichier vide"}
	}
	return structs, services, nil
}

type diImport struct {
	*run
	s    domain.Store
	tx   domain.BulkTx
	ref  *domain.Referentials
	pl   *places
	file string
	path string

	actors    map[string]*actorRef // source \x00 id
	actions   map[string]*actionRef
	byStruct  map[string]*actorRef // structure id → ref (this file and the store)
	rejStruct map[string]int
	warnCount map[string]int
}

func diKey(source, id string) string { return source + "\x00" + id }

func (di *diImport) loadExisting(ctx context.Context) error {
	di.byStruct, di.rejStruct = map[string]*actorRef{}, map[string]int{}
	for a, err := range di.s.AllActors(ctx) {
		if err != nil {
			return fmt.Errorf("lecture des acteurs : %w", err)
		}
		if strings.HasPrefix(a.Source, SourceDataInclusion) {
			ref := &actorRef{id: a.ID, hash: actorHash(&a)}
			di.actors[diKey(a.Source, a.ExternalID)] = ref
			di.byStruct[a.ExternalID] = ref
		}
	}
	for a, err := range di.s.AllActions(ctx) {
		if err != nil {
			return fmt.Errorf("lecture des actions : %w", err)
		}
		if strings.HasPrefix(a.Source, SourceDataInclusion) {
			di.actions[diKey(a.Source, a.ExternalID)] = &actionRef{id: a.ID, hash: actionHash(&a)}
		}
	}
	return nil
}

func (di *diImport) warnLimited(kind, format string, args ...any) {
	if di.warnCount == nil {
		di.warnCount = map[string]int{}
	}
	di.warnCount[kind]++
	if di.warnCount[kind] <= 20 {
		di.rep.warnf(format, args...)
	}
}

func (di *diImport) flushWarnings() {
	for _, kind := range slicesSortedKeys(di.warnCount) {
		if n := di.warnCount[kind] - 20; n > 0 {
			di.rep.warnf("… et %d autres avertissements du même type (%s)", n, kind)
		}
	}
}

var diHeader = []string{"element", "id", "nom"}

func (di *diImport) bad(k *Counts, item int, id, nom, field, format string, args ...any) {
	di.reject(k, jsonError(di.file, item, field, format, args...), &source{path: di.path, kind: k.Kind, header: diHeader}, []string{strconv.Itoa(item), id, nom})
}

func (di *diImport) structures(ctx context.Context, recs []diRecord) error {
	k := di.rep.kind("structures")
	var batch []domain.Actor
	var refs []*actorRef
	seen := map[string]int{}
	for _, rec := range recs {
		k.Read++
		var st diStructure
		if err := json.Unmarshal(rec.raw, &st); err != nil {
			di.bad(k, rec.item, "", "", "", "structure invalide : %v", err)
			continue
		}
		if st.ID == "" || st.Source == "" {
			di.bad(k, rec.item, st.ID, st.Nom, "id", "id et source obligatoires")
			continue
		}
		if prev, dup := seen[st.ID]; dup {
			di.bad(k, rec.item, st.ID, st.Nom, "id", "structure %q en double (éléments %d et %d)", st.ID, prev, rec.item)
			continue
		}
		seen[st.ID] = rec.item
		a := domain.Actor{ExternalID: st.ID, Source: SourceDataInclusion + st.Source, Name: strings.TrimSpace(st.Nom), Type: guessActorType(st.ReseauxPorteurs, st.Nom)}
		a.OwnerOrg, a.Visibility = di.opt.owner(), di.opt.visibility(domain.VisibilityNetwork)
		if st.SIRET != nil && *st.SIRET != "" {
			if domain.IsSIRET(*st.SIRET) {
				a.SIRET, a.SIREN = *st.SIRET, (*st.SIRET)[:9]
			} else {
				di.warnLimited("siret", "%s, élément %d : SIRET %q invalide (clé de Luhn), non repris", di.file, rec.item, *st.SIRET)
			}
		}
		if st.CodeInsee != nil && *st.CodeInsee != "" {
			a.Commune = di.commune(rec.item, "code_insee", *st.CodeInsee)
		}
		if err := a.Validate(di.ref); err != nil {
			e := joinReasons(validationErrors(err, di.file, "", 0, rec.item))
			di.bad(k, rec.item, st.ID, st.Nom, e.Field, "%s", e.Reason)
			di.rejStruct[st.ID] = rec.item
			continue
		}
		h := actorHash(&a)
		key := diKey(a.Source, a.ExternalID)
		ref := di.actors[key]
		switch {
		case ref == nil:
			k.Created++
			ref = &actorRef{}
			di.actors[key] = ref
		case ref.hash == h:
			k.Unchanged++
			di.byStruct[st.ID] = ref
			continue
		default:
			k.Updated++
		}
		ref.hash = h
		di.byStruct[st.ID] = ref
		batch = append(batch, a)
		refs = append(refs, ref)
	}
	if len(batch) == 0 || di.failed() {
		for _, ref := range refs {
			if ref.id == 0 {
				ref.id = -1
			}
		}
		return nil
	}
	for lo := 0; lo < len(batch); lo += DefaultBatchSize {
		hi := min(lo+DefaultBatchSize, len(batch))
		ids, err := di.tx.UpsertActors(ctx, batch[lo:hi])
		if err != nil {
			return fmt.Errorf("écriture des structures : %w", err)
		}
		for i, id := range ids {
			refs[lo+i].id = id
		}
	}
	k.Written = len(batch)
	return nil
}

// commune resolves a code_insee; unknown codes are dropped with a warning.
func (di *diImport) commune(item int, field, code string) string {
	res, ok := di.pl.resolve(code)
	if !ok || (res.Type != domain.TypeCommune && res.Type != domain.TypeArrondissement) {
		di.warnLimited("code inconnu", "%s, élément %d, champ « %s » : commune inconnue %q, ignorée", di.file, item, field, code)
		return ""
	}
	if res.Alias != nil {
		di.warnLimited("ancien code", "%s, élément %d, champ « %s » : %s", di.file, item, field, di.pl.aliasWarning(res.Alias))
	}
	return res.Code
}

func (di *diImport) services(ctx context.Context, recs []diRecord) error {
	k := di.rep.kind("services")
	var batch []domain.Action
	var refs []*actionRef
	seen := map[string]int{}
	flush := func() error {
		if len(batch) > 0 && !di.failed() {
			ids, err := di.tx.UpsertActions(ctx, batch)
			if err != nil {
				return fmt.Errorf("écriture des services : %w", err)
			}
			for i, id := range ids {
				refs[i].id = id
			}
			k.Written += len(batch)
		}
		batch, refs = batch[:0], refs[:0]
		return nil
	}
	for _, rec := range recs {
		k.Read++
		var sv diService
		if err := json.Unmarshal(rec.raw, &sv); err != nil {
			di.bad(k, rec.item, "", "", "", "service invalide : %v", err)
			continue
		}
		if sv.ID == "" || sv.Source == "" {
			di.bad(k, rec.item, sv.ID, sv.Nom, "id", "id et source obligatoires")
			continue
		}
		if prev, dup := seen[sv.ID]; dup {
			di.bad(k, rec.item, sv.ID, sv.Nom, "id", "service %q en double (éléments %d et %d)", sv.ID, prev, rec.item)
			continue
		}
		seen[sv.ID] = rec.item
		op := di.byStruct[sv.StructureID]
		switch {
		case di.rejStruct[sv.StructureID] > 0:
			di.bad(k, rec.item, sv.ID, sv.Nom, "structure_id", "la structure %q a été rejetée (élément %d)", sv.StructureID, di.rejStruct[sv.StructureID])
			continue
		case op == nil || op.id == 0:
			di.bad(k, rec.item, sv.ID, sv.Nom, "structure_id", "structure inconnue %q : absente du fichier et des imports précédents", sv.StructureID)
			continue
		}
		a := domain.Action{ExternalID: sv.ID, Source: SourceDataInclusion + sv.Source, Title: strings.TrimSpace(sv.Nom),
			Description: strings.TrimSpace(sv.Description), OperatorID: op.id}
		a.OwnerOrg, a.Visibility = di.opt.owner(), di.opt.visibility(domain.VisibilityNetwork)
		var unmapped []string
		for _, t := range sv.Thematiques {
			codes := di.ref.FromDataInclusion(domain.RefTheme, t)
			if len(codes) == 0 {
				unmapped = append(unmapped, t)
			}
			for _, c := range codes {
				if !slices.Contains(a.Themes, c) {
					a.Themes = append(a.Themes, c)
				}
			}
		}
		if len(a.Themes) == 0 {
			if len(sv.Thematiques) == 0 {
				di.bad(k, rec.item, sv.ID, sv.Nom, "thematiques", "aucune thématique")
			} else {
				di.bad(k, rec.item, sv.ID, sv.Nom, "thematiques", "aucune thématique ne correspond à une thématique de Maillage (%s)", strings.Join(sv.Thematiques, ", "))
			}
			continue
		}
		if len(unmapped) > 0 {
			di.warnLimited("thématique", "%s, élément %d (%s) : thématiques sans correspondance dans Maillage, ignorées : %s", di.file, rec.item, sv.ID, strings.Join(unmapped, ", "))
		}
		for _, p := range sv.Publics {
			for _, c := range di.ref.FromDataInclusion(domain.RefPublic, p) {
				if !slices.Contains(a.Publics, c) {
					a.Publics = append(a.Publics, c)
				}
			}
		}
		for _, z := range sv.ZoneEligibilite {
			if z == "france" || z == "99100" {
				di.warnLimited("zone nationale", "%s, élément %d (%s) : zone nationale (%s) non représentée, le service est rattaché à sa commune", di.file, rec.item, sv.ID, z)
				continue
			}
			res, ok := di.pl.resolve(z)
			if !ok {
				di.warnLimited("code inconnu", "%s, élément %d, champ « zone_eligibilite » : code inconnu %q, ignoré", di.file, rec.item, z)
				continue
			}
			if res.Alias != nil {
				di.warnLimited("ancien code", "%s, élément %d, champ « zone_eligibilite » : %s", di.file, rec.item, di.pl.aliasWarning(res.Alias))
			}
			if !slices.Contains(a.Zone, res.Code) {
				a.Zone = append(a.Zone, res.Code)
			}
		}
		if sv.CodeInsee != nil && *sv.CodeInsee != "" {
			if c := di.commune(rec.item, "code_insee", *sv.CodeInsee); c != "" {
				a.Places = []string{c}
			}
		}
		if err := a.Validate(di.ref); err != nil {
			e := joinReasons(validationErrors(err, di.file, "", 0, rec.item))
			if e.Field == "zone" {
				e.Reason = "aucun territoire servi ni commune d'implantation utilisable (zone_eligibilite, code_insee)"
				e.Field = "zone_eligibilite"
			}
			di.bad(k, rec.item, sv.ID, sv.Nom, e.Field, "%s", e.Reason)
			continue
		}
		h := actionHash(&a)
		key := diKey(a.Source, a.ExternalID)
		ref := di.actions[key]
		switch {
		case ref == nil:
			k.Created++
			ref = &actionRef{}
			di.actions[key] = ref
		case ref.hash == h:
			k.Unchanged++
			continue
		default:
			k.Updated++
		}
		ref.hash = h
		batch = append(batch, a)
		refs = append(refs, ref)
		if len(batch) >= DefaultBatchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// guessActorType guesses an actor type from a structure's networks and name.
func guessActorType(reseaux []string, name string) string {
	for _, r := range reseaux {
		switch r {
		case "caf":
			return "caf"
		case "communes", "ccas-cias":
			return "commune"
		case "departements", "maisons-des-solidarites", "mdph", "maison-departementale-de-lautonomie", "ase":
			return "departement"
		case "regions":
			return "region"
		case "france-travail", "pjj", "spip":
			return "etat"
		case "fcsf":
			return "centre_social"
		}
	}
	n := " " + strings.ReplaceAll(tabular.NormalizeName(name), "_", " ") + " "
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has(" centre social ", " centre socio", " centre sociaux "):
		return "centre_social"
	case has(" espace de vie sociale ", " evs "):
		return "evs"
	case has(" caisse d'allocations familiales ", " caf "):
		return "caf"
	case has(" communaute de communes ", " communaute d'agglomeration ", " metropole ", " cias ", " cc "):
		return "epci"
	case has(" ccas ", " mairie ", " ville de ", " commune de "):
		return "commune"
	case has(" conseil departemental ", " departement de ", " departement du "):
		return "departement"
	case has(" college ", " lycee ", " ecole "):
		return "etablissement_scolaire"
	}
	return "association"
}
