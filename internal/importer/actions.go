package importer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// Template columns (docs: the actors / actions / fundings import template).
var (
	ActorColumns   = []string{"id", "name", "type", "siren", "commune"}
	ActionColumns  = []string{"id", "title", "operator_id", "themes", "publics", "zone", "commune", "capacity", "start_date", "end_date", "labels", "description"}
	FundingColumns = []string{"action_id", "funder_id", "year", "amount"}
)

// Kinds of template files, and the file or sheet names that hold them.
var templateNames = map[string][]string{
	"actors":   {"actors", "acteurs"},
	"actions":  {"actions"},
	"fundings": {"fundings", "financements"},
}

// part is one table of an import: a CSV file or an XLSX sheet.
type part struct {
	kind  string
	path  string
	sheet string
}

// DefaultBatchSize is the number of actions written per store call.
const DefaultBatchSize = 10_000

// ImportActions imports actors, actions and fundings in the Maillage
// template (lists in a cell separated by `|`, dates ISO or dd/mm/yyyy):
//
//	actors:   id;name;type;siren;commune
//	actions:  id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description
//	fundings: action_id;funder_id;year;amount
//
// fileOrDir is a directory holding actors.csv, actions.csv and fundings.csv
// (or .xlsx; any of them may be absent), one workbook with sheets actors,
// actions and fundings, or a single CSV whose header tells which kind it is.
//
// ids are external ids (source "import"): a re-import updates the same
// records. operator_id and funder_id refer to actor ids of the same import
// or of an earlier one. A fundings table is the truth for each action and
// year it names: that year's fundings of the action become the table's
// (a funder missing from it is removed); other years are kept. Actions are read and written in batches
// (Options.BatchSize), keeping only the id maps in memory.
func ImportActions(ctx context.Context, s domain.Store, fileOrDir string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	parts, err := findParts(fileOrDir)
	if err != nil {
		return r.rep, err
	}
	r.multi = len(parts) > 1
	r.rep.Files = len(parts)
	ref, err := s.Referentials(ctx)
	if err != nil {
		return r.rep, err
	}
	pl, err := loadPlaces(ctx, s)
	if err != nil {
		return r.rep, err
	}
	ai := &actionImport{run: r, s: s, ref: ref, pl: pl, batch: opt.BatchSize,
		actors: map[string]*actorRef{}, actions: map[string]*actionRef{}, rejectedActors: map[string]int{}, rejectedActions: map[string]int{}}
	if ai.batch <= 0 {
		ai.batch = DefaultBatchSize
	}
	if err := ai.loadExisting(ctx); err != nil {
		return r.rep, err
	}
	for _, p := range parts {
		if fi, err := os.Stat(p.path); err == nil && p.sheet == "" {
			ai.totalBytes += fi.Size()
		}
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.rep, err
	}
	ai.tx = tx
	for _, p := range parts {
		var err error
		switch p.kind {
		case "actors":
			err = ai.importActors(ctx, p)
		case "actions":
			err = ai.importActions(ctx, p)
		case "fundings":
			err = ai.readFundings(p)
		}
		if err != nil {
			return r.finish(tx, err)
		}
		if r.tooMany() {
			break
		}
	}
	if ai.hasFundings {
		if err := ai.writeFundings(ctx); err != nil {
			return r.finish(tx, err)
		}
	}
	ai.flushWarnings()
	return r.finish(tx, nil)
}

