package web

// Imports from the administration: upload a file for an importer kind, get
// a dry-run preview of what would change with the rejected lines, then
// import for good. Each submission is a job run in the background; its page
// shows the progress (and reloads itself while it runs, or with the
// "Actualiser" link without JavaScript), then the report.
//
// Jobs live in this process's memory (the last 30): behind a load balancer,
// the job page must reach the server that runs it.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/importer"
)

// importKind describes an importer the administration offers.
type importKind struct {
	Code, Label, Hint string
	Multi             bool // several files (a directory for the importer)
	Second            string
}

var importKinds = []importKind{
	{Code: "actions", Label: "Acteurs, actions et financements (modèle Maillage)", Hint: "Un fichier CSV ou XLSX (acteurs, actions ou financements, reconnu par son en-tête), ou les trois fichiers actors, actions, fundings ensemble.", Multi: true},
	{Code: "indicators", Label: "Indicateurs (catalogue et valeurs)", Hint: "Le catalogue (code;label;unit;source;definition) en premier fichier, les valeurs en second ; l’un des deux peut manquer.", Second: "valeurs"},
	{Code: "geo", Label: "Contours des territoires (GeoJSON)", Hint: "Un fichier GeoJSON de contours de communes, EPCI ou départements."},
	{Code: "points", Label: "Lieux des actions (points)", Hint: "Un fichier CSV ou GeoJSON de points."},
	{Code: "data-inclusion", Label: "Structures et services data·inclusion", Hint: "Un export JSON ou CSV de data·inclusion."},
	{Code: "cog", Label: "Code officiel géographique (COG)", Hint: "Les fichiers du COG (communes.json, epci.json, departements.json, regions.json…), ensemble.", Multi: true},
}

func importKindOf(code string) (importKind, bool) {
	for _, k := range importKinds {
		if k.Code == code {
			return k, true
		}
	}
	return importKind{}, false
}

type importJob struct {
	ID          string
	Kind        importKind
	Files       []string
	dir         string
	DryRun      bool
	SkipInvalid bool
	UserID      int64
	Started     time.Time
	done, total atomic.Int64
	mu          sync.Mutex
	finished    time.Time
	report      *importer.Report
	err         error
	rejects     []byte
	running     bool
	consumed    bool // a dry run already confirmed
}

// consume marks a dry run as confirmed; false when it already was.
func (j *importJob) consume() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.consumed || j.err != nil {
		return false
	}
	j.consumed = true
	return true
}

var importJobs = struct {
	sync.Mutex
	m     map[string]*importJob
	order []string
}{m: map[string]*importJob{}}

func newJobID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func putJob(j *importJob) {
	importJobs.Lock()
	defer importJobs.Unlock()
	importJobs.m[j.ID] = j
	importJobs.order = append(importJobs.order, j.ID)
	for len(importJobs.order) > 30 {
		old := importJobs.m[importJobs.order[0]]
		if old != nil && !old.isRunning() {
			os.RemoveAll(old.dir)
		}
		delete(importJobs.m, importJobs.order[0])
		importJobs.order = importJobs.order[1:]
	}
}

func getJob(id string) *importJob {
	importJobs.Lock()
	defer importJobs.Unlock()
	return importJobs.m[id]
}

func (j *importJob) isRunning() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.running
}

// run executes the import (ctx keeps the principal, without the request's
// cancellation).
func (j *importJob) run(ctx context.Context, s domain.Store) {
	defer func() {
		if v := recover(); v != nil {
			j.mu.Lock()
			j.err, j.running, j.finished = domain.Errorf(domain.EINTERNAL, "l’import s’est interrompu : %v", v), false, time.Now()
			j.mu.Unlock()
		}
	}()
	opt := importer.Options{DryRun: j.DryRun, SkipInvalid: j.SkipInvalid,
		Progress: func(done, total int64) { j.done.Store(done); j.total.Store(total) }}
	if p := domain.PrincipalFrom(ctx); p != nil && p.OrgID != 0 {
		opt.Owner = p.OrgID
	}
	paths := make([]string, len(j.Files))
	for i, f := range j.Files {
		paths[i] = filepath.Join(j.dir, f)
	}
	var rep *importer.Report
	var err error
	switch j.Kind.Code {
	case "actions":
		target := j.dir
		if len(paths) == 1 {
			target = paths[0]
		}
		rep, err = importer.ImportActions(ctx, s, target, opt)
	case "indicators":
		cat, vals := "", ""
		if len(paths) > 0 {
			cat = paths[0]
		}
		if len(paths) > 1 {
			vals = paths[1]
		}
		rep, err = importer.ImportIndicators(ctx, s, cat, vals, opt)
	case "geo":
		rep, err = importer.ImportGeo(ctx, s, paths[0], opt)
	case "points":
		rep, err = importer.ImportPoints(ctx, s, paths[0], opt)
	case "data-inclusion":
		rep, err = importer.ImportDataInclusion(ctx, s, paths[0], opt)
	case "cog":
		rep, err = importer.ImportCOG(ctx, s, j.dir, opt)
	}
	var rejects []byte
	if rep != nil {
		for _, p := range rep.RejectsFiles {
			if b, e := os.ReadFile(p); e == nil {
				rejects = append(rejects, b...)
			}
		}
	}
	j.mu.Lock()
	j.report, j.err, j.rejects, j.running, j.finished = rep, err, rejects, false, time.Now()
	j.mu.Unlock()
	if !j.DryRun {
		os.RemoveAll(j.dir)
	}
}

