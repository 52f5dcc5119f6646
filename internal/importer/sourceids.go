package importer

import (
	"cmp"
	"slices"
	"strings"

	"maillage/internal/domain"
)

// Ids of the template name records of any source, as the export writes
// them: a plain id is an external id of source "import"; "<source>:<rest>",
// where <source> is a source of the store (or maillage, demo,
// data-inclusion:<x>), is the record of that source whose external id is
// <rest> (maillage:<n> for a record created in Maillage, whose external id
// is its id). So an export re-imports as is, updating records in place.

// knownSources are the sources an id prefix may name even when the store
// holds none of their records yet.
var knownSources = []string{domain.SourceMaillage, "demo"}

// addSource records a source of the store.
func (ai *actionImport) addSource(src string) {
	if src == domain.SourceImport || src == "" || slices.Contains(ai.sources, src) {
		return
	}
	ai.sources = append(ai.sources, src)
	// Longest first: "data-inclusion:dora" before a hypothetical "data-inclusion".
	slices.SortFunc(ai.sources, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

// resolveID splits an id of the template into a source and an external id.
func (ai *actionImport) resolveID(id string) (source, ext string) {
	if strings.IndexByte(id, ':') < 0 {
		return domain.SourceImport, id
	}
	for _, src := range ai.sources {
		if len(id) > len(src)+1 && id[len(src)] == ':' && strings.HasPrefix(id, src) {
			return src, id[len(src)+1:]
		}
	}
	if rest, ok := strings.CutPrefix(id, SourceDataInclusion); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 && i < len(rest)-1 {
			return SourceDataInclusion + rest[:i], rest[i+1:]
		}
	}
	return domain.SourceImport, id
}

// refKey is the key of a record in the id maps: its external id for source
// "import" (the common case, without allocating), else source and id
// behind a zero byte, which no typed id holds.
func refKey(source, ext string) string {
	if source == domain.SourceImport {
		return ext
	}
	return "\x00" + source + ":" + ext
}

// keyOf is the map key of an id of the template.
func (ai *actionImport) keyOf(id string) string { return refKey(ai.resolveID(id)) }

var visibilities = []domain.Visibility{"", domain.VisibilityPrivate, domain.VisibilityPartners, domain.VisibilityNetwork, domain.VisibilityPublic}

func visIndex(v domain.Visibility) uint8 {
	if i := slices.Index(visibilities, v); i > 0 {
		return uint8(i)
	}
	return 0
}

// keepOwnership gives a record that exists in the store its owner and
// visibility unless the import sets them (--owner, --visibility): an
// import updates the content, not who owns or sees it.
func (ai *actionImport) keepOwnership(owner int64, vis uint8, dstOwner *int64, dstVis *domain.Visibility) {
	if owner == 0 {
		return
	}
	if ai.opt.Owner == 0 {
		*dstOwner = owner
	}
	if ai.opt.Visibility == "" && vis > 0 {
		*dstVis = visibilities[vis]
	}
}

// exportColumns are the columns that exports add to the template: read
// (siret, territory, status) or derived from others (names, source), so
// not worth a warning. visibility is not read (an import keeps a record's
// visibility, or sets --visibility) and still gets one.
var exportColumns = map[string][]string{"actors": {"siret", "territory", "source"}, "actions": {"status", "operator_name", "source"},
	"fundings": {"action_title", "funder_name"}}