// findParts finds the tables of an import.
func findParts(fileOrDir string) ([]part, error) {
	st, err := os.Stat(fileOrDir)
	if err != nil {
		return nil, openErr(fileOrDir, err)
	}
	var parts []part
	if st.IsDir() {
		entries, err := os.ReadDir(fileOrDir)
		if err != nil {
			return nil, openErr(fileOrDir, err)
		}
		for _, kind := range []string{"actors", "actions", "fundings"} {
			var found []string
			for _, e := range entries {
				name := e.Name()
				ext := strings.ToLower(filepath.Ext(name))
				if e.IsDir() || (ext != ".csv" && ext != ".xlsx" && ext != ".txt") || strings.Contains(name, ".rejets") {
					continue
				}
				if slices.Contains(templateNames[kind], tabular.NormalizeName(strings.TrimSuffix(name, filepath.Ext(name)))) {
					found = append(found, name)
				}
			}
			if len(found) > 1 {
				return nil, domain.Errorf(domain.EINVALID, "%s : plusieurs fichiers pour %s (%s) : gardez-en un", fileOrDir, kind, strings.Join(found, ", "))
			}
			if len(found) == 1 {
				parts = append(parts, part{kind: kind, path: filepath.Join(fileOrDir, found[0])})
			}
		}
		if len(parts) == 0 {
			return nil, domain.Errorf(domain.EINVALID, "%s : aucun fichier actors.csv, actions.csv ou fundings.csv (ni .xlsx)", fileOrDir)
		}
		return parts, nil
	}
	if tabular.IsXLSX(fileOrDir) {
		sheets, err := tabular.SheetNames(fileOrDir)
		if err != nil {
			return nil, err
		}
		for _, kind := range []string{"actors", "actions", "fundings"} {
			for _, sh := range sheets {
				if slices.Contains(templateNames[kind], tabular.NormalizeName(sh)) {
					parts = append(parts, part{kind: kind, path: fileOrDir, sheet: sh})
					break
				}
			}
		}
		if len(parts) > 0 {
			return parts, nil
		}
		if len(sheets) == 1 {
			kind, err := sniffKind(fileOrDir, sheets[0])
			if err != nil {
				return nil, err
			}
			return []part{{kind: kind, path: fileOrDir, sheet: sheets[0]}}, nil
		}
		return nil, domain.Errorf(domain.EINVALID, "%s : aucune feuille actors, actions ou fundings (feuilles : %s)", filepath.Base(fileOrDir), strings.Join(sheets, ", "))
	}
	kind, err := sniffKind(fileOrDir, "")
	if err != nil {
		return nil, err
	}
	return []part{{kind: kind, path: fileOrDir}}, nil
}

// sniffKind tells from its header which table a file holds.
func sniffKind(path, sheet string) (string, error) {
	rd, err := tabular.Open(path, sheet)
	if err != nil {
		return "", err
	}
	defer rd.Close()
	switch {
	case rd.Has("funder_id") || rd.Has("amount"):
		return "fundings", nil
	case rd.Has("title") || rd.Has("operator_id"):
		return "actions", nil
	case rd.Has("name") && rd.Has("type"):
		return "actors", nil
	}
	return "", &tabular.LineError{File: rd.File(), Sheet: rd.Sheet(), Line: rd.HeaderLine(),
		Reason: fmt.Sprintf("en-tête non reconnu (%s) : attendu celui des acteurs (%s), des actions (%s) ou des financements (%s)",
			strings.Join(rd.Header().Raw, ";"), strings.Join(ActorColumns, ";"), strings.Join(ActionColumns, ";"), strings.Join(FundingColumns, ";"))}
}

type actorRef struct {
	id    int64
	hash  uint64
	owner int64 // of a record in the store, 0 for a new one
	line  int32 // line in this import, 0 when only in the store
	vis   uint8 // index in visibilities, of a record in the store
}

type actionRef struct {
	id     int64
	hash   uint64
	owner  int64 // of a record in the store, 0 for a new one
	line   int32
	inFile bool
	vis    uint8 // index in visibilities, of a record in the store
}

type actionImport struct {
	*run
	// Slabs the refs are allocated from: a million actions make a million
	// refs, which as separate objects cost the GC as much as the rest.
	actorSlab  []actorRef
	actionSlab []actionRef

	s     domain.Store
	tx    domain.BulkTx
	ref   *domain.Referentials
	pl    *places
	batch int

	actors          map[string]*actorRef
	actions         map[string]*actionRef
	rejectedActors  map[string]int // external id → line
	rejectedActions map[string]int
	byID            map[int64]*actionRef
	sources         []string // sources of the store other than "import", longest first

	hasFundings bool
	fundings    []fundRow // read, sorted by action
	oldFunds    []fundRow // in the store, of the actions of earlier imports

	totalBytes, doneBytes int64
	warnCount             map[string]int
	readAtOpen            int // lines read before the current table
}

type fundRow struct {
	action, funder int64
	year           int32
	line           int32
	amount         float64
}

const refSlab = 4096

