package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// embedded holds Maillage's own static files (static/app) and, when `npm ci`
// copied it there before `go build`, the DSFR (static/dsfr, gitignored).
//
//go:embed static templates
var embedded embed.FS

// assets serves static files under a checksum-addressed prefix:
// /static/<hash>/dsfr/dsfr.min.css. The hash covers every file, so relative
// URLs inside the DSFR CSS (fonts, icons) keep working and a new build or a
// new DSFR version changes every URL.
type assets struct {
	fs      fs.FS // root holding "app/" and "dsfr/"
	hash    string
	HasDSFR bool
	origin  string // where the DSFR comes from, for logs and docs
}

// dsfrDirs lists where the DSFR dist is looked for when it was not embedded.
func dsfrDirs(opt string) []string {
	var dirs []string
	if opt != "" {
		dirs = append(dirs, opt)
	}
	if env := os.Getenv("MAILLAGE_DSFR_DIR"); env != "" {
		dirs = append(dirs, env)
	}
	dirs = append(dirs, filepath.Join("node_modules", "@gouvfr", "dsfr", "dist"))
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Join(filepath.Dir(exe), "node_modules", "@gouvfr", "dsfr", "dist"))
	}
	return dirs
}

func loadAssets(dsfrDir string, log *slog.Logger) (*assets, error) {
	static, err := fs.Sub(embedded, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{}
	u := unionFS{static}
	if _, err := fs.Stat(static, "dsfr/dsfr.min.css"); err == nil && dsfrDir == "" {
		a.HasDSFR, a.origin = true, "intégré au binaire"
	} else {
		for _, d := range dsfrDirs(dsfrDir) {
			if _, err := os.Stat(filepath.Join(d, "dsfr.min.css")); err == nil {
				u = unionFS{prefixFS{"dsfr/", os.DirFS(d)}, static}
				a.HasDSFR, a.origin = true, d
				break
			}
		}
	}
	if !a.HasDSFR {
		log.Warn("Système de design de l'État (DSFR) introuvable : l'interface s'affichera sans sa mise en forme. " +
			"Lancez « npm ci » à la racine du dépôt puis reconstruisez (go build) ou relancez depuis la racine du dépôt, " +
			"ou indiquez le dossier dist du paquet @gouvfr/dsfr dans MAILLAGE_DSFR_DIR.")
	}
	a.fs = u
	h := sha256.New()
	var files []string
	fs.WalkDir(u, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && servable(p) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	for _, p := range files {
		f, err := u.Open(p)
		if err != nil {
			continue
		}
		io.WriteString(h, p+"\x00")
		io.Copy(h, f)
		f.Close()
	}
	a.hash = hex.EncodeToString(h.Sum(nil))[:12]
	return a, nil
}

// servable limits what is served from the DSFR dist to what pages use.
func servable(p string) bool {
	if strings.HasPrefix(p, "app/") {
		return true
	}
	if !strings.HasPrefix(p, "dsfr/") {
		return false
	}
	p = strings.TrimPrefix(p, "dsfr/")
	switch p {
	case "dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/icons/icons.min.css":
		return true
	}
	for _, d := range []string{"fonts/", "icons/", "favicon/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// URL returns the checksum-addressed URL of a static file ("dsfr/dsfr.min.css").
func (a *assets) URL(p string) string { return "/static/" + a.hash + "/" + p }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	p := path.Clean(r.PathValue("path"))
	if !servable(p) {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.fs, p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(p))
	switch path.Ext(p) {
	case ".woff2":
		ct = "font/woff2"
	case ".woff":
		ct = "font/woff"
	case ".svg":
		ct = "image/svg+xml"
	case ".js", ".mjs":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if r.PathValue("hash") == a.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", startTime, bytes.NewReader(b))
}

// unionFS looks a name up in each file system in turn.
type unionFS []fs.FS

func (u unionFS) Open(name string) (fs.File, error) {
	var first error
	for _, f := range u {
		file, err := f.Open(name)
		if err == nil {
			return file, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

func (u unionFS) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]bool{}
	var out []fs.DirEntry
	found := false
	for _, f := range u {
		es, err := fs.ReadDir(f, name)
		if err != nil {
			continue
		}
		found = true
		for _, e := range es {
			if !seen[e.Name()] {
				seen[e.Name()] = true
				out = append(out, e)
			}
		}
	}
	if !found {
		return nil, fs.ErrNotExist
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// prefixFS mounts fsys under prefix ("dsfr/").
type prefixFS struct {
	prefix string
	fsys   fs.FS
}

func (p prefixFS) Open(name string) (fs.File, error) {
	if name == "." {
		return nil, fs.ErrNotExist
	}
	if name == strings.TrimSuffix(p.prefix, "/") {
		return p.fsys.Open(".")
	}
	if !strings.HasPrefix(name, p.prefix) {
		return nil, fs.ErrNotExist
	}
	return p.fsys.Open(strings.TrimPrefix(name, p.prefix))
}

func (p prefixFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == "." {
		f, err := p.fsys.Open(".")
		if err != nil {
			return nil, err
		}
		f.Close()
		return []fs.DirEntry{fs.FileInfoToDirEntry(dirInfo(strings.TrimSuffix(p.prefix, "/")))}, nil
	}
	if name == strings.TrimSuffix(p.prefix, "/") {
		return fs.ReadDir(p.fsys, ".")
	}
	if !strings.HasPrefix(name, p.prefix) {
		return nil, fs.ErrNotExist
	}
	return fs.ReadDir(p.fsys, strings.TrimPrefix(name, p.prefix))
}
