package auth

import (
	"context"
	"iter"
	"log/slog"
	"strconv"

	"maillage/internal/domain"
)

// Guard wraps a store so that every write of the data core (actors, actions,
// fundings) and of the reference data (territories, indicators, values,
// referentials) is checked against the policy for the principal in ctx and
// recorded in the audit log with the record before and after.
//
// The server hands the guarded store to the API and the web interface, so
// no handler can write around the policy. Reads are filtered by the store
// itself (visibility, see VisibilityWhere), so a record the principal may
// not see answers ENOTFOUND here too, before any write is attempted.
//
// A context without a recorded principal (command line, jobs) is trusted:
// its writes are not checked, but they are audited (via "cli").
func Guard(s domain.Store, a domain.AccountStore, log *slog.Logger) domain.Store {
	return newGuard(s, a, log, false)
}

// GuardServer is Guard for the server: reads without a principal (the
// analysis engine's background loads) get the network view (see viewCtx)
// instead of being trusted.
func GuardServer(s domain.Store, a domain.AccountStore, log *slog.Logger) domain.Store {
	return newGuard(s, a, log, true)
}

func newGuard(s domain.Store, a domain.AccountStore, log *slog.Logger, networkView bool) *guarded {
	if log == nil {
		log = slog.Default()
	}
	if g, ok := s.(*guarded); ok { // never audit twice
		s = g.Store
	}
	return &guarded{Store: s, acc: a, log: log, networkView: networkView}
}

type guarded struct {
	domain.Store
	acc         domain.AccountStore
	log         *slog.Logger
	networkView bool
}

// Unwrap returns the store under the guard.
func (g *guarded) Unwrap() domain.Store { return g.Store }

var errForbidden = domain.Errorf(domain.EFORBIDDEN, "Votre rôle ne permet pas de modifier cet enregistrement.")

// check applies the policy when ctx comes from a request.
func check(ctx context.Context, action Action, res Resource) error {
	if !domain.HasPrincipal(ctx) {
		return nil
	}
	p := domain.PrincipalFrom(ctx)
	if Can(p, action, res) {
		return nil
	}
	if p == nil {
		return ErrSignedOut
	}
	return errForbidden
}

func data(m domain.Meta) Resource {
	return Resource{Class: Data, OwnerOrg: m.OwnerOrg, Visibility: m.Visibility}
}

var reference = Resource{Class: Reference, Visibility: domain.VisibilityPublic}

// ownByPrincipal fills the owner of a new record with the principal's organisation.
func ownByPrincipal(ctx context.Context, m *domain.Meta) {
	if p := domain.PrincipalFrom(ctx); p != nil && m.OwnerOrg == 0 && p.OrgID != 0 {
		m.OwnerOrg = p.OrgID
	}
}

func (g *guarded) audit(ctx context.Context, action, kind, id string, before, after any) {
	e := &domain.AuditEntry{Action: action, Kind: kind, RecordID: id, Before: toJSON(before), After: toJSON(after)}
	if err := AppendAudit(ctx, g.acc, e); err != nil {
		g.log.Error("audit", "err", err, "action", action, "kind", kind, "id", id)
	}
}

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// Actors.

func (g *guarded) CreateActor(ctx context.Context, a *domain.Actor) error {
	ownByPrincipal(ctx, &a.Meta)
	a.Meta.Defaults(domain.VisibilityNetwork)
	if err := check(ctx, Create, data(a.Meta)); err != nil {
		return err
	}
	if err := g.Store.CreateActor(ctx, a); err != nil {
		return err
	}
	g.audit(ctx, "create", "actor", id64(a.ID), nil, a)
	return nil
}

func (g *guarded) UpdateActor(ctx context.Context, a *domain.Actor) error {
	before, err := g.Store.Actor(ctx, a.ID)
	if err != nil {
		return err
	}
	a.Meta.Defaults(before.Visibility)
	if err := check(ctx, Update, data(before.Meta)); err != nil {
		return err
	}
	if err := check(ctx, Update, data(a.Meta)); err != nil {
		return err
	}
	if err := g.Store.UpdateActor(ctx, a); err != nil {
		return err
	}
	g.audit(ctx, "update", "actor", id64(a.ID), before, a)
	return nil
}

func (g *guarded) DeleteActor(ctx context.Context, id int64) error {
	before, err := g.Store.Actor(ctx, id)
	if err != nil {
		return err
	}
	if err := check(ctx, Delete, data(before.Meta)); err != nil {
		return err
	}
	if err := g.Store.DeleteActor(ctx, id); err != nil {
		return err
	}
	g.audit(ctx, "delete", "actor", id64(id), before, nil)
	return nil
}

// Actions.

func (g *guarded) CreateAction(ctx context.Context, a *domain.Action) error {
	ownByPrincipal(ctx, &a.Meta)
	a.Meta.Defaults(domain.VisibilityNetwork)
	if err := check(ctx, Create, data(a.Meta)); err != nil {
		return err
	}
	if err := g.Store.CreateAction(ctx, a); err != nil {
		return err
	}
	g.audit(ctx, "create", "action", id64(a.ID), nil, a)
	return nil
}

