package importer

import (
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/seqcache"
	"maillage/internal/tabular"
)

// Cells that stand for a value withheld (statistical secrecy) or not
// available: skipped and counted, not errors.
var secretMarkers = map[string]bool{"": true, "s": true, "nd": true, "n.d.": true, "n.d": true, "nc": true, "n.c.": true, "secret": true}

// Columns of a wide file that name the territory and are ignored.
var labelColumns = map[string]bool{"libelle": true, "libgeo": true, "nom": true, "name": true, "label": true, "libelle_territoire": true}

// maxDuplicateCheck bounds the values checked for duplicates (memory).
const maxDuplicateCheck = 2_000_000

// ImportIndicators imports an indicator catalogue and/or indicator values.
//
// The catalogue (cataloguePath, optional) has the columns
// code;label;unit;source;definition and optionally publics (a `|` list of
// public codes). Values (valuesPath, optional; a file whose header is a
// catalogue's is read as one) come in long format
// territory;indicator;year;value, or wide format territory;year;<indicator
// codes…>, or territory;<indicator codes…> with Options.Year. Options.Rename
// maps columns to indicator codes (TP6021 → taux_pauvrete) and then only
// those columns are read; Options.TerritoryColumn names the territory
// column (CODGEO).
//
// An unknown indicator is an error naming it, unless the catalogue given
// defines it. Statistical-secrecy markers (s, nd, nc, empty) are skipped and
// counted. Old commune codes resolve to their current commune with a
// warning; when the current commune also has a value for the same indicator
// and year in the file, the old code's value is skipped (values of merged
// communes are not added up: rates and medians do not add), otherwise it is
// stored under the current code.
//
// Values are streamed to the store. Duplicated (territory, indicator, year)
// are errors, checked over the first 2,000,000 values.
func ImportIndicators(ctx context.Context, s domain.Store, cataloguePath, valuesPath string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	if cataloguePath == "" && valuesPath == "" {
		return r.rep, domain.Errorf(domain.EINVALID, "aucun fichier d'indicateurs")
	}
	ref, err := s.Referentials(ctx)
	if err != nil {
		return r.rep, err
	}
	existing, err := s.Indicators(ctx)
	if err != nil {
		return r.rep, err
	}
	known := map[string]*domain.Indicator{}
	for i := range existing {
		known[existing[i].Code] = &existing[i]
	}
	r.multi = cataloguePath != "" && valuesPath != ""

	var values *tabular.Reader
	if valuesPath != "" {
		values, err = tabular.Open(valuesPath, "")
		if err != nil {
			return r.rep, err
		}
		defer values.Close()
		r.rep.Files++
		if cataloguePath == "" && isCatalogue(values) {
			values.Close()
			cataloguePath, values = valuesPath, nil
			r.rep.Files--
		}
	}
	var cat []domain.Indicator
	if cataloguePath != "" {
		cr, err := tabular.Open(cataloguePath, "")
		if err != nil {
			return r.rep, err
		}
		cat, err = readCatalogue(r, cr, cataloguePath, ref, known, opt)
		cr.Close()
		r.rep.Files++
		if err != nil {
			return r.finish(nil, err)
		}
	}
	var vi *valueImport
	if values != nil {
		pl, err := loadPlaces(ctx, s)
		if err != nil {
			return r.rep, err
		}
		vi, err = newValueImport(r, values, valuesPath, pl, known, opt)
		if err != nil {
			return r.finish(nil, err)
		}
	}
	if r.failed() {
		return r.finish(nil, nil)
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.finish(nil, err)
	}
	if len(cat) > 0 {
		if err := tx.UpsertIndicators(ctx, cat); err != nil {
			return r.finish(tx, fmt.Errorf("écriture du catalogue : %w", err))
		}
		r.rep.kind("indicateurs").Written = len(cat)
	}
	if vi != nil {
		n, err := tx.PutIndicatorValues(ctx, vi.values())
		if err == nil {
			err = vi.err
		}
		if err != nil {
			return r.finish(tx, err)
		}
		vi.k.Written = n
		if r.failed() {
			vi.k.Written = 0
		}
	}
	return r.finish(tx, nil)
}

func isCatalogue(rd *tabular.Reader) bool {
	return rd.Has("code") && rd.Has("label") && !rd.Has("value") && !rd.Has("valeur") && !rd.Has("year")
}

