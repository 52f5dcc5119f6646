// Package importer loads the files that CAF staff and open-data portals
// produce into a domain.Store: the COG (communes, EPCI, départements,
// régions), geometries, centroid points, indicators, the actors / actions /
// fundings template, and data·inclusion structures and services.
//
// Every import is all-or-nothing: it runs in one domain.BulkTx, and any bad
// line makes it roll back and return an *Errors listing each bad line with
// its file, line and field. With Options.SkipInvalid the valid rows are
// written and the rejected lines go to a rejects CSV with their reason.
// Options.DryRun runs the same import inside the transaction and rolls it
// back, so the report says exactly what would change and nothing is written.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// MaxListed is how many bad lines an error lists before counting the rest.
const MaxListed = 50

// Options tune an import.
type Options struct {
	// SkipInvalid writes the valid rows and the rejected ones to a rejects
	// file, instead of refusing the whole file.
	SkipInvalid bool
	// RejectsPath is the rejects file; default FILE.rejets.csv beside the
	// input (one per input file; with several input files and an explicit
	// path, the kind is inserted before the extension).
	RejectsPath string
	// DryRun validates and reports what would change, and writes nothing
	// (the import runs in a transaction that is rolled back; no rejects file).
	DryRun bool
	// Progress is called now and then with the work done and the total
	// (bytes of input; total 0 when unknown).
	Progress func(done, total int64)
	// Log receives plain progress lines (French); nil discards them.
	Log io.Writer
	// Owner is the owner organisation of what is created (default: the instance).
	Owner int64
	// Visibility of what is created (default: public for territories and
	// indicators, network for actors and actions).
	Visibility domain.Visibility

	// PopulationYear is the millésime of the populations of communes.json
	// (the file has no year field): DefaultPopulationYear unless set.
	PopulationYear int
	// EPCIPopulationYear is the millésime of epci.json's populations
	// (DGCL file, one vintage older): DefaultEPCIPopulationYear unless set.
	EPCIPopulationYear int

	// Year is the year of the values of a wide indicator file without a year column.
	Year int
	// Rename maps a column of a wide indicator file to an indicator code
	// ("TP6021" → "taux_pauvrete"). When set, only renamed columns are read
	// (others are listed in a warning).
	Rename map[string]string
	// TerritoryColumn names the territory column of an indicator file
	// (default: territory, code, codgeo, code_insee or territoire).
	TerritoryColumn string

	// BatchSize is the number of actions written per store call (default 10,000).
	BatchSize int
}

// Millésimes of @etalab/decoupage-administratif 6.0.0 (COG 2026), see
// ../shared/data/SOURCES.md §1: communes.json carries the INSEE
// populations de référence millésime 2023, epci.json the DGCL figures,
// millésime 2022.
const (
	DefaultPopulationYear     = 2023
	DefaultEPCIPopulationYear = 2022
)

func (o *Options) owner() int64 {
	if o.Owner == 0 {
		return domain.InstanceOrganisation
	}
	return o.Owner
}