func (ai *actionImport) newActorRef() *actorRef {
	if len(ai.actorSlab) == cap(ai.actorSlab) {
		ai.actorSlab = make([]actorRef, 0, refSlab)
	}
	ai.actorSlab = ai.actorSlab[:len(ai.actorSlab)+1]
	return &ai.actorSlab[len(ai.actorSlab)-1]
}

func (ai *actionImport) newActionRef() *actionRef {
	if len(ai.actionSlab) == cap(ai.actionSlab) {
		ai.actionSlab = make([]actionRef, 0, refSlab)
	}
	ai.actionSlab = ai.actionSlab[:len(ai.actionSlab)+1]
	return &ai.actionSlab[len(ai.actionSlab)-1]
}

// loadExisting reads the sources and external ids of the records in the
// store (see resolveID), and a hash of each record to tell unchanged ones.
func (ai *actionImport) loadExisting(ctx context.Context) error {
	for _, src := range knownSources {
		ai.addSource(src)
	}
	for a, err := range ai.s.AllActors(ctx) {
		if err != nil {
			return fmt.Errorf("lecture des acteurs : %w", err)
		}
		if a.ExternalID == "" {
			continue
		}
		ai.addSource(a.Source)
		ref := ai.newActorRef()
		ref.id, ref.hash, ref.owner, ref.vis = a.ID, actorHash(&a), a.OwnerOrg, visIndex(a.Visibility)
		ai.actors[refKey(a.Source, a.ExternalID)] = ref
	}
	ai.byID = map[int64]*actionRef{}
	for a, err := range ai.s.AllActions(ctx) {
		if err != nil {
			return fmt.Errorf("lecture des actions : %w", err)
		}
		if a.ExternalID == "" {
			continue
		}
		ai.addSource(a.Source)
		ref := ai.newActionRef()
		ref.id, ref.hash, ref.owner, ref.vis = a.ID, actionHash(&a), a.OwnerOrg, visIndex(a.Visibility)
		ai.actions[refKey(a.Source, a.ExternalID)] = ref
		ai.byID[a.ID] = ref
	}
	if len(ai.byID) == 0 {
		return nil
	}
	for f, err := range ai.s.AllFundings(ctx) {
		if err != nil {
			return fmt.Errorf("lecture des financements : %w", err)
		}
		if ai.byID[f.ActionID] != nil {
			ai.oldFunds = append(ai.oldFunds, fundRow{action: f.ActionID, funder: f.FunderID, year: int32(f.Year), amount: f.Amount})
		}
	}
	slices.SortFunc(ai.oldFunds, func(a, b fundRow) int {
		return cmp.Or(cmp.Compare(a.action, b.action), cmp.Compare(a.funder, b.funder), cmp.Compare(a.year, b.year))
	})
	return nil
}

// hasher is FNV-1a over strings, without allocating.
type hasher uint64

func newHasher() hasher { return 14695981039346656037 }

func (h *hasher) add(ss ...string) {
	x := uint64(*h)
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			x = (x ^ uint64(s[i])) * 1099511628211
		}
		x = (x ^ 0xff) * 1099511628211 // separator
	}
	*h = hasher(x)
}

func actorHash(a *domain.Actor) uint64 {
	h := newHasher()
	h.add(a.Name, a.Type, a.SIREN, a.SIRET, a.Commune, a.Territory, string(a.Visibility), strconv.FormatInt(a.OwnerOrg, 10))
	return uint64(h)
}