func readCatalogue(r *run, rd *tabular.Reader, path string, ref *domain.Referentials, known map[string]*domain.Indicator, opt Options) ([]domain.Indicator, error) {
	if err := rd.Require("code", "label"); err != nil {
		return nil, err
	}
	k := r.rep.kind("indicateurs")
	src := &source{path: path, kind: "catalogue", header: rd.Header().Raw}
	seen := map[string]int{}
	var out []domain.Indicator
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		k.Read++
		ind := domain.Indicator{
			Code: row.Get("code"), Label: row.Get("label"), Unit: row.Get("unit"), Source: row.Get("source"),
			Definition: row.Get("definition"), Publics: row.List("publics"),
		}
		ind.OwnerOrg, ind.Visibility = opt.owner(), opt.visibility(domain.VisibilityPublic)
		if err := ind.Validate(ref); err != nil {
			r.reject(k, joinReasons(validationErrors(err, row.File, row.Sheet, row.Line, 0)), src, row.Cells)
			continue
		}
		if prev, dup := seen[ind.Code]; dup {
			r.reject(k, row.Errorf("code", "indicateur %q en double (lignes %d et %d)", ind.Code, prev, row.Line), src, row.Cells)
			continue
		}
		seen[ind.Code] = row.Line
		if o := known[ind.Code]; o == nil {
			k.Created++
		} else if o.Label == ind.Label && o.Unit == ind.Unit && o.Source == ind.Source && o.Definition == ind.Definition &&
			slices.Equal(o.Publics, ind.Publics) && o.Visibility == ind.Visibility && o.OwnerOrg == ind.OwnerOrg {
			k.Unchanged++
			continue
		} else {
			k.Updated++
		}
		out = append(out, ind)
		c := ind // the values file may use it
		known[ind.Code] = &c
	}
	r.rep.Warnings = append(r.rep.Warnings, rd.Warnings()...)
	return out, nil
}

// valueImport streams the values of a long or wide file.
type valueImport struct {
	*run
	rd    *tabular.Reader
	src   *source
	pl    *places
	k     *Counts
	err   error
	wide  bool
	cTerr string
	cYear string // "" in a wide file without a year column
	year  int
	cols  []wideCol // wide: value columns
	known map[string]*domain.Indicator
	ren   map[string]string // long: normalised code → indicator

	// Column indexes (the header's) and the last indicator and year read:
	// a long file repeats them line after line.
	iTerr, iYear, iInd int
	lastKnown          *domain.Indicator
	lastYearCell       string
	lastYear           int
	resolved           seqcache.Cache[resolution] // territory codes in file order

	dups      map[uint64]int32
	dupsFull  bool
	targets   map[string]bool // current communes that old codes point to
	targetHas map[uint64]bool // hashed keys of the values of target communes present in the file
	deferred  []deferredValue
	fixedWarn bool
}

type valueKey struct {
	territory, indicator string
	year                 int
}

// dupHash hashes a value's key (FNV-1a), for the duplicate check.
func dupHash(territory, indicator string, year int) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(territory); i++ {
		h = (h ^ uint64(territory[i])) * prime
	}
	h = (h ^ '|') * prime
	for i := 0; i < len(indicator); i++ {
		h = (h ^ uint64(indicator[i])) * prime
	}
	h = (h ^ '|') * prime
	for y := uint64(year); y > 0; y >>= 8 {
		h = (h ^ (y & 0xff)) * prime
	}
	return h
}

func (v *valueImport) yearField() string {
	if v.cYear != "" {
		return v.cYear
	}
	return "year"
}

type wideCol struct {
	index     int
	name      string // as written
	indicator string
}

type deferredValue struct {
	v     domain.IndicatorValue
	alias domain.Alias
	row   *tabular.Row
	field string
}

