package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// codeProperties are the feature properties that may hold the territory
// code, in order of preference (compared ignoring case): IGN Admin Express
// (INSEE_COM), Etalab and france-geojson (code), Paris open data
// (c_arinsee), mathieulebasic/france-geojson (code_territoire, "com"+code).
var codeProperties = []string{"code", "code_insee", "insee_com", "c_arinsee", "code_territoire", "codgeo", "insee_dep", "code_dept", "siren", "code_siren"}

// ImportGeo imports the outlines of communes, EPCI or départements from a
// GeoJSON FeatureCollection, and computes each territory's centroid (the
// area-weighted centroid of its polygons, holes removed) unless a centroid
// was set explicitly by a points import.
//
// Features are streamed, so national files do not need to fit in memory.
// A feature whose code is an old code (a commune merged or delegated since
// the file was made) is skipped with a warning: its outline covers only part
// of the current commune and must not replace the current commune's.
func ImportGeo(ctx context.Context, s domain.Store, path string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	f, err := os.Open(path)
	if err != nil {
		return r.rep, openErr(path, err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	r.rep.Files = 1
	pl, err := loadPlaces(ctx, s)
	if err != nil {
		return r.rep, err
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.rep, err
	}
	g := &geoImport{run: r, s: s, tx: tx, pl: pl, file: filepath.Base(path), path: path,
		k: r.rep.kind("contours"), seen: map[string]int{}}
	cr := &countReader{r: f}
	err = g.read(skipBOM(cr), func() { r.progress(cr.n, size) })
	if err == nil {
		err = g.flush()
	}
	r.rep.notef("%d centroïdes calculés à partir des contours", g.computed)
	if g.keptCentroids > 0 {
		r.rep.notef("%d centroïdes fixés explicitement (import de points) conservés", g.keptCentroids)
	}
	return r.finish(tx, err)
}

func openErr(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return domain.Errorf(domain.ENOTFOUND, "fichier introuvable : %s", path)
	}
	return domain.Errorf(domain.EINVALID, "impossible d'ouvrir %s : %v", path, err)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type geoImport struct {
	*run
	s    domain.Store
	tx   domain.BulkTx
	pl   *places
	file string
	path string
	k    *Counts

	computed, keptCentroids int
	seen                    map[string]int // code → feature number

	geoms []domain.Geometry
	cents []domain.Centroid
}

type feature struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   json.RawMessage            `json:"geometry"`
}

// read walks the top-level object to its "features" array and handles each
// feature in turn.
func (g *geoImport) read(r io.Reader, tick func()) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return &tabular.LineError{File: g.file, Reason: "une FeatureCollection GeoJSON est attendue (objet JSON)"}
	}
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return &tabular.LineError{File: g.file, Reason: "JSON invalide : " + err.Error()}
		}
		key, _ := tok.(string)
		if key != "features" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return &tabular.LineError{File: g.file, Reason: "JSON invalide : " + err.Error()}
			}
			continue
		}
		found = true
		tok, err = dec.Token()
		if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
			return &tabular.LineError{File: g.file, Field: "features", Reason: "un tableau d'entités est attendu"}
		}
		n := 0
		for dec.More() {
			n++
			var ft feature
			if err := dec.Decode(&ft); err != nil {
				return &tabular.LineError{File: g.file, Item: n, Reason: "entité GeoJSON invalide : " + err.Error()}
			}
			if err := g.feature(n, &ft); err != nil {
				return err
			}
			if g.tooMany() {
				return nil
			}
			if n%200 == 0 {
				tick()
			}
		}
		if _, err := dec.Token(); err != nil {
			return &tabular.LineError{File: g.file, Item: n + 1, Reason: "JSON invalide ou tronqué : " + err.Error()}
		}
	}
	if _, err := dec.Token(); err != nil {
		return &tabular.LineError{File: g.file, Reason: "JSON invalide ou tronqué : " + err.Error()}
	}
	tick()
	if !found {
		return &tabular.LineError{File: g.file, Field: "features", Reason: "aucun tableau « features » : une FeatureCollection GeoJSON est attendue"}
	}
	return nil
}