func actionHash(a *domain.Action) uint64 {
	h := newHasher()
	date := func(d *domain.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	h.add(a.Title, a.Description, strconv.FormatInt(a.OperatorID, 10))
	h.add(a.Themes...)
	h.add("\x01")
	h.add(a.Publics...)
	h.add("\x01")
	h.add(a.Labels...)
	h.add("\x01")
	h.add(a.Zone...)
	h.add("\x01")
	h.add(a.Places...)
	h.add("\x01", strconv.FormatFloat(a.Capacity, 'g', -1, 64), date(a.StartDate), date(a.EndDate), a.Status, string(a.Visibility), strconv.FormatInt(a.OwnerOrg, 10))
	return uint64(h)
}

// warnLimited records a warning, at most 20 per kind; the rest are counted.
func (ai *actionImport) warnLimited(kind, format string, args ...any) {
	if ai.warnCount == nil {
		ai.warnCount = map[string]int{}
	}
	ai.warnCount[kind]++
	if ai.warnCount[kind] <= 20 {
		ai.rep.warnf(format, args...)
	}
}

func (ai *actionImport) flushWarnings() {
	for _, kind := range slicesSortedKeys(ai.warnCount) {
		if n := ai.warnCount[kind] - 20; n > 0 {
			ai.rep.warnf("… et %d autres avertissements du même type (%s)", n, kind)
		}
	}
}

func slicesSortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (ai *actionImport) open(p part, required []string) (*tabular.Reader, *source, error) {
	rd, err := tabular.Open(p.path, p.sheet)
	if err != nil {
		return nil, nil, err
	}
	if err := rd.Require(required...); err != nil {
		rd.Close()
		return nil, nil, err
	}
	// Nothing keeps a row past the next one (values are strings, rejects
	// are written at once): one Row for the whole file.
	rd.ReuseRows()
	ai.readAtOpen = ai.linesRead()
	ai.opt.logf("lecture de %s%s", rd.File(), sheetSuffix(p.sheet))
	known := map[string][]string{"actors": ActorColumns, "actions": ActionColumns, "fundings": FundingColumns}[p.kind]
	var unknown []string
	for i, n := range rd.Header().Names {
		if n != "" && !slices.Contains(known, n) && !slices.Contains(exportColumns[p.kind], n) && n != "ligne_source" && n != "motif_rejet" {
			unknown = append(unknown, rd.Header().Raw[i])
		}
	}
	if len(unknown) > 0 {
		ai.rep.warnf("%s%s : colonnes inconnues ignorées : %s (colonnes du modèle : %s)", rd.File(), sheetSuffix(p.sheet), strings.Join(unknown, ", "), strings.Join(known, ";"))
	}
	return rd, &source{path: p.path, kind: p.kind, header: rd.Header().Raw}, nil
}

func sheetSuffix(sheet string) string {
	if sheet == "" {
		return ""
	}
	return " (feuille " + sheet + ")"
}

func (ai *actionImport) tick(rd *tabular.Reader) {
	done, total := rd.Progress()
	if total > 0 {
		ai.progress(ai.doneBytes+done, ai.totalBytes)
	} else {
		ai.progress(done, 0)
	}
}

func (ai *actionImport) endFile(rd *tabular.Reader) {
	if _, total := rd.Progress(); total > 0 {
		ai.doneBytes += total
	}
	ai.rep.Warnings = append(ai.rep.Warnings, rd.Warnings()...)
	if ai.linesRead() == ai.readAtOpen {
		ai.rep.warnf("%s%s : aucune ligne de données (seulement l'en-tête) : rien à importer", rd.File(), sheetSuffix(rd.Sheet()))
	}
}

// linesRead counts the data lines read so far, all tables together.
func (ai *actionImport) linesRead() int {
	n := 0
	for _, k := range ai.rep.Kinds {
		n += k.Read
	}
	return n
}

// normCode normalises a referential code typed by a person ("Centre social" → centre_social).
func normCode(s string) string { return tabular.NormalizeName(s) }

func normCodes(ss []string) []string {
	for i, s := range ss {
		ss[i] = normCode(s)
	}
	return ss
}

// commune resolves a commune code of a row (aliases with a warning).
func (ai *actionImport) commune(row *tabular.Row, field, code string) (string, *tabular.LineError) {
	res, ok := ai.pl.resolve(code)
	if !ok {
		return "", row.Errorf(field, "%s", unknownCode(code))
	}
	if res.Type != domain.TypeCommune && res.Type != domain.TypeArrondissement {
		return "", row.Errorf(field, "%q n'est pas une commune (%s)", code, res.Type)
	}
	if res.Alias != nil {
		ai.warnLimited("ancien code", "%s, ligne %d, champ « %s » : %s", row.File, row.Line, field, ai.pl.aliasWarning(res.Alias))
	}
	return res.Code, nil
}

func (ai *actionImport) importActors(ctx context.Context, p part) error {
	rd, src, err := ai.open(p, []string{"id", "name", "type"})
	if err != nil {
		return err
	}
	defer rd.Close()
	k := ai.rep.kind("acteurs")
	var batch []domain.Actor
	var refs []*actorRef
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		ai.tick(rd)
		k.Read++
		var bad []*tabular.LineError
		id := row.Get("id")
		a := domain.Actor{Name: row.Get("name"), Type: normCode(row.Get("type")),
			SIREN: strings.ReplaceAll(strings.ReplaceAll(row.Get("siren"), " ", ""), "\u00a0", ""),
			// Not in the template, but in exports (re-imported as is).
			SIRET: strings.ReplaceAll(strings.ReplaceAll(row.Get("siret"), " ", ""), "\u00a0", ""), Territory: row.Get("territory")}
		a.Source, a.ExternalID = ai.resolveID(id)
		key := refKey(a.Source, a.ExternalID)
		a.OwnerOrg, a.Visibility = ai.opt.owner(), ai.opt.visibility(domain.VisibilityNetwork)
		if prev := ai.actors[key]; prev != nil {
			ai.keepOwnership(prev.owner, prev.vis, &a.OwnerOrg, &a.Visibility)
		}
		if a.ExternalID == "" {
			bad = append(bad, row.Errorf("id", "obligatoire"))
		} else if prev := ai.actors[key]; prev != nil && prev.line > 0 {
			bad = append(bad, row.Errorf("id", "identifiant %q en double (lignes %d et %d)", id, prev.line, row.Line))
		} else if prevLine, dup := ai.rejectedActors[key]; dup {
			bad = append(bad, row.Errorf("id", "identifiant %q en double (lignes %d et %d)", id, prevLine, row.Line))
		}
		if c := row.Get("commune"); c != "" {
			if cur, e := ai.commune(row, "commune", c); e != nil {
				bad = append(bad, e)
			} else {
				a.Commune = cur
			}
		}
		if err := a.Validate(ai.ref); err != nil {
			bad = append(bad, validationErrors(err, row.File, row.Sheet, row.Line, 0)...)
		}
		if len(bad) > 0 {
			if a.ExternalID != "" {
				if _, seen := ai.rejectedActors[key]; !seen && ai.actors[key] == nil {
					ai.rejectedActors[strings.Clone(key)] = row.Line
				}
			}
			ai.reject(k, joinReasons(bad), src, row.Cells)
			continue
		}
		h := actorHash(&a)
		ref := ai.actors[key]
		switch {
		case ref == nil:
			k.Created++
			ref = ai.newActorRef()
			// Cloned: the id is a slice of the whole CSV line.
			ai.actors[strings.Clone(key)] = ref
		case ref.hash == h:
			k.Unchanged++
			ref.line = int32(row.Line)
			continue
		default:
			k.Updated++
		}
		ref.hash, ref.line = h, int32(row.Line)
		batch = append(batch, a)
		refs = append(refs, ref)
		if len(batch) >= ai.batch {
			if err := ai.writeActors(ctx, k, batch, refs); err != nil {
				return err
			}
			batch, refs = batch[:0], refs[:0]
		}
	}
	ai.endFile(rd)
	return ai.writeActors(ctx, k, batch, refs)
}