func (g *guarded) UpdateAction(ctx context.Context, a *domain.Action) error {
	before, err := g.Store.Action(ctx, a.ID)
	if err != nil {
		return err
	}
	a.Meta.Defaults(before.Visibility)
	if err := check(ctx, Update, data(before.Meta)); err != nil {
		return err
	}
	if err := check(ctx, Update, data(a.Meta)); err != nil {
		return err
	}
	if err := g.Store.UpdateAction(ctx, a); err != nil {
		return err
	}
	g.audit(ctx, "update", "action", id64(a.ID), before, a)
	return nil
}

func (g *guarded) DeleteAction(ctx context.Context, id int64) error {
	before, err := g.Store.Action(ctx, id)
	if err != nil {
		return err
	}
	if err := check(ctx, Delete, data(before.Meta)); err != nil {
		return err
	}
	if err := g.Store.DeleteAction(ctx, id); err != nil {
		return err
	}
	g.audit(ctx, "delete", "action", id64(id), before, nil)
	return nil
}

// Fundings: a funding is written by whoever owns it, and its action must be
// visible to the writer.

func (g *guarded) CreateFunding(ctx context.Context, f *domain.Funding) error {
	ownByPrincipal(ctx, &f.Meta)
	f.Meta.Defaults(domain.VisibilityNetwork)
	if err := check(ctx, Create, data(f.Meta)); err != nil {
		return err
	}
	if domain.HasPrincipal(ctx) {
		if _, err := g.Store.Action(ctx, f.ActionID); err != nil {
			return err
		}
	}
	if err := g.Store.CreateFunding(ctx, f); err != nil {
		return err
	}
	g.audit(ctx, "create", "funding", id64(f.ID), nil, f)
	return nil
}

func (g *guarded) UpdateFunding(ctx context.Context, f *domain.Funding) error {
	before, err := g.Store.Funding(ctx, f.ID)
	if err != nil {
		return err
	}
	f.Meta.Defaults(before.Visibility)
	if err := check(ctx, Update, data(before.Meta)); err != nil {
		return err
	}
	if err := check(ctx, Update, data(f.Meta)); err != nil {
		return err
	}
	if err := g.Store.UpdateFunding(ctx, f); err != nil {
		return err
	}
	g.audit(ctx, "update", "funding", id64(f.ID), before, f)
	return nil
}

func (g *guarded) DeleteFunding(ctx context.Context, id int64) error {
	before, err := g.Store.Funding(ctx, id)
	if err != nil {
		return err
	}
	if err := check(ctx, Delete, data(before.Meta)); err != nil {
		return err
	}
	if err := g.Store.DeleteFunding(ctx, id); err != nil {
		return err
	}
	g.audit(ctx, "delete", "funding", id64(id), before, nil)
	return nil
}

// Reference data.

func (g *guarded) SavePerimeter(ctx context.Context, t *domain.Territory) error {
	if err := check(ctx, Update, reference); err != nil {
		return err
	}
	before, _ := g.Store.Territory(ctx, t.Code)
	if err := g.Store.SavePerimeter(ctx, t); err != nil {
		return err
	}
	action := "update"
	if before == nil {
		action, before = "create", nil
	}
	g.audit(ctx, action, "territory", t.Code, before, t)
	return nil
}

func (g *guarded) DeletePerimeter(ctx context.Context, code string) error {
	if err := check(ctx, Delete, reference); err != nil {
		return err
	}
	before, _ := g.Store.Territory(ctx, code)
	if err := g.Store.DeletePerimeter(ctx, code); err != nil {
		return err
	}
	g.audit(ctx, "delete", "territory", code, before, nil)
	return nil
}

func (g *guarded) CreateIndicator(ctx context.Context, ind *domain.Indicator) error {
	if err := check(ctx, Create, reference); err != nil {
		return err
	}
	if err := g.Store.CreateIndicator(ctx, ind); err != nil {
		return err
	}
	g.audit(ctx, "create", "indicator", ind.Code, nil, ind)
	return nil
}

func (g *guarded) UpdateIndicator(ctx context.Context, ind *domain.Indicator) error {
	if err := check(ctx, Update, reference); err != nil {
		return err
	}
	before, err := g.Store.Indicator(ctx, ind.Code)
	if err != nil {
		return err
	}
	if err := g.Store.UpdateIndicator(ctx, ind); err != nil {
		return err
	}
	g.audit(ctx, "update", "indicator", ind.Code, before, ind)
	return nil
}

func (g *guarded) DeleteIndicator(ctx context.Context, code string) error {
	if err := check(ctx, Delete, reference); err != nil {
		return err
	}
	before, err := g.Store.Indicator(ctx, code)
	if err != nil {
		return err
	}
	if err := g.Store.DeleteIndicator(ctx, code); err != nil {
		return err
	}
	g.audit(ctx, "delete", "indicator", code, before, nil)
	return nil
}