// featureCode finds the territory code in a feature's properties.
func featureCode(props map[string]json.RawMessage) (code, prop string) {
	lower := make(map[string]json.RawMessage, len(props))
	for k, v := range props {
		lower[strings.ToLower(k)] = v
	}
	for _, p := range codeProperties {
		raw, ok := lower[p]
		if !ok {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		switch x := v.(type) {
		case string:
			code = strings.TrimSpace(x)
		case float64:
			if x == math.Trunc(x) && x >= 0 {
				code = strconv.FormatInt(int64(x), 10)
			}
		}
		if p == "code_territoire" {
			code = strings.TrimLeft(code, "abcdefghijklmnopqrstuvwxyz")
		}
		if code != "" {
			return code, p
		}
	}
	return "", ""
}

func (g *geoImport) feature(n int, ft *feature) error {
	g.k.Read++
	fail := func(field, format string, args ...any) error {
		g.reject(g.k, jsonError(g.file, n, field, format, args...), &source{path: g.path, kind: "contours", header: []string{"element", "code"}}, []string{strconv.Itoa(n), ""})
		return nil
	}
	code, prop := featureCode(ft.Properties)
	if code == "" {
		return fail("properties", "aucun code de territoire (propriétés cherchées : %s)", strings.Join(codeProperties, ", "))
	}
	src := &source{path: g.path, kind: "contours", header: []string{"element", "code"}}
	failCode := func(field, format string, args ...any) error {
		g.reject(g.k, jsonError(g.file, n, field, format, args...), src, []string{strconv.Itoa(n), code})
		return nil
	}
	res, ok := g.pl.resolve(code)
	if !ok {
		return failCode(prop, "%s", unknownCode(code))
	}
	if res.Alias != nil {
		g.k.Skipped++
		g.rep.warnf("%s, élément %d : %s — contour ignoré : il ne couvre qu'une partie de la commune actuelle", g.file, n, g.pl.aliasWarning(res.Alias))
		return nil
	}
	if prev, dup := g.seen[res.Code]; dup {
		return failCode(prop, "code %s en double (éléments %d et %d)", res.Code, prev, n)
	}
	g.seen[res.Code] = n
	geom, cent, err := parseGeometry(ft.Geometry)
	if err != nil {
		return failCode("geometry", "%v", err)
	}
	// Unchanged? Compare with the stored outline.
	old, err := g.s.TerritoryGeometry(g.ctx, res.Code)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return fmt.Errorf("lecture du contour de %s : %w", res.Code, err)
	}
	switch {
	case old == nil:
		g.k.Created++
		g.geoms = append(g.geoms, domain.Geometry{Code: res.Code, GeoJSON: geom})
	case bytes.Equal(canonicalJSON(old), canonicalJSON(geom)):
		g.k.Unchanged++
	default:
		g.k.Updated++
		g.geoms = append(g.geoms, domain.Geometry{Code: res.Code, GeoJSON: geom})
	}
	// The centroid: kept when it was set explicitly, that is when it is not
	// the centroid of the previous outline.
	if lat, lon, has := g.pl.centroid(res.Code); has {
		explicit := true
		if old != nil {
			if _, c, err := parseGeometry(old); err == nil && near(c[1], lat) && near(c[0], lon) {
				explicit = false
			}
		}
		if explicit {
			g.keptCentroids++
			return g.maybeFlush()
		}
		if near(cent[1], lat) && near(cent[0], lon) {
			return g.maybeFlush()
		}
	}
	g.computed++
	g.cents = append(g.cents, domain.Centroid{Code: res.Code, Lat: cent[1], Lon: cent[0]})
	return g.maybeFlush()
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func (g *geoImport) maybeFlush() error {
	if len(g.geoms) >= 500 || len(g.cents) >= 5000 {
		return g.flush()
	}
	return nil
}

func (g *geoImport) flush() error {
	if g.failed() {
		g.geoms, g.cents = g.geoms[:0], g.cents[:0]
		return nil
	}
	if len(g.geoms) > 0 {
		if err := g.tx.PutGeometries(g.ctx, g.geoms); err != nil {
			return fmt.Errorf("écriture des contours : %w", err)
		}
		g.k.Written += len(g.geoms)
	}
	if len(g.cents) > 0 {
		if err := g.tx.SetCentroids(g.ctx, g.cents); err != nil {
			return fmt.Errorf("écriture des centroïdes : %w", err)
		}
	}
	g.geoms, g.cents = g.geoms[:0], g.cents[:0]
	return nil
}

// parseGeometry checks a GeoJSON geometry (Polygon or MultiPolygon in WGS84
// longitude/latitude) and returns it compacted, with its centroid.
func parseGeometry(raw json.RawMessage) ([]byte, orb.Point, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, orb.Point{}, errors.New("géométrie absente")
	}
	gj, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, orb.Point{}, fmt.Errorf("géométrie GeoJSON invalide : %v", err)
	}
	geom := gj.Geometry()
	switch geom.(type) {
	case orb.Polygon, orb.MultiPolygon:
	case nil:
		return nil, orb.Point{}, errors.New("géométrie vide")
	default:
		return nil, orb.Point{}, fmt.Errorf("géométrie de type %s : un Polygon ou un MultiPolygon est attendu (pour des points, utilisez « import points »)", gj.Type)
	}
	b := geom.Bound()
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		return nil, orb.Point{}, errors.New("coordonnées hors des bornes WGS84 (longitude, latitude en degrés) : le fichier est-il en Lambert 93 ? Convertissez-le en WGS84")
	}
	c, area := Centroid(geom)
	if area == 0 || math.IsNaN(c[0]) || math.IsNaN(c[1]) {
		return nil, orb.Point{}, errors.New("géométrie d'aire nulle")
	}
	return compactJSON(raw), c, nil
}