func (ai *actionImport) writeActors(ctx context.Context, k *Counts, batch []domain.Actor, refs []*actorRef) error {
	if len(batch) == 0 || ai.failed() {
		// Refused anyway: give new actors a placeholder id so that actions
		// naming them are checked as valid references.
		for _, ref := range refs {
			if ref.id == 0 {
				ref.id = -1
			}
		}
		return nil
	}
	ids, err := ai.tx.UpsertActors(ctx, batch)
	if err != nil {
		return fmt.Errorf("écriture des acteurs : %w", err)
	}
	for i, id := range ids {
		refs[i].id = id
	}
	k.Written += len(batch)
	return nil
}

// operator resolves an actor id of the template (operator_id, funder_id).
func (ai *actionImport) actorID(row *tabular.Row, field string) (int64, *tabular.LineError) {
	ext := row.Get(field)
	if ext == "" {
		return 0, row.Errorf(field, "obligatoire : l'identifiant (colonne id) d'un acteur")
	}
	key := ai.keyOf(ext)
	if line, rejected := ai.rejectedActors[key]; rejected {
		return 0, row.Errorf(field, "l'acteur %q a été rejeté (ligne %d des acteurs)", ext, line)
	}
	ref := ai.actors[key]
	if ref == nil || ref.id == 0 {
		return 0, row.Errorf(field, "acteur inconnu %q : absent des acteurs de ce fichier et des imports précédents", ext)
	}
	return ref.id, nil
}