func (g *guarded) PutIndicatorValues(ctx context.Context, values []domain.IndicatorValue) error {
	if err := check(ctx, Update, reference); err != nil {
		return err
	}
	if err := g.Store.PutIndicatorValues(ctx, values); err != nil {
		return err
	}
	// Values are many: the entry keeps them all when few, a count otherwise.
	var after any = values
	if len(values) > 100 {
		after = map[string]int{"values": len(values)}
	}
	g.audit(ctx, "update", "indicator_values", "", nil, after)
	return nil
}

func (g *guarded) DeleteIndicatorValue(ctx context.Context, territory, indicator string, year int) error {
	if err := check(ctx, Delete, reference); err != nil {
		return err
	}
	if err := g.Store.DeleteIndicatorValue(ctx, territory, indicator, year); err != nil {
		return err
	}
	g.audit(ctx, "delete", "indicator_value", indicator+"/"+strconv.Itoa(year)+"/"+territory, nil, nil)
	return nil
}

func (g *guarded) PutRefEntry(ctx context.Context, e domain.RefEntry) error {
	if err := check(ctx, Create, reference); err != nil {
		return err
	}
	if err := g.Store.PutRefEntry(ctx, e); err != nil {
		return err
	}
	g.audit(ctx, "update", "referential", e.Kind+"/"+e.Code, nil, e)
	return nil
}

// Bulk loads (imports) need the reference-data and data create rights; the
// import is audited at commit with what the importer reports.
func (g *guarded) Bulk(ctx context.Context) (domain.BulkTx, error) {
	if err := check(ctx, Create, reference); err != nil {
		return nil, err
	}
	tx, err := g.Store.Bulk(ctx)
	if err != nil {
		return nil, err
	}
	return &guardedBulk{BulkTx: tx, g: g, ctx: ctx}, nil
}

type guardedBulk struct {
	domain.BulkTx
	g      *guarded
	ctx    context.Context
	counts map[string]int
}

func (b *guardedBulk) count(kind string, n int) {
	if b.counts == nil {
		b.counts = map[string]int{}
	}
	b.counts[kind] += n
}

func (b *guardedBulk) UpsertActors(ctx context.Context, as []domain.Actor) ([]int64, error) {
	b.count("actors", len(as))
	return b.BulkTx.UpsertActors(ctx, as)
}

func (b *guardedBulk) UpsertActions(ctx context.Context, as []domain.Action) ([]int64, error) {
	b.count("actions", len(as))
	return b.BulkTx.UpsertActions(ctx, as)
}

func (b *guardedBulk) ReplaceFundings(ctx context.Context, ids []int64, fs []domain.Funding) error {
	b.count("fundings", len(fs))
	return b.BulkTx.ReplaceFundings(ctx, ids, fs)
}

func (b *guardedBulk) UpsertTerritories(ctx context.Context, ts []domain.Territory) error {
	b.count("territories", len(ts))
	return b.BulkTx.UpsertTerritories(ctx, ts)
}

func (b *guardedBulk) UpsertIndicators(ctx context.Context, inds []domain.Indicator) error {
	b.count("indicators", len(inds))
	return b.BulkTx.UpsertIndicators(ctx, inds)
}

func (b *guardedBulk) Commit() error {
	if err := b.BulkTx.Commit(); err != nil {
		return err
	}
	b.g.audit(b.ctx, "import", "bulk", "", nil, b.counts)
	return nil
}

// With GuardServer, reads without a principal (the analysis engine loads its
// shared snapshot in the background) get the network view: public and
// network records only. One snapshot serves every signed-in person, so it
// must not hold what only some of them may see (private and partners
// records are left out of the analysis).
var networkView = &domain.Principal{Role: domain.RoleObserver, Via: "analysis"}

func (g *guarded) viewCtx(ctx context.Context) context.Context {
	if !g.networkView || domain.HasPrincipal(ctx) {
		return ctx
	}
	return domain.WithPrincipal(ctx, networkView)
}

func (g *guarded) Territories(ctx context.Context, f domain.TerritoryFilter) (domain.Page[domain.Territory], error) {
	return g.Store.Territories(g.viewCtx(ctx), f)
}

func (g *guarded) AllActors(ctx context.Context) iter.Seq2[domain.Actor, error] {
	return g.Store.AllActors(g.viewCtx(ctx))
}

func (g *guarded) AllActions(ctx context.Context) iter.Seq2[domain.Action, error] {
	return g.Store.AllActions(g.viewCtx(ctx))
}

func (g *guarded) AllFundings(ctx context.Context) iter.Seq2[domain.Funding, error] {
	return g.Store.AllFundings(g.viewCtx(ctx))
}

func (g *guarded) AllIndicatorValues(ctx context.Context) iter.Seq2[domain.IndicatorValue, error] {
	return g.Store.AllIndicatorValues(g.viewCtx(ctx))
}
