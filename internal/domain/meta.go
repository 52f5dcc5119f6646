package domain

import "time"

// Visibility says who may read a record (see the accounts design: the
// enforcement comes with organisations and roles; every record carries it now).
type Visibility string

const (
	VisibilityPrivate  Visibility = "private"  // its owner organisation only
	VisibilityPartners Visibility = "partners" // organisations sharing a diagnostic or body with the owner
	VisibilityNetwork  Visibility = "network"  // every organisation of the instance
	VisibilityPublic   Visibility = "public"   // anyone, including the public map and open-data exports
)

// Valid reports whether v is one of the four visibilities.
func (v Visibility) Valid() bool {
	switch v {
	case VisibilityPrivate, VisibilityPartners, VisibilityNetwork, VisibilityPublic:
		return true
	}
	return false
}

// InstanceOrganisation is the organisation that owns what the instance itself
// loads (COG, demo content, imports run from the command line).
const InstanceOrganisation int64 = 1

// Meta is carried by every record: who owns it, who may see it, when it was
// created and changed, and its version for optimistic concurrency (an update
// must carry the version it read; a stale one is a conflict).
type Meta struct {
	OwnerOrg   int64      `json:"owner_org"`
	Visibility Visibility `json:"visibility"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int64      `json:"version"`
}

// Defaults fills an empty owner and visibility.
func (m *Meta) Defaults(vis Visibility) {
	if m.OwnerOrg == 0 {
		m.OwnerOrg = InstanceOrganisation
	}
	if m.Visibility == "" {
		m.Visibility = vis
	}
}

func (m *Meta) validate(v *Validation) {
	if !m.Visibility.Valid() {
		v.Add("visibility", "visibilité inconnue %q (attendu : private, partners, network, public)", m.Visibility)
	}
}
