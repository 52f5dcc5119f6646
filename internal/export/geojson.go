package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strconv"

	"maillage/internal/domain"
)

// featureWriter streams a GeoJSON FeatureCollection.
type featureWriter struct {
	w *bufio.Writer
	n int
}

func newFeatureWriter(w io.Writer) *featureWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	return &featureWriter{w: bw}
}

// add writes a feature; geometry is raw GeoJSON (nil: null geometry).
func (fw *featureWriter) add(geometry []byte, props any) error {
	p, err := json.Marshal(props)
	if err != nil {
		return err
	}
	if fw.n > 0 {
		fw.w.WriteByte(',')
	}
	fw.n++
	fw.w.WriteString("\n{\"type\":\"Feature\",\"geometry\":")
	if len(geometry) == 0 {
		fw.w.WriteString("null")
	} else {
		fw.w.Write(geometry)
	}
	fw.w.WriteString(`,"properties":`)
	fw.w.Write(p)
	fw.w.WriteByte('}')
	return nil
}

func (fw *featureWriter) close() error {
	fw.w.WriteString("\n]}\n")
	return fw.w.Flush()
}

func point(lat, lon float64) []byte {
	b := []byte(`{"type":"Point","coordinates":[`)
	b = strconv.AppendFloat(b, lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, lat, 'f', -1, 64)
	return append(b, ']', '}')
}

// centroids loads every territory's centroid once.
type centroids map[string][2]float64

func loadCentroids(ctx context.Context, s domain.Store) (centroids, error) {
	c := centroids{}
	err := pages(func(offset int) (domain.Page[domain.Territory], error) {
		return s.Territories(ctx, domain.TerritoryFilter{Offset: offset, Limit: pageSize})
	}, func(t domain.Territory) error {
		if t.Lat != nil && t.Lon != nil {
			c[t.Code] = [2]float64{*t.Lat, *t.Lon}
		}
		return nil
	})
	return c, err
}

// locate returns the point of the first code that has a centroid.
func (c centroids) locate(codes ...[]string) []byte {
	for _, list := range codes {
		for _, code := range list {
			if p, ok := c[code]; ok {
				return point(p[0], p[1])
			}
		}
	}
	return nil
}

// ActionsGeoJSON writes actions as points: the centroid of their place
// commune, else of their zone (an EPCI-wide action sits at the EPCI's
// centroid); null geometry when neither is known.
func ActionsGeoJSON(ctx context.Context, s domain.Store, f Filter, w io.Writer) error {
	cs, err := loadCentroids(ctx, s)
	if err != nil {
		return err
	}
	actors, err := actorIndex(ctx, s)
	if err != nil {
		return err
	}
	fw := newFeatureWriter(w)
	err = eachAction(ctx, s, f, func(a domain.Action) error {
		op := actors[a.OperatorID]
		return fw.add(cs.locate(a.Places, a.Zone), map[string]any{
			"id": ID(a.Source, a.ExternalID, a.ID), "maillage_id": a.ID, "title": a.Title,
			"operator_id": op.id, "operator_name": op.name,
			"themes": a.Themes, "publics": a.Publics, "labels": a.Labels, "zone": a.Zone, "commune": a.Places,
			"capacity": a.Capacity, "start_date": date(a.StartDate), "end_date": date(a.EndDate), "status": a.Status,
		})
	})
	if err != nil {
		return err
	}
	return fw.close()
}

// ActorsGeoJSON writes actors as points at their seat commune's centroid.
func ActorsGeoJSON(ctx context.Context, s domain.Store, f Filter, w io.Writer) error {
	cs, err := loadCentroids(ctx, s)
	if err != nil {
		return err
	}
	fw := newFeatureWriter(w)
	fn := func(a domain.Actor) error {
		return fw.add(cs.locate([]string{a.Commune}, []string{a.Territory}), map[string]any{
			"id": ID(a.Source, a.ExternalID, a.ID), "maillage_id": a.ID, "name": a.Name, "type": a.Type,
			"siren": a.SIREN, "commune": a.Commune,
		})
	}
	if f.Territory != "" {
		err = pages(func(offset int) (domain.Page[domain.Actor], error) {
			return s.Actors(ctx, domain.ActorFilter{Territory: f.Territory, Sort: "id", Offset: offset, Limit: pageSize})
		}, fn)
	} else {
		err = each(s.AllActors(ctx), fn)
	}
	if err != nil {
		return err
	}
	return fw.close()
}

// TerritoriesGeoJSON writes territories with their outline (or their
// centroid as a point when the outline is unknown).
func TerritoriesGeoJSON(ctx context.Context, s domain.Store, f Filter, w io.Writer) error {
	fw := newFeatureWriter(w)
	err := eachTerritory(ctx, s, f, func(t domain.Territory) error {
		g, err := s.TerritoryGeometry(ctx, t.Code)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if len(g) == 0 && t.Lat != nil && t.Lon != nil {
			g = point(*t.Lat, *t.Lon)
		}
		props := map[string]any{"code": t.Code, "name": t.Name, "type": t.Type, "population": t.Population}
		if t.Departement != "" {
			props["departement"] = t.Departement
		}
		if t.Parent != "" {
			props["parent"] = t.Parent
		}
		if t.Lat != nil {
			props["lat"], props["lon"] = *t.Lat, *t.Lon
		}
		return fw.add(g, props)
	})
	if err != nil {
		return err
	}
	return fw.close()
}