func (ai *actionImport) importActions(ctx context.Context, p part) error {
	rd, src, err := ai.open(p, []string{"id", "title", "operator_id", "themes", "zone"})
	if err != nil {
		return err
	}
	defer rd.Close()
	k := ai.rep.kind("actions")
	var batch []domain.Action
	var refs []*actionRef
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if k.Read%1000 == 0 {
			ai.tick(rd)
			if err := ai.ctx.Err(); err != nil {
				return err
			}
		}
		k.Read++
		a, bad := ai.action(row)
		var ext string // map key
		if a.ExternalID != "" {
			ext = refKey(a.Source, a.ExternalID)
			if prev := ai.actions[ext]; prev != nil && prev.line > 0 {
				bad = append(bad, row.Errorf("id", "identifiant %q en double (lignes %d et %d)", row.Get("id"), prev.line, row.Line))
			} else if prevLine, dup := ai.rejectedActions[ext]; dup {
				bad = append(bad, row.Errorf("id", "identifiant %q en double (lignes %d et %d)", row.Get("id"), prevLine, row.Line))
			} else if prev != nil {
				ai.keepOwnership(prev.owner, prev.vis, &a.OwnerOrg, &a.Visibility)
			}
		}
		if len(bad) > 0 {
			if ext != "" {
				if _, seen := ai.rejectedActions[ext]; !seen && (ai.actions[ext] == nil || ai.actions[ext].line == 0) {
					ai.rejectedActions[strings.Clone(ext)] = row.Line
				}
			}
			ai.reject(k, joinReasons(bad), src, row.Cells)
			if ai.tooMany() {
				break
			}
			continue
		}
		h := actionHash(&a)
		ref := ai.actions[ext]
		switch {
		case ref == nil:
			k.Created++
			ref = ai.newActionRef()
			// Cloned: the id is a slice of the whole CSV line, which the
			// map would otherwise keep alive for the whole import.
			ai.actions[strings.Clone(ext)] = ref
		case ref.hash == h:
			k.Unchanged++
			ref.line, ref.inFile = int32(row.Line), true
			continue
		default:
			k.Updated++
		}
		ref.hash, ref.line, ref.inFile = h, int32(row.Line), true
		batch = append(batch, a)
		refs = append(refs, ref)
		if len(batch) >= ai.batch {
			if err := ai.writeActions(ctx, k, batch, refs); err != nil {
				return err
			}
			batch, refs = batch[:0], refs[:0]
		}
	}
	ai.endFile(rd)
	return ai.writeActions(ctx, k, batch, refs)
}

// action reads and checks one action line.
func (ai *actionImport) action(row *tabular.Row) (domain.Action, []*tabular.LineError) {
	var bad []*tabular.LineError
	a := domain.Action{Title: row.Get("title"), Description: row.Get("description"),
		Themes: normCodes(row.List("themes")), Publics: normCodes(row.List("publics")), Labels: normCodes(row.List("labels")),
		Status: row.Get("status")} // status: not in the template, but in exports
	a.Source, a.ExternalID = ai.resolveID(row.Get("id"))
	a.OwnerOrg, a.Visibility = ai.opt.owner(), ai.opt.visibility(domain.VisibilityNetwork)
	if a.ExternalID == "" {
		bad = append(bad, row.Errorf("id", "obligatoire"))
	}
	if id, e := ai.actorID(row, "operator_id"); e != nil {
		bad = append(bad, e)
	} else {
		a.OperatorID = id
	}
	for _, z := range row.List("zone") {
		res, ok := ai.pl.resolve(z)
		if !ok {
			bad = append(bad, row.Errorf("zone", "%s", unknownCode(z)))
			continue
		}
		if res.Alias != nil {
			ai.warnLimited("ancien code", "%s, ligne %d, champ « zone » : %s", row.File, row.Line, ai.pl.aliasWarning(res.Alias))
		}
		if !slices.Contains(a.Zone, res.Code) {
			a.Zone = append(a.Zone, res.Code)
		}
	}
	for _, c := range row.List("commune") {
		cur, e := ai.commune(row, "commune", c)
		if e != nil {
			bad = append(bad, e)
			continue
		}
		if !slices.Contains(a.Places, cur) {
			a.Places = append(a.Places, cur)
		}
	}
	if v, ok, err := row.Float("capacity"); err != nil {
		bad = append(bad, err.(*tabular.LineError))
	} else if ok {
		if v < 0 {
			bad = append(bad, row.Errorf("capacity", "capacité négative %v", v))
		}
		a.Capacity = v
	}
	var err error
	if a.StartDate, err = row.Date("start_date"); err != nil {
		bad = append(bad, err.(*tabular.LineError))
	}
	if a.EndDate, err = row.Date("end_date"); err != nil {
		bad = append(bad, err.(*tabular.LineError))
	}
	if err := a.Validate(ai.ref); err != nil {
		for _, e := range validationErrors(err, row.File, row.Sheet, row.Line, 0) {
			switch e.Field {
			case "operator_id", "capacity": // already said
				continue
			case "themes", "publics", "labels":
				e.Reason = refReason(ai.ref, e.Field, e.Reason)
			}
			bad = append(bad, e)
		}
	}
	return a, bad
}