type importFormData struct {
	Kinds  []dgOption
	Hints  []importKind
	Errors map[string]string
	Jobs   []jobRow
}

type jobRow struct {
	ID, Kind, Files, Started, State string
	DryRun                          bool
}

func (h *handler) adminImports(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Read) {
		return
	}
	h.renderImportForm(w, r, http.StatusOK, map[string]string{}, "")
}

func (h *handler) renderImportForm(w http.ResponseWriter, r *http.Request, status int, fe map[string]string, kind string) {
	d := &importFormData{Errors: fe, Hints: importKinds}
	for _, k := range importKinds {
		d.Kinds = append(d.Kinds, dgOption{Value: k.Code, Label: k.Label, Selected: k.Code == kind})
	}
	importJobs.Lock()
	ids := append([]string(nil), importJobs.order...)
	importJobs.Unlock()
	for i := len(ids) - 1; i >= 0; i-- {
		if j := getJob(ids[i]); j != nil {
			d.Jobs = append(d.Jobs, jobRow{ID: j.ID, Kind: j.Kind.Label, Files: strings.Join(j.Files, ", "), Started: frenchDateTime(j.Started), State: j.state(), DryRun: j.DryRun})
		}
	}
	h.render(w, r, status, "admin_import", page{Title: "Imports", Section: "administration",
		Crumbs: []crumb{{"Accueil", "/"}, {"Administration", "/administration"}, {"Imports", ""}}, Data: d})
}

func (j *importJob) state() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.running:
		return "en cours"
	case j.err != nil:
		return "refusé"
	case j.DryRun:
		return "aperçu prêt"
	}
	return "terminé"
}

const maxUpload = 512 << 20

func (h *handler) adminImportStart(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Create) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
		h.renderImportForm(w, r, http.StatusUnprocessableEntity, map[string]string{"fichier": "envoi du fichier impossible (512 Mo au plus) : " + err.Error()}, "")
		return
	}
	ctx := context.WithoutCancel(r.Context())
	p := domain.PrincipalFrom(ctx)
	// confirm a dry run: import the same files for good
	if id := r.FormValue("confirmer"); id != "" {
		prev := getJob(id)
		if prev == nil || !prev.DryRun || prev.isRunning() || !prev.consume() {
			h.fail(w, r, domain.NotFound("Aperçu d’import (déjà importé ou expiré)", id))
			return
		}
		j := &importJob{ID: newJobID(), Kind: prev.Kind, Files: prev.Files, dir: prev.dir, SkipInvalid: prev.SkipInvalid, Started: time.Now(), running: true}
		if p != nil {
			j.UserID = p.UserID
		}
		putJob(j)
		go j.run(ctx, h.s)
		http.Redirect(w, r, "/administration/imports/"+j.ID, http.StatusSeeOther)
		return
	}
	kind, ok := importKindOf(r.FormValue("type"))
	fe := map[string]string{}
	if !ok {
		fe["type"] = "choisissez le type de fichier à importer"
	}
	var files []*multipartFile
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["fichier"] {
			files = append(files, &multipartFile{name: fh.Filename, fh: fh})
		}
	}
	if len(files) == 0 {
		fe["fichier"] = "choisissez au moins un fichier"
	} else if ok && !kind.Multi && kind.Second == "" && len(files) > 1 {
		fe["fichier"] = "un seul fichier pour ce type d’import"
	}
	if len(fe) > 0 {
		h.renderImportForm(w, r, http.StatusUnprocessableEntity, fe, r.FormValue("type"))
		return
	}
	dir, err := os.MkdirTemp("", "maillage-import-")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	j := &importJob{ID: newJobID(), Kind: kind, dir: dir, DryRun: r.FormValue("mode") != "importer", SkipInvalid: r.FormValue("ignorer") != "", Started: time.Now(), running: true}
	if p != nil {
		j.UserID = p.UserID
	}
	for i, f := range files {
		name := safeFileName(f.name, i)
		if err := f.saveTo(filepath.Join(dir, name)); err != nil {
			os.RemoveAll(dir)
			h.renderImportForm(w, r, http.StatusUnprocessableEntity, map[string]string{"fichier": "lecture du fichier " + f.name + " impossible : " + err.Error()}, kind.Code)
			return
		}
		j.Files = append(j.Files, name)
	}
	putJob(j)
	go j.run(ctx, h.s)
	http.Redirect(w, r, "/administration/imports/"+j.ID, http.StatusSeeOther)
}

