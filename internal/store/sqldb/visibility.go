package sqldb

// Visibility filtering of reads (owned by the accounts work, internal/auth):
// every read of owned records (actors, actions, fundings; territories and
// indicators, whose rows carry an owner and a visibility too, and indicator
// values through their indicator) adds the condition
// of auth.VisibilityWhere for the principal of the request, so a record the
// caller may not see does not exist for it: by id, in a list, a filter, a
// count, or a stream (exports). A context that went through no
// authentication (command line, jobs, tests: domain.HasPrincipal false) is
// trusted and reads everything.

import (
	"context"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/domain"
)

// visibleCond returns the condition on alias for ctx, or "" when ctx is trusted.
func (s *DB) visibleCond(ctx context.Context, alias string) string {
	if !domain.HasPrincipal(ctx) {
		return ""
	}
	if alias != "" {
		alias += "."
	}
	return auth.VisibilityWhere(domain.PrincipalFrom(ctx), alias+"owner_org", alias+"visibility")
}

// andVisible returns " AND <condition>" to append to a query that already
// has a WHERE clause and nothing after it.
func (s *DB) andVisible(ctx context.Context, alias string) string {
	if c := s.visibleCond(ctx, alias); c != "" {
		return " AND " + c
	}
	return ""
}

// visibleQuery inserts the condition into q before its ORDER BY: as a WHERE
// clause when q has none, with AND otherwise.
func (s *DB) visibleQuery(ctx context.Context, q, alias string) string {
	c := s.visibleCond(ctx, alias)
	if c == "" {
		return q
	}
	i := strings.LastIndex(q, " ORDER BY ")
	if i < 0 {
		i = len(q)
	}
	kw := " WHERE "
	if strings.Contains(q[:i], " WHERE ") {
		kw = " AND "
	}
	return q[:i] + kw + c + q[i:]
}
