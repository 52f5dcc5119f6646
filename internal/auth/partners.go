package auth

import (
	"context"
	"slices"
	"sync"
	"time"

	"maillage/internal/domain"
)

// Partners of an organisation, for the "partners" visibility: the explicit
// partnerships (table partnerships, set by administrators), plus every
// organisation that shares a diagnostic (owner or participant) or a
// governance body (owner or member) with it.

type diagnosticLister interface {
	Diagnostics(ctx context.Context, f domain.DiagnosticFilter) (domain.Page[domain.Diagnostic], error)
}

type bodyLister interface {
	Bodies(ctx context.Context, f domain.BodyFilter) (domain.Page[domain.Body], error)
}

type dataVersioner interface {
	DataVersion(ctx context.Context) (int64, error)
}

// SharedWorkTTL bounds how long the shared-work partners of an organisation
// are reused (diagnostic changes do not move the data version; body changes
// do, and clear the cache at once).
var SharedWorkTTL = 10 * time.Second

// sharedWork finds the organisations an organisation works with in
// diagnostics and governance bodies; results are cached for SharedWorkTTL
// or until the data version moves.
type sharedWork struct {
	diags    diagnosticLister
	bodies   bodyLister
	versions dataVersioner

	mu      sync.Mutex
	version int64
	since   time.Time
	cache   map[int64][]int64
}

// UseSharedWork makes diagnostics and governance bodies of st (or of a store
// it wraps: Unwrap) count as partnerships. Without it, only explicit
// partnerships count.
func (s *Service) UseSharedWork(st any) {
	sw := &sharedWork{}
	for base := st; base != nil; {
		if d, ok := base.(diagnosticLister); ok && sw.diags == nil {
			sw.diags = d
		}
		if b, ok := base.(bodyLister); ok && sw.bodies == nil {
			sw.bodies = b
		}
		if v, ok := base.(dataVersioner); ok && sw.versions == nil {
			sw.versions = v
		}
		u, ok := base.(interface{ Unwrap() domain.Store })
		if !ok {
			break
		}
		base = u.Unwrap()
	}
	if sw.versions != nil && (sw.diags != nil || sw.bodies != nil) {
		s.shared = sw
	}
}

// partners returns the partners of org (sorted, without org itself).
func (s *Service) partners(ctx context.Context, org int64) ([]int64, error) {
	out, err := s.Accounts.Partners(ctx, org)
	if err != nil {
		return nil, err
	}
	if s.shared != nil {
		more, err := s.shared.of(ctx, org)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(id int64) bool { return id == org || id <= 0 }), nil
}

func (sw *sharedWork) of(ctx context.Context, org int64) ([]int64, error) {
	// Trusted reads: every diagnostic and body the organisation takes part
	// in counts, whatever their own visibility.
	ctx = trusted(ctx)
	v, err := sw.versions.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	sw.mu.Lock()
	if now := time.Now(); sw.version != v || sw.cache == nil || now.Sub(sw.since) >= SharedWorkTTL {
		sw.version, sw.since, sw.cache = v, now, map[int64][]int64{}
	}
	if ids, ok := sw.cache[org]; ok {
		sw.mu.Unlock()
		return ids, nil
	}
	sw.mu.Unlock()
	var ids []int64
	if sw.diags != nil {
		p, err := sw.diags.Diagnostics(ctx, domain.DiagnosticFilter{Org: org, Limit: 1 << 20})
		if err != nil {
			return nil, err
		}
		for _, d := range p.Items {
			ids = append(ids, d.OwnerOrg)
			for _, pa := range d.Participants {
				ids = append(ids, pa.OrgID)
			}
		}
	}
	if sw.bodies != nil {
		p, err := sw.bodies.Bodies(ctx, domain.BodyFilter{Member: org, Limit: 1 << 20})
		if err != nil {
			return nil, err
		}
		for _, b := range p.Items {
			ids = append(ids, b.OwnerOrg)
			for _, m := range b.Members {
				ids = append(ids, m.OrgID)
			}
		}
	}
	sw.mu.Lock()
	if sw.version == v {
		sw.cache[org] = ids
	}
	sw.mu.Unlock()
	return ids, nil
}

// trusted returns ctx when it carries no principal, else a fresh context
// (the middleware resolves partners before it records the principal, so the
// second case is a safety net).
func trusted(ctx context.Context) context.Context {
	if !domain.HasPrincipal(ctx) {
		return ctx
	}
	return context.Background()
}