func (o *Options) visibility(def domain.Visibility) domain.Visibility {
	if o.Visibility == "" {
		return def
	}
	return o.Visibility
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

func (o *Options) check() error {
	if o.Visibility != "" && !o.Visibility.Valid() {
		return domain.Errorf(domain.EINVALID, "visibilité inconnue %q (attendu : private, partners, network, public)", o.Visibility)
	}
	return nil
}

// Counts are the figures of one kind of record.
type Counts struct {
	Kind      string // French, plural: "communes", "actions"...
	Read      int
	Written   int
	Rejected  int
	Created   int
	Updated   int
	Unchanged int
	Skipped   int // not an error: secrecy markers, features of merged communes...
}

// Report says what an import did (or, with DryRun, would do).
type Report struct {
	Files     int
	Read      int
	Written   int
	Rejected  int
	Created   int
	Updated   int
	Unchanged int
	Skipped   int
	Warnings  []string
	// Notes are informative lines (what was computed, kept...).
	Notes []string
	// Kinds details the figures per kind of record.
	Kinds []*Counts
	// Rejects lists the first rejected lines (SkipInvalid), for previews.
	Rejects []tabular.LineError
	// RejectsFiles are the rejects files written.
	RejectsFiles []string
	DryRun       bool
	Duration     time.Duration
}

// kind returns the counts of a kind, creating them in order.
func (r *Report) kind(name string) *Counts {
	for _, k := range r.Kinds {
		if k.Kind == name {
			return k
		}
	}
	k := &Counts{Kind: name}
	r.Kinds = append(r.Kinds, k)
	return k
}

func (r *Report) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

func (r *Report) notef(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Report) total() {
	r.Read, r.Written, r.Rejected, r.Created, r.Updated, r.Unchanged, r.Skipped = 0, 0, 0, 0, 0, 0, 0
	for _, k := range r.Kinds {
		r.Read += k.Read
		r.Written += k.Written
		r.Rejected += k.Rejected
		r.Created += k.Created
		r.Updated += k.Updated
		r.Unchanged += k.Unchanged
		r.Skipped += k.Skipped
	}
}

// Errors is the error of an import refused because of bad lines: the first
// MaxListed of them, and how many there were in all. It unwraps to a
// domain error with code EINVALID.
type Errors struct {
	Problems []tabular.LineError
	Total    int
}

func (e *Errors) Error() string {
	var b strings.Builder
	if e.Total == 1 {
		b.WriteString("1 erreur, rien n'a été importé :")
	} else {
		fmt.Fprintf(&b, "%d erreurs, rien n'a été importé :", e.Total)
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	if more := e.Total - len(e.Problems); more > 0 {
		fmt.Fprintf(&b, "\n  … et %d autres erreurs", more)
	}
	b.WriteString("\nCorrigez le fichier, ou relancez avec --skip-invalid pour importer les lignes valides et écrire les autres dans un fichier de rejets.")
	return b.String()
}

// Unwrap makes the error a domain EINVALID error.
func (e *Errors) Unwrap() error {
	return &domain.Error{Code: domain.EINVALID, Message: e.Error()}
}

// run is the state of one import: the report, the problems found and the
// rejects files.
type run struct {
	ctx       context.Context
	opt       *Options
	rep       *Report
	problems  []tabular.LineError
	nProb     int
	rejects   map[string]*rejectsFile
	multi     bool // several input files: explicit RejectsPath gets a kind suffix
	start     time.Time
	lastProg  time.Time
	progCalls int64
}

func newRun(ctx context.Context, opt *Options) *run {
	if opt == nil {
		opt = &Options{}
	}
	return &run{ctx: ctx, opt: opt, rep: &Report{DryRun: opt.DryRun}, rejects: map[string]*rejectsFile{}, start: time.Now()}
}

// reject records a bad line. cells and header are what goes to the rejects
// file (the original line); source keys the rejects file (input path + kind).
func (r *run) reject(k *Counts, e *tabular.LineError, src *source, cells []string) {
	r.nProb++
	if len(r.problems) < MaxListed {
		r.problems = append(r.problems, *e)
	}
	if k != nil {
		k.Rejected++
	}
	if r.opt.SkipInvalid && !r.opt.DryRun && src != nil {
		rf := r.rejects[src.key()]
		if rf == nil {
			rf = &rejectsFile{path: r.rejectsPath(src), header: src.header}
			r.rejects[src.key()] = rf
		}
		rf.add(cells, e)
	}
}

// failed reports whether the import must be refused.
func (r *run) failed() bool { return r.nProb > 0 && !r.opt.SkipInvalid }

func (r *run) err() error {
	return &Errors{Problems: r.problems, Total: r.nProb}
}

// tooMany stops reading a file early when the import is refused anyway and
// far more problems than can be listed were found.
func (r *run) tooMany() bool { return !r.opt.SkipInvalid && r.nProb >= 100*MaxListed }

func (r *run) progress(done, total int64) {
	if r.opt.Progress == nil {
		return
	}
	// Called per row: read the clock every 1,024 calls only (10 million
	// clock reads cost half a second).
	r.progCalls++
	last := total > 0 && done >= total
	if r.progCalls&1023 != 0 && !last {
		return
	}
	if now := time.Now(); now.Sub(r.lastProg) >= 100*time.Millisecond || last {
		r.lastProg = now
		r.opt.Progress(done, total)
	}
}

// source is an input file (and sheet) whose rejected lines go to one
// rejects file with its original columns.
type source struct {
	path   string
	kind   string // "actions", "communes"... (for the rejects file name)
	header []string
}

func (s *source) key() string { return s.path + "\x00" + s.kind }

func (r *run) rejectsPath(src *source) string {
	if p := r.opt.RejectsPath; p != "" {
		if !r.multi {
			return p
		}
		ext := filepath.Ext(p)
		return strings.TrimSuffix(p, ext) + "." + src.kind + ext
	}
	ext := filepath.Ext(src.path)
	base := strings.TrimSuffix(src.path, ext)
	if tabular.IsXLSX(src.path) || filepath.Base(src.path) == "" {
		return base + "." + src.kind + ".rejets.csv"
	}
	return base + ".rejets.csv"
}

// rejectsFile streams rejected lines to a temporary file, renamed into
// place when the import commits and removed otherwise.
type rejectsFile struct {
	path   string
	header []string
	out    *os.File
	w      *tabular.CSVWriter
	err    error
	n      int
	cells  []any
}

func (f *rejectsFile) add(cells []string, e *tabular.LineError) {
	f.n++
	if f.err != nil {
		return
	}
	if f.out == nil {
		f.out, f.err = os.Create(f.path + ".tmp")
		if f.err != nil && f.path != filepath.Base(f.path) {
			// The input's directory is read-only: write in the current one.
			f.path = filepath.Base(f.path)
			f.out, f.err = os.Create(f.path + ".tmp")
		}
		if f.err != nil {
			f.out = nil
			return
		}
		f.w = tabular.NewCSV(f.out, tabular.CSVOptions{})
		f.err = f.w.Sheet("rejets", append(append([]string{}, f.header...), "ligne_source", "motif_rejet"))
	}
	line := ""
	if e.Line > 0 {
		line = fmt.Sprint(e.Line)
	} else if e.Item > 0 {
		line = fmt.Sprint(e.Item)
	}
	reason := e.Reason
	if e.Field != "" {
		reason = e.Field + " : " + e.Reason
	}
	f.cells = f.cells[:0]
	for i := range f.header {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		f.cells = append(f.cells, c)
	}
	f.cells = append(f.cells, line, reason)
	if f.err == nil {
		f.err = f.w.Row(f.cells...)
	}
}

func (f *rejectsFile) commit() error {
	if f.out == nil {
		if f.err != nil {
			return domain.Errorf(domain.EINVALID, "impossible d'écrire le fichier de rejets %s : %v", f.path, f.err)
		}
		return nil
	}
	err := f.err
	if err == nil {
		err = f.w.Close()
	}
	if e := f.out.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(f.path+".tmp", f.path)
	}
	if err != nil {
		os.Remove(f.path + ".tmp")
		return domain.Errorf(domain.EINVALID, "impossible d'écrire le fichier de rejets %s : %v", f.path, err)
	}
	return nil
}

func (f *rejectsFile) abort() {
	if f.out != nil {
		f.out.Close()
		os.Remove(f.path + ".tmp")
	}
}

// finish commits or rolls back tx and completes the report.
func (r *run) finish(tx domain.BulkTx, err error) (*Report, error) {
	r.rep.total()
	if len(r.problems) > 0 {
		r.rep.Rejects = r.problems
	}
	if err == nil && r.failed() {
		err = r.err()
	}
	if err != nil {
		if tx != nil {
			tx.Rollback()
		}
		for _, rf := range r.rejects {
			rf.abort()
		}
		return r.rep, err
	}
	if tx != nil {
		if r.opt.DryRun {
			if err := tx.Rollback(); err != nil {
				return r.rep, err
			}
		} else if err := tx.Commit(); err != nil {
			for _, rf := range r.rejects {
				rf.abort()
			}
			return r.rep, fmt.Errorf("enregistrement : %w", err)
		}
	}
	for _, rf := range r.rejects {
		if err := rf.commit(); err != nil {
			return r.rep, err
		}
		if rf.out != nil {
			r.rep.RejectsFiles = append(r.rep.RejectsFiles, rf.path)
		}
	}
	r.rep.Duration = time.Since(r.start)
	return r.rep, nil
}

// jsonSource is the rejects source of a JSON file: the rejects file lists
// the element number and the field of each rejected element.
func jsonSource(path string) *source {
	return &source{path: path, kind: "elements", header: []string{"element", "champ"}}
}

func jsonCells(e *tabular.LineError) []string {
	return []string{fmt.Sprint(e.Item), e.Field}
}

// jsonError names a JSON element in a file.
func jsonError(file string, item int, field, format string, args ...any) *tabular.LineError {
	return &tabular.LineError{File: file, Item: item, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// asLineError turns any error into a LineError for a row.
func asLineError(err error, row *tabular.Row, field string) *tabular.LineError {
	var le *tabular.LineError
	if errors.As(err, &le) {
		return le
	}
	var de *domain.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		f := de.Fields[0]
		return row.Errorf(f.Field, "%s", f.Reason)
	}
	return row.Errorf(field, "%s", err.Error())
}

// validationErrors turns a domain validation error into one LineError per
// bad field.
func validationErrors(err error, file, sheet string, line, item int) []*tabular.LineError {
	var de *domain.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		out := make([]*tabular.LineError, len(de.Fields))
		for i, f := range de.Fields {
			out[i] = &tabular.LineError{File: file, Sheet: sheet, Line: line, Item: item, Field: f.Field, Reason: f.Reason}
		}
		return out
	}
	return []*tabular.LineError{{File: file, Sheet: sheet, Line: line, Item: item, Reason: err.Error()}}
}

// joinReasons merges the field errors of one line into one LineError (the
// first field names it, the reason lists all).
func joinReasons(errs []*tabular.LineError) *tabular.LineError {
	if len(errs) == 1 {
		return errs[0]
	}
	e := *errs[0]
	parts := make([]string, len(errs))
	for i, x := range errs {
		if i == 0 {
			parts[i] = x.Reason
		} else {
			parts[i] = "champ « " + x.Field + " » : " + x.Reason
		}
	}
	e.Reason = strings.Join(parts, " ; ")
	return &e
}