// refReason adds the allowed codes to an unknown-code reason.
func refReason(ref *domain.Referentials, field, reason string) string {
	kind := map[string]string{"themes": domain.RefTheme, "publics": domain.RefPublic, "labels": domain.RefLabel}[field]
	if !strings.Contains(reason, "inconnu") {
		return reason
	}
	return reason + " (codes possibles : " + strings.Join(ref.Codes(kind), ", ") + ")"
}

func (ai *actionImport) writeActions(ctx context.Context, k *Counts, batch []domain.Action, refs []*actionRef) error {
	if len(batch) == 0 {
		return nil
	}
	if ai.failed() {
		for _, ref := range refs {
			if ref.id == 0 {
				ref.id = -1
			}
		}
		return nil
	}
	ids, err := ai.tx.UpsertActions(ctx, batch)
	if err != nil {
		return fmt.Errorf("écriture des actions : %w", err)
	}
	for i, id := range ids {
		refs[i].id = id
	}
	k.Written += len(batch)
	if ai.opt.DryRun {
		ai.opt.logf("%d actions seraient écrites (essai à blanc : rien n'est enregistré)", k.Written)
	} else {
		ai.opt.logf("%d actions écrites", k.Written)
	}
	return nil
}

// readFundings reads the fundings table into a compact list; they are
// written per action once everything is read.
func (ai *actionImport) readFundings(p part) error {
	rd, src, err := ai.open(p, FundingColumns)
	if err != nil {
		return err
	}
	defer rd.Close()
	ai.hasFundings = true
	k := ai.rep.kind("financements")
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if k.Read%1000 == 0 {
			ai.tick(rd)
			if err := ai.ctx.Err(); err != nil {
				return err
			}
		}
		k.Read++
		var bad []*tabular.LineError
		f := fundRow{line: int32(row.Line)}
		ext := row.Get("action_id")
		key := ai.keyOf(ext)
		switch ref := ai.actions[key]; {
		case ext == "":
			bad = append(bad, row.Errorf("action_id", "obligatoire : l'identifiant (colonne id) d'une action"))
		case ai.rejectedActions[key] > 0:
			bad = append(bad, row.Errorf("action_id", "l'action %q a été rejetée (ligne %d des actions)", ext, ai.rejectedActions[key]))
		case ref == nil || ref.id == 0:
			bad = append(bad, row.Errorf("action_id", "action inconnue %q : absente des actions de ce fichier et des imports précédents", ext))
		default:
			f.action = ref.id
		}
		if id, e := ai.actorID(row, "funder_id"); e != nil {
			bad = append(bad, e)
		} else {
			f.funder = id
		}
		if y, ok, err := row.Int("year"); err != nil {
			bad = append(bad, err.(*tabular.LineError))
		} else if !ok {
			bad = append(bad, row.Errorf("year", "obligatoire"))
		} else if y < 1900 || y > 2200 {
			bad = append(bad, row.Errorf("year", "année invalide %d", y))
		} else {
			f.year = int32(y)
		}
		if v, ok, err := row.Float("amount"); err != nil {
			bad = append(bad, err.(*tabular.LineError))
		} else if !ok {
			bad = append(bad, row.Errorf("amount", "obligatoire (en euros)"))
		} else if v < 0 || math.IsInf(v, 0) {
			bad = append(bad, row.Errorf("amount", "montant invalide %v (euros, positif)", v))
		} else {
			f.amount = v
		}
		if len(bad) > 0 {
			ai.reject(k, joinReasons(bad), src, row.Cells)
			if ai.tooMany() {
				break
			}
			continue
		}
		ai.fundings = append(ai.fundings, f)
	}
	ai.endFile(rd)
	// Duplicates: same action, funder and year twice.
	slices.SortFunc(ai.fundings, func(a, b fundRow) int {
		return cmp.Or(cmp.Compare(a.action, b.action), cmp.Compare(a.funder, b.funder), cmp.Compare(a.year, b.year), cmp.Compare(a.line, b.line))
	})
	out := ai.fundings[:0]
	for i, f := range ai.fundings {
		if i > 0 {
			p := ai.fundings[i-1]
			if p.action == f.action && p.funder == f.funder && p.year == f.year && f.action > 0 {
				e := &tabular.LineError{File: rd.File(), Sheet: rd.Sheet(), Line: int(f.line), Field: "year",
					Reason: fmt.Sprintf("financement en double : même action, même financeur, même année %d (lignes %d et %d)", f.year, p.line, f.line)}
				ai.reject(k, e, nil, nil)
				continue
			}
		}
		out = append(out, f)
	}
	ai.fundings = out
	return nil
}