func newValueImport(r *run, rd *tabular.Reader, path string, pl *places, known map[string]*domain.Indicator, opt Options) (*valueImport, error) {
	v := &valueImport{run: r, rd: rd, pl: pl, known: known, k: r.rep.kind("valeurs"),
		src:  &source{path: path, kind: "valeurs", header: rd.Header().Raw},
		dups: map[uint64]int32{}, targets: map[string]bool{}, targetHas: map[uint64]bool{}, year: opt.Year}
	// Rows are only kept (cloned) for the old codes' deferred values.
	rd.ReuseRows()
	for _, a := range pl.aliases {
		v.targets[a.Target] = true
	}
	// The territory column.
	if opt.TerritoryColumn != "" {
		if err := rd.Require(opt.TerritoryColumn); err != nil {
			return nil, err
		}
		v.cTerr = opt.TerritoryColumn
	} else {
		for _, c := range []string{"territory", "territoire", "code", "codgeo", "code_insee", "commune"} {
			if rd.Has(c) {
				v.cTerr = c
				break
			}
		}
		if v.cTerr == "" {
			return nil, rd.Require("territory")
		}
	}
	for _, c := range []string{"year", "annee"} {
		if rd.Has(c) {
			v.cYear = c
		}
	}
	rename := map[string]string{}
	for from, to := range opt.Rename {
		to = strings.TrimSpace(to)
		if known[to] == nil {
			return nil, &tabular.LineError{File: rd.File(), Line: rd.HeaderLine(), Field: from,
				Reason: fmt.Sprintf("renommage vers un indicateur inconnu %q (indicateurs connus : %s)", to, knownList(known))}
		}
		rename[tabular.NormalizeName(from)] = to
	}
	if rd.Has("indicator") || rd.Has("indicateur") {
		ci := "indicator"
		if !rd.Has(ci) {
			ci = "indicateur"
		}
		cv := "value"
		if !rd.Has(cv) && rd.Has("valeur") {
			cv = "valeur"
		}
		if v.cYear == "" {
			return nil, rd.Require("year")
		}
		if err := rd.Require(cv); err != nil {
			return nil, err
		}
		v.cols = []wideCol{{index: rd.Header().Index(cv), name: cv, indicator: ci}}
		v.ren = rename
		v.setIndexes(ci)
		return v, nil
	}
	// Wide format.
	v.wide = true
	if v.cYear == "" && v.year == 0 {
		return nil, &tabular.LineError{File: rd.File(), Line: rd.HeaderLine(), Field: "year",
			Reason: "ni colonne « year » ni année donnée (--year) : l'année des valeurs est inconnue"}
	}
	h := rd.Header()
	var ignored []string
	for i, name := range h.Names {
		if name == "" || i == h.Index(v.cTerr) || (v.cYear != "" && i == h.Index(v.cYear)) {
			continue
		}
		if to, ok := rename[name]; ok {
			v.cols = append(v.cols, wideCol{index: i, name: h.Raw[i], indicator: to})
			continue
		}
		if labelColumns[name] {
			continue
		}
		if known[name] != nil {
			v.cols = append(v.cols, wideCol{index: i, name: h.Raw[i], indicator: name})
			continue
		}
		if len(rename) > 0 {
			ignored = append(ignored, h.Raw[i])
			continue
		}
		return nil, &tabular.LineError{File: rd.File(), Line: rd.HeaderLine(), Field: h.Raw[i],
			Reason: fmt.Sprintf("indicateur inconnu %q (indicateurs connus : %s) : ajoutez-le au catalogue (--catalogue) ou renommez la colonne (--map %s=code)", name, knownList(known), h.Raw[i])}
	}
	if len(ignored) > 0 {
		r.rep.warnf("%s : %d colonnes non renommées ignorées (%s)", rd.File(), len(ignored), sample(ignored, 8))
	}
	if len(v.cols) == 0 {
		return nil, &tabular.LineError{File: rd.File(), Line: rd.HeaderLine(), Reason: "aucune colonne d'indicateur"}
	}
	v.setIndexes("")
	return v, nil
}

// setIndexes records the column indexes of the territory, year and (long
// format) indicator columns; -1 for an absent one reads as an empty cell.
func (v *valueImport) setIndexes(indicatorCol string) {
	h := v.rd.Header()
	v.iTerr, v.iYear, v.iInd = h.Index(v.cTerr), -1, -1
	if v.cYear != "" {
		v.iYear = h.Index(v.cYear)
	}
	if indicatorCol != "" {
		v.iInd = h.Index(indicatorCol)
	}
}

