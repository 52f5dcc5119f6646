package importer

import (
	"context"
	"fmt"
	"io"
	"math"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// ImportPoints sets explicit centroids from a `territory;lat;lon` file (CSV
// or XLSX, first sheet; "code" is accepted for "territory", "latitude" and
// "longitude" for lat and lon). A later geometry import keeps them.
// Latitudes must lie in [-90, 90] and longitudes in [-180, 180]; a pair that
// looks swapped or projected is refused. A point given for an old code (a
// merged commune) is skipped with a warning: it is not the current
// commune's chef-lieu.
func ImportPoints(ctx context.Context, s domain.Store, path string, opt Options) (*Report, error) {
	r := newRun(ctx, &opt)
	if err := opt.check(); err != nil {
		return r.rep, err
	}
	rd, err := tabular.Open(path, "")
	if err != nil {
		return r.rep, err
	}
	defer rd.Close()
	r.rep.Files = 1
	col := func(names ...string) string {
		for _, n := range names {
			if rd.Has(n) {
				return n
			}
		}
		return names[0]
	}
	cTerr, cLat, cLon := col("territory", "code", "territoire", "code_insee", "codgeo"), col("lat", "latitude", "y"), col("lon", "longitude", "lng", "x")
	if err := rd.Require(cTerr, cLat, cLon); err != nil {
		return r.rep, err
	}
	pl, err := loadPlaces(ctx, s)
	if err != nil {
		return r.rep, err
	}
	k := r.rep.kind("centroïdes")
	src := &source{path: path, kind: "points", header: rd.Header().Raw}
	seen := map[string]int{}
	var cs []domain.Centroid
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.finish(nil, err)
		}
		r.progress(rd.Progress())
		k.Read++
		bad := func(e *tabular.LineError) { r.reject(k, e, src, row.Cells) }
		code := row.Get(cTerr)
		if code == "" {
			bad(row.Errorf(cTerr, "obligatoire"))
			continue
		}
		res, ok := pl.resolve(code)
		if !ok {
			bad(row.Errorf(cTerr, "%s", unknownCode(code)))
			continue
		}
		if res.Alias != nil {
			k.Skipped++
			r.rep.warnf("%s, ligne %d : %s — point ignoré : ce n'est pas le chef-lieu de la commune actuelle", rd.File(), row.Line, pl.aliasWarning(res.Alias))
			continue
		}
		lat, okLat, err := row.Float(cLat)
		if err != nil {
			bad(err.(*tabular.LineError))
			continue
		}
		lon, okLon, err := row.Float(cLon)
		if err != nil {
			bad(err.(*tabular.LineError))
			continue
		}
		switch {
		case !okLat:
			bad(row.Errorf(cLat, "obligatoire"))
			continue
		case !okLon:
			bad(row.Errorf(cLon, "obligatoire"))
			continue
		case math.Abs(lat) > 90 && math.Abs(lat) <= 180 && math.Abs(lon) <= 90:
			bad(row.Errorf(cLat, "latitude hors bornes %v (entre -90 et 90) : latitude et longitude sont-elles inversées ?", lat))
			continue
		case math.Abs(lat) > 90:
			bad(row.Errorf(cLat, "latitude hors bornes %v (entre -90 et 90, en degrés WGS84 ; un fichier en Lambert 93 doit être converti)", lat))
			continue
		case math.Abs(lon) > 180:
			bad(row.Errorf(cLon, "longitude hors bornes %v (entre -180 et 180, en degrés WGS84)", lon))
			continue
		}
		if prev, dup := seen[res.Code]; dup {
			bad(row.Errorf(cTerr, "territoire %s en double (lignes %d et %d)", res.Code, prev, row.Line))
			continue
		}
		seen[res.Code] = row.Line
		if oLat, oLon, has := pl.centroid(res.Code); !has {
			k.Created++
		} else if near(oLat, lat) && near(oLon, lon) {
			k.Unchanged++
			continue
		} else {
			k.Updated++
		}
		cs = append(cs, domain.Centroid{Code: res.Code, Lat: lat, Lon: lon})
		if r.tooMany() {
			break
		}
	}
	r.rep.Warnings = append(r.rep.Warnings, rd.Warnings()...)
	if r.failed() {
		return r.finish(nil, nil)
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		return r.finish(nil, err)
	}
	if len(cs) > 0 {
		if err := tx.SetCentroids(ctx, cs); err != nil {
			return r.finish(tx, fmt.Errorf("écriture des centroïdes : %w", err))
		}
		k.Written = len(cs)
	}
	return r.finish(tx, nil)
}