// writeFundings writes the fundings read: for each action and year the
// table names, the action's fundings of that year become those of the table
// (other years are kept). Actions whose fundings do not change are skipped.
func (ai *actionImport) writeFundings(ctx context.Context) error {
	k := ai.rep.kind("financements")
	var batchIDs []int64
	var batch []domain.Funding
	flush := func() error {
		if len(batchIDs) > 0 && !ai.failed() {
			if err := ai.tx.ReplaceFundings(ctx, batchIDs, batch); err != nil {
				return fmt.Errorf("écriture des financements : %w", err)
			}
			k.Written += len(batch)
		}
		batchIDs, batch = batchIDs[:0], batch[:0]
		return nil
	}
	removed := 0
	old := ai.oldFunds // sorted by action, funder, year
	j := 0
	for lo := 0; lo < len(ai.fundings); {
		id := ai.fundings[lo].action
		hi := lo
		for hi < len(ai.fundings) && ai.fundings[hi].action == id {
			hi++
		}
		fs := ai.fundings[lo:hi]
		lo = hi
		if id <= 0 {
			continue // refused import: placeholder ids
		}
		for j < len(old) && old[j].action < id {
			j++
		}
		olo := j
		for j < len(old) && old[j].action == id {
			j++
		}
		prev := old[olo:j]
		years := map[int32]bool{}
		for _, f := range fs {
			years[f.year] = true
		}
		type fk struct {
			funder int64
			year   int32
		}
		before := map[fk]float64{}
		for _, f := range prev {
			before[fk{f.funder, f.year}] = f.amount
		}
		changed := false
		for _, f := range fs {
			a, ok := before[fk{f.funder, f.year}]
			switch {
			case !ok:
				k.Created++
				changed = true
			case a != f.amount:
				k.Updated++
				changed = true
			default:
				k.Unchanged++
			}
			delete(before, fk{f.funder, f.year})
		}
		final := slices.Clone(fs)
		for _, f := range prev {
			if _, gone := before[fk{f.funder, f.year}]; gone && years[f.year] {
				removed++
				changed = true
				continue
			}
			if !years[f.year] {
				final = append(final, f)
			}
		}
		if !changed {
			continue
		}
		batchIDs = append(batchIDs, id)
		for _, f := range final {
			fd := domain.Funding{ActionID: id, FunderID: f.funder, Year: int(f.year), Amount: f.amount}
			fd.OwnerOrg, fd.Visibility = ai.opt.owner(), ai.opt.visibility(domain.VisibilityNetwork)
			batch = append(batch, fd)
		}
		if len(batchIDs) >= ai.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if removed > 0 {
		ai.rep.warnf("%d financements retirés : absents du fichier des financements pour une action et une année qu'il mentionne", removed)
	}
	return flush()
}