// canonicalJSON re-encodes JSON so that two encodings of the same value
// compare equal (a database may reformat what it stores).
func canonicalJSON(raw []byte) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// Centroid returns the area-weighted centroid of a Polygon or MultiPolygon
// (holes subtracted) and its area, in the units of the coordinates. In
// longitude/latitude this is the centroid of the equirectangular projection,
// which an affine scaling of longitudes does not move.
func Centroid(g orb.Geometry) (orb.Point, float64) {
	var polys []orb.Polygon
	switch x := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{x}
	case orb.MultiPolygon:
		polys = x
	default:
		return orb.Point{}, 0
	}
	// Coordinates are taken relative to a reference point for precision.
	var ref orb.Point
	for _, p := range polys {
		if len(p) > 0 && len(p[0]) > 0 {
			ref = p[0][0]
			break
		}
	}
	var sa, sx, sy float64
	for _, p := range polys {
		for i, ring := range p {
			a, cx, cy := ringMoments(ring, ref)
			w := math.Abs(a)
			if i > 0 { // hole
				w = -w
			}
			if a != 0 {
				sa += w
				sx += w * cx
				sy += w * cy
			}
		}
	}
	if sa == 0 {
		return orb.Point{}, 0
	}
	return orb.Point{ref[0] + sx/sa, ref[1] + sy/sa}, sa
}

// ringMoments returns the signed area of a ring and its centroid, relative
// to ref (shoelace formula).
func ringMoments(ring orb.Ring, ref orb.Point) (area, cx, cy float64) {
	n := len(ring)
	if n < 3 {
		return 0, 0, 0
	}
	var a2, x, y float64
	for i := 0; i < n; i++ {
		p, q := ring[i], ring[(i+1)%n]
		px, py := p[0]-ref[0], p[1]-ref[1]
		qx, qy := q[0]-ref[0], q[1]-ref[1]
		cross := px*qy - qx*py
		a2 += cross
		x += (px + qx) * cross
		y += (py + qy) * cross
	}
	if a2 == 0 {
		return 0, 0, 0
	}
	return a2 / 2, x / (3 * a2), y / (3 * a2)
}
