package export

import (
	"context"
	"io"
	"slices"

	"maillage/internal/domain"
)

// Template columns (the import template) and the extra columns exports add.
var (
	ActorColumns          = []string{"id", "name", "type", "siren", "commune"}
	ActionColumns         = []string{"id", "title", "operator_id", "themes", "publics", "zone", "commune", "capacity", "start_date", "end_date", "labels", "description"}
	FundingColumns        = []string{"action_id", "funder_id", "year", "amount"}
	IndicatorValueColumns = []string{"territory", "indicator", "year", "value"}

	actorExtra    = []string{"siret", "territory", "visibility", "source"}
	actionExtra   = []string{"status", "visibility", "operator_name", "source"}
	fundingExtra  = []string{"action_title", "funder_name", "visibility"}
	territoryCols = []string{"code", "type", "name", "departement", "region", "parent", "siren", "population", "population_year", "lat", "lon"}
)

// eachAction calls fn for every action the filter selects, in id order.
func eachAction(ctx context.Context, s domain.Store, f Filter, fn func(domain.Action) error) error {
	if f.Territory != "" {
		return pages(func(offset int) (domain.Page[domain.Action], error) {
			return s.Actions(ctx, domain.ActionFilter{Territory: f.Territory, Theme: f.Theme, Year: f.Year, Sort: "id", Offset: offset, Limit: pageSize})
		}, fn)
	}
	return each(s.AllActions(ctx), func(a domain.Action) error {
		if f.Theme != "" && !slices.Contains(a.Themes, f.Theme) {
			return nil
		}
		if f.Year != 0 && !a.ActiveIn(f.Year) {
			return nil
		}
		return fn(a)
	})
}

type actorRef struct {
	id   string
	name string
	a    domain.Actor
}

// actorIndex loads every actor (tens of thousands at national scale).
func actorIndex(ctx context.Context, s domain.Store) (map[int64]actorRef, error) {
	m := map[int64]actorRef{}
	err := each(s.AllActors(ctx), func(a domain.Actor) error {
		m[a.ID] = actorRef{id: ID(a.Source, a.ExternalID, a.ID), name: a.Name, a: a}
		return nil
	})
	return m, err
}

// Actions writes actions as csv, xlsx or json.
func Actions(ctx context.Context, s domain.Store, format string, f Filter, w io.Writer) error {
	if format == "json" {
		arr := newJSONArray(w)
		if err := eachAction(ctx, s, f, func(a domain.Action) error { return arr.add(a) }); err != nil {
			return err
		}
		return arr.close()
	}
	actors, err := actorIndex(ctx, s)
	if err != nil {
		return err
	}
	t, err := table(format, w)
	if err != nil {
		return err
	}
	if err := t.Sheet("actions", append(slices.Clone(ActionColumns), actionExtra...)); err != nil {
		return err
	}
	err = eachAction(ctx, s, f, func(a domain.Action) error {
		op := actors[a.OperatorID]
		return t.Row(ID(a.Source, a.ExternalID, a.ID), a.Title, op.id, join(a.Themes), join(a.Publics),
			join(a.Zone), join(a.Places), a.Capacity, date(a.StartDate), date(a.EndDate), join(a.Labels), a.Description,
			a.Status, string(a.Visibility), op.name, a.Source)
	})
	if err != nil {
		return err
	}
	return t.Close()
}

// Actors writes actors as csv, xlsx or json (Territory: seat within it).
func Actors(ctx context.Context, s domain.Store, format string, f Filter, w io.Writer) error {
	eachActor := func(fn func(domain.Actor) error) error {
		if f.Territory != "" {
			return pages(func(offset int) (domain.Page[domain.Actor], error) {
				return s.Actors(ctx, domain.ActorFilter{Territory: f.Territory, Sort: "id", Offset: offset, Limit: pageSize})
			}, fn)
		}
		return each(s.AllActors(ctx), fn)
	}
	if format == "json" {
		arr := newJSONArray(w)
		if err := eachActor(func(a domain.Actor) error { return arr.add(a) }); err != nil {
			return err
		}
		return arr.close()
	}
	t, err := table(format, w)
	if err != nil {
		return err
	}
	if err := t.Sheet("actors", append(slices.Clone(ActorColumns), actorExtra...)); err != nil {
		return err
	}
	if err := eachActor(func(a domain.Actor) error {
		return t.Row(ID(a.Source, a.ExternalID, a.ID), a.Name, a.Type, a.SIREN, a.Commune,
			a.SIRET, a.Territory, string(a.Visibility), a.Source)
	}); err != nil {
		return err
	}
	return t.Close()
}