func knownList(known map[string]*domain.Indicator) string {
	codes := make([]string, 0, len(known))
	for c := range known {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

// values yields the valid values of the file, then those of old codes that
// do not collide with their current commune's.
func (v *valueImport) values() iter.Seq[domain.IndicatorValue] {
	return func(yield func(domain.IndicatorValue) bool) {
		var out []domain.IndicatorValue
		for {
			row, err := v.rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				v.err = err
				return
			}
			v.progress(v.rd.Progress())
			if err := v.ctx.Err(); err != nil {
				v.err = err
				return
			}
			out = v.row(row, out[:0])
			if v.failed() {
				if v.tooMany() {
					return
				}
				continue
			}
			for _, x := range out {
				if !yield(x) {
					return
				}
			}
		}
		v.rep.Warnings = append(v.rep.Warnings, v.rd.Warnings()...)
		// Old codes, now that the whole file is known.
		stored := map[valueKey]bool{}
		for _, d := range v.deferred {
			key := valueKey{d.v.Territory, d.v.Indicator, d.v.Year}
			w := v.pl.aliasWarning(&d.alias)
			switch {
			case v.targetHas[dupHash(key.territory, key.indicator, key.year)]:
				v.k.Skipped++
				v.rep.warnf("%s, ligne %d : %s — valeur %s %d ignorée : la commune actuelle a la sienne", d.row.File, d.row.Line, w, d.v.Indicator, d.v.Year)
			case stored[key]:
				v.k.Skipped++
				v.rep.warnf("%s, ligne %d : %s — valeur %s %d ignorée : une autre ancienne commune a déjà donné la sienne (les valeurs ne sont pas additionnées)", d.row.File, d.row.Line, w, d.v.Indicator, d.v.Year)
			default:
				stored[key] = true
				v.rep.warnf("%s, ligne %d : %s — valeur %s %d enregistrée sous %s", d.row.File, d.row.Line, w, d.v.Indicator, d.v.Year, d.v.Territory)
				if !v.failed() && !yield(d.v) {
					return
				}
			}
		}
	}
}

// row reads one line into values (appended to out).
func (v *valueImport) row(row *tabular.Row, out []domain.IndicatorValue) []domain.IndicatorValue {
	var bad []*tabular.LineError
	defer func() {
		if len(bad) > 0 {
			v.reject(v.k, joinReasons(bad), v.src, row.Cells)
		}
	}()
	code := row.At(v.iTerr)
	if code == "" {
		v.k.Read++
		bad = append(bad, row.Errorf(v.cTerr, "obligatoire"))
		return out
	}
	res, ok := v.resolved.Get(code)
	if !ok {
		res, ok = v.pl.resolve(code)
		if ok {
			v.resolved.Add(code, res)
		}
	}
	if !ok {
		v.k.Read++
		bad = append(bad, row.Errorf(v.cTerr, "%s", unknownCode(code)))
		return out
	}
	if res.Fixed != "" && !v.fixedWarn {
		v.fixedWarn = true
		v.rep.warnf("%s, ligne %d : code %q lu comme %s (zéro initial perdu par le tableur ?) ; de même pour les lignes suivantes", row.File, row.Line, code, res.Fixed)
	}
	year := v.year
	if v.cYear != "" {
		var y int
		var ok bool
		var err error
		// Years repeat from line to line: parse a new one only.
		if cell := row.At(v.iYear); cell != "" && cell == v.lastYearCell {
			y, ok = v.lastYear, true
		} else if y, ok, err = row.IntAt(v.cYear, v.iYear); ok && err == nil {
			v.lastYearCell, v.lastYear = strings.Clone(cell), y
		}
		switch {
		case err != nil:
			v.k.Read++
			bad = append(bad, err.(*tabular.LineError))
			return out
		case ok:
			year = y
		case year == 0:
			v.k.Read++
			bad = append(bad, row.Errorf(v.cYear, "obligatoire"))
			return out
		}
	}
	for _, c := range v.cols {
		ind := c.indicator
		field := c.name
		if !v.wide { // c.indicator is the indicator column
			ind = row.At(v.iInd)
			if len(v.ren) > 0 {
				if to, ok := v.ren[tabular.NormalizeName(ind)]; ok {
					ind = to
				}
			}
		}
		cell := row.At(c.index)
		if (cell == "" || cell[0] < '0' || cell[0] > '9') && secretMarkers[strings.ToLower(cell)] {
			v.k.Skipped++
			continue
		}
		v.k.Read++
		if !v.wide {
			k := v.lastKnown
			if k == nil || ind != k.Code {
				k = v.known[ind]
				v.lastKnown = k
			}
			if k == nil {
				bad = append(bad, row.Errorf(c.indicator, "indicateur inconnu %q (indicateurs connus : %s)", ind, knownList(v.known)))
				continue
			}
			ind = k.Code // the catalogue's string, not a slice of the line
		}
		val, _, err := row.FloatAt(field, c.index)
		if err != nil {
			bad = append(bad, err.(*tabular.LineError))
			continue
		}
		// The indicator code is known (so valid); the territory resolved.
		iv := domain.IndicatorValue{Territory: res.Code, Indicator: ind, Year: year, Value: val}
		if year < 1800 || year > 2200 {
			bad = append(bad, row.Errorf(v.yearField(), "année invalide %d", year))
			continue
		}
		if !v.dupsFull {
			key := code
			if res.Fixed != "" {
				key = res.Fixed
			}
			hk := dupHash(key, ind, year)
			if prev, dup := v.dups[hk]; dup {
				bad = append(bad, row.Errorf(field, "valeur en double pour %s, %s, %d (lignes %d et %d)", code, ind, year, prev, row.Line))
				continue
			}
			v.dups[hk] = int32(row.Line)
			if len(v.dups) >= maxDuplicateCheck {
				v.dupsFull = true
				v.rep.warnf("au-delà de %d valeurs, les doublons ne sont plus recherchés (la dernière valeur l'emporte)", maxDuplicateCheck)
			}
		}
		if res.Alias != nil {
			v.deferred = append(v.deferred, deferredValue{v: iv, alias: *res.Alias, row: row.Clone(), field: field})
			continue
		}
		if v.targets[res.Code] {
			v.targetHas[dupHash(res.Code, ind, year)] = true
		}
		out = append(out, iv)
	}
	return out
}
