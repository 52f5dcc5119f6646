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

// Data-core records (actors, actions, fundings) share one rule: a writer
// must be allowed to change the record as it was and as it will be, and
// every write is audited with the record before and after.

// createData owns, checks, writes and audits a new data-core record.
func (g *guarded) createData(ctx context.Context, kind string, m *domain.Meta, rec any, id *int64, write func() error) error {
	ownByPrincipal(ctx, m)
	m.Defaults(domain.VisibilityNetwork)
	if err := check(ctx, Create, data(*m)); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	g.audit(ctx, "create", kind, id64(*id), nil, rec)
	return nil
}

// updateData checks the record as stored and as sent, writes and audits it.
func updateData[T any](ctx context.Context, g *guarded, kind string, id int64, m *domain.Meta, rec any,
	load func(context.Context, int64) (*T, error), metaOf func(*T) domain.Meta, write func() error) error {
	before, err := load(ctx, id)
	if err != nil {
		return err
	}
	bm := metaOf(before)
	m.Defaults(bm.Visibility)
	if err := check(ctx, Update, data(bm)); err != nil {
		return err
	}
	if err := check(ctx, Update, data(*m)); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	g.audit(ctx, "update", kind, id64(id), before, rec)
	return nil
}

// deleteData checks the record as stored, deletes and audits it.
func deleteData[T any](ctx context.Context, g *guarded, kind string, id int64,
	load func(context.Context, int64) (*T, error), metaOf func(*T) domain.Meta, del func(context.Context, int64) error) error {
	before, err := load(ctx, id)
	if err != nil {
		return err
	}
	if err := check(ctx, Delete, data(metaOf(before))); err != nil {
		return err
	}
	if err := del(ctx, id); err != nil {
		return err
	}
	g.audit(ctx, "delete", kind, id64(id), before, nil)
	return nil
}

func actorMeta(a *domain.Actor) domain.Meta     { return a.Meta }
func actionMeta(a *domain.Action) domain.Meta   { return a.Meta }
func fundingMeta(f *domain.Funding) domain.Meta { return f.Meta }

func (g *guarded) CreateActor(ctx context.Context, a *domain.Actor) error {
	return g.createData(ctx, "actor", &a.Meta, a, &a.ID, func() error { return g.Store.CreateActor(ctx, a) })
}

func (g *guarded) UpdateActor(ctx context.Context, a *domain.Actor) error {
	return updateData(ctx, g, "actor", a.ID, &a.Meta, a, g.Store.Actor, actorMeta, func() error { return g.Store.UpdateActor(ctx, a) })
}

func (g *guarded) DeleteActor(ctx context.Context, id int64) error {
	return deleteData(ctx, g, "actor", id, g.Store.Actor, actorMeta, g.Store.DeleteActor)
}

func (g *guarded) CreateAction(ctx context.Context, a *domain.Action) error {
	return g.createData(ctx, "action", &a.Meta, a, &a.ID, func() error { return g.Store.CreateAction(ctx, a) })
}

func (g *guarded) UpdateAction(ctx context.Context, a *domain.Action) error {
	return updateData(ctx, g, "action", a.ID, &a.Meta, a, g.Store.Action, actionMeta, func() error { return g.Store.UpdateAction(ctx, a) })
}

func (g *guarded) DeleteAction(ctx context.Context, id int64) error {
	return deleteData(ctx, g, "action", id, g.Store.Action, actionMeta, g.Store.DeleteAction)
}

// A funding is written by whoever owns it, and its action must be visible
// to the writer.

func (g *guarded) CreateFunding(ctx context.Context, f *domain.Funding) error {
	return g.createData(ctx, "funding", &f.Meta, f, &f.ID, func() error {
		if domain.HasPrincipal(ctx) {
			if _, err := g.Store.Action(ctx, f.ActionID); err != nil {
				return err
			}
		}
		return g.Store.CreateFunding(ctx, f)
	})
}

func (g *guarded) UpdateFunding(ctx context.Context, f *domain.Funding) error {
	return updateData(ctx, g, "funding", f.ID, &f.Meta, f, g.Store.Funding, fundingMeta, func() error { return g.Store.UpdateFunding(ctx, f) })
}

func (g *guarded) DeleteFunding(ctx context.Context, id int64) error {
	return deleteData(ctx, g, "funding", id, g.Store.Funding, fundingMeta, g.Store.DeleteFunding)
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