// Fundings writes fundings as csv, xlsx or json. Territory and Theme select
// the fundings of the actions they select; Year the fundings of that year.
func Fundings(ctx context.Context, s domain.Store, format string, f Filter, w io.Writer) error {
	type actionRef struct{ id, title string }
	actions := map[int64]actionRef{}
	err := eachAction(ctx, s, Filter{Territory: f.Territory, Theme: f.Theme}, func(a domain.Action) error {
		actions[a.ID] = actionRef{ID(a.Source, a.ExternalID, a.ID), a.Title}
		return nil
	})
	if err != nil {
		return err
	}
	eachFunding := func(fn func(domain.Funding) error) error {
		return each(s.AllFundings(ctx), func(fu domain.Funding) error {
			if f.Year != 0 && fu.Year != f.Year {
				return nil
			}
			if _, ok := actions[fu.ActionID]; !ok {
				return nil
			}
			return fn(fu)
		})
	}
	if format == "json" {
		arr := newJSONArray(w)
		if err := eachFunding(func(fu domain.Funding) error { return arr.add(fu) }); err != nil {
			return err
		}
		return arr.close()
	}
	actors, err := actorIndex(ctx, s)
	if err != nil {
		return err
	}
	t, err := table(format, w)
	if err != nil {
		return err
	}
	if err := t.Sheet("fundings", append(slices.Clone(FundingColumns), fundingExtra...)); err != nil {
		return err
	}
	if err := eachFunding(func(fu domain.Funding) error {
		a, fr := actions[fu.ActionID], actors[fu.FunderID]
		return t.Row(a.id, fr.id, fu.Year, fu.Amount, a.title, fr.name, string(fu.Visibility))
	}); err != nil {
		return err
	}
	return t.Close()
}

// Indicators writes indicator values in long format (territory;indicator;
// year;value). Territory selects the values of its communes, Year one year,
// Theme the theme's need indicator.
func Indicators(ctx context.Context, s domain.Store, format string, f Filter, w io.Writer) error {
	indicator := ""
	if f.Theme != "" {
		ref, err := s.Referentials(ctx)
		if err != nil {
			return err
		}
		indicator = ref.NeedIndicator(f.Theme)
	}
	eachValue := func(fn func(domain.IndicatorValue) error) error {
		if f.Territory != "" || f.Year != 0 || indicator != "" {
			return pages(func(offset int) (domain.Page[domain.IndicatorValue], error) {
				return s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: indicator, Territory: f.Territory, Year: f.Year, Offset: offset, Limit: pageSize})
			}, fn)
		}
		return each(s.AllIndicatorValues(ctx), fn)
	}
	if format == "json" {
		arr := newJSONArray(w)
		if err := eachValue(func(v domain.IndicatorValue) error { return arr.add(v) }); err != nil {
			return err
		}
		return arr.close()
	}
	t, err := table(format, w)
	if err != nil {
		return err
	}
	if err := t.Sheet("indicators", IndicatorValueColumns); err != nil {
		return err
	}
	if err := eachValue(func(v domain.IndicatorValue) error {
		return t.Row(v.Territory, v.Indicator, v.Year, v.Value)
	}); err != nil {
		return err
	}
	return t.Close()
}

// eachTerritory calls fn for the territory f.Territory and everything within
// it, or every territory.
func eachTerritory(ctx context.Context, s domain.Store, f Filter, fn func(domain.Territory) error) error {
	if f.Territory != "" {
		t, err := s.Territory(ctx, f.Territory)
		if err != nil {
			return err
		}
		if err := fn(*t); err != nil {
			return err
		}
		if t.Type == domain.TypeCommune {
			return nil
		}
	}
	return pages(func(offset int) (domain.Page[domain.Territory], error) {
		return s.Territories(ctx, domain.TerritoryFilter{Within: f.Territory, Offset: offset, Limit: pageSize})
	}, fn)
}

// Territories writes territories as csv, xlsx or json.
func Territories(ctx context.Context, s domain.Store, format string, f Filter, w io.Writer) error {
	if format == "json" {
		arr := newJSONArray(w)
		if err := eachTerritory(ctx, s, f, func(t domain.Territory) error { return arr.add(t) }); err != nil {
			return err
		}
		return arr.close()
	}
	t, err := table(format, w)
	if err != nil {
		return err
	}
	if err := t.Sheet("territories", territoryCols); err != nil {
		return err
	}
	if err := eachTerritory(ctx, s, f, func(x domain.Territory) error {
		var year any
		if x.PopYear != 0 {
			year = x.PopYear
		}
		return t.Row(x.Code, string(x.Type), x.Name, x.Departement, x.Region, x.Parent, x.SIREN, x.Population, year, x.Lat, x.Lon)
	}); err != nil {
		return err
	}
	return t.Close()
}