type multipartFile struct {
	name string
	fh   *multipart.FileHeader
}

func (f *multipartFile) saveTo(path string) error {
	in, err := f.fh.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// safeFileName keeps the base name (the importers read the extension and,
// for the COG and the actions template, the name), without path parts.
func safeFileName(name string, i int) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for _, r := range name {
		if r == '/' || r == 0 || r < 32 {
			continue
		}
		b.WriteRune(r)
	}
	n := strings.TrimLeft(b.String(), ".")
	if n == "" {
		n = "fichier-" + strconv.Itoa(i+1)
	}
	return n
}

type jobData struct {
	ID, Kind, Files, State, Started, Finished string
	DryRun, Running, Skip, Consumed           bool
	Percent                                   int
	Done, Total                               string
	Error                                     string
	Report                                    *importer.Report
	Rejects                                   []rejectRow
	HasRejectsFile                            bool
	Kinds                                     []*importer.Counts
}

type rejectRow struct{ File, Line, Field, Reason string }

func (h *handler) adminImportJob(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Read) {
		return
	}
	j := getJob(r.PathValue("job"))
	if j == nil {
		h.fail(w, r, domain.NotFound("Import", r.PathValue("job")))
		return
	}
	j.mu.Lock()
	d := &jobData{ID: j.ID, Kind: j.Kind.Label, Files: strings.Join(j.Files, ", "), DryRun: j.DryRun, Running: j.running, Skip: j.SkipInvalid,
		Started: frenchDateTime(j.Started), Report: j.report, HasRejectsFile: len(j.rejects) > 0, Consumed: j.consumed}
	if !j.finished.IsZero() {
		d.Finished = frenchDateTime(j.finished)
	}
	if j.err != nil {
		d.Error = domain.ErrorMessage(j.err)
		if d.Error == "" {
			d.Error = j.err.Error()
		}
	}
	j.mu.Unlock()
	d.State = j.state()
	done, total := j.done.Load(), j.total.Load()
	d.Done, d.Total = formatNum(float64(done)/1024), formatNum(float64(total)/1024)
	if total > 0 {
		d.Percent = int(100 * done / total)
	}
	if !d.Running {
		d.Percent = 100
	}
	if d.Report != nil {
		d.Kinds = d.Report.Kinds
		for _, le := range d.Report.Rejects {
			line := ""
			if le.Line > 0 {
				line = strconv.Itoa(le.Line)
			} else if le.Item > 0 {
				line = "élément " + strconv.Itoa(le.Item)
			}
			d.Rejects = append(d.Rejects, rejectRow{File: joinNonEmpty(" / ", le.File, le.Sheet), Line: line, Field: le.Field, Reason: le.Reason})
		}
	}
	if errs, ok := j.err.(*importer.Errors); ok {
		for _, le := range errs.Problems {
			d.Rejects = append(d.Rejects, rejectRow{File: le.File, Line: strconv.Itoa(le.Line), Field: le.Field, Reason: le.Reason})
		}
	}
	title := "Import en cours"
	if !d.Running {
		title = "Résultat de l’import"
		if d.DryRun {
			title = "Aperçu de l’import"
		}
	}
	h.render(w, r, http.StatusOK, "admin_import_job", page{Title: title, Section: "administration",
		Crumbs: []crumb{{"Accueil", "/"}, {"Administration", "/administration"}, {"Imports", "/administration/imports"}, {title, ""}}, Data: d})
}

func (h *handler) adminImportRejects(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Read) {
		return
	}
	j := getJob(r.PathValue("job"))
	if j == nil {
		h.fail(w, r, domain.NotFound("Import", r.PathValue("job")))
		return
	}
	j.mu.Lock()
	b := j.rejects
	j.mu.Unlock()
	if len(b) == 0 {
		h.fail(w, r, domain.NotFound("Fichier des rejets", j.ID))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="rejets.csv"`)
	w.Write(b)
}
