package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"maillage/internal/domain"
)

func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

var frenchMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

func frenchDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.Itoa(t.Day()) + " " + frenchMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// pager describes a DSFR pagination.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
	Links              []pageLink
}

type pageLink struct {
	N       int
	Href    string
	Current bool
}

func newPager(r *http.Request, pageNo, per, total int) pager {
	p := pager{Page: pageNo, Total: total, Pages: (total + per - 1) / per}
	if p.Pages <= 1 {
		return p
	}
	href := func(n int) string {
		q := cloneQuery(r.URL.Query())
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if pageNo > 1 {
		p.Prev = href(pageNo - 1)
	}
	if pageNo < p.Pages {
		p.Next = href(pageNo + 1)
	}
	for n := max(1, pageNo-2); n <= min(p.Pages, pageNo+2); n++ {
		p.Links = append(p.Links, pageLink{n, href(n), n == pageNo})
	}
	return p
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// visibilities are the visibility choices of the data forms (actions,
// actors), widest first, with their labels in the form and on the pages.
var visibilities = []struct {
	V            domain.Visibility
	Label, Short string
}{
	{domain.VisibilityPublic, "Publique (visible sur la carte publique)", "publique"},
	{domain.VisibilityNetwork, "Réseau (toutes les organisations de l’instance)", "réseau (toutes les organisations de l’instance)"},
	{domain.VisibilityPartners, "Partenaires", "partenaires de l’organisation propriétaire"},
	{domain.VisibilityPrivate, "Privée (mon organisation)", "privée (organisation propriétaire seulement)"},
}

// visibilityOptions returns the options of a visibility select.
func visibilityOptions(cur domain.Visibility) []option {
	out := make([]option, len(visibilities))
	for i, v := range visibilities {
		out[i] = option{string(v.V), v.Label, v.V == cur}
	}
	return out
}

// visibilityLabel says who may see a record, in French.
func visibilityLabel(v domain.Visibility) string {
	for _, x := range visibilities {
		if x.V == v {
			return x.Short
		}
	}
	return string(v)
}

// formErrors groups field errors by form field (alias renames a domain
// field to the form's, e.g. "places" → "commune"; several reasons for one
// field are joined by " ; ") and builds the summary shown above a form:
// "Label : reason" in the order of the form's fields.
func formErrors(fe []domain.FieldError, labels map[string]string, order []string, alias map[string]string) (map[string]string, []domain.FieldError) {
	errs := map[string]string{}
	var summary []domain.FieldError
	for _, f := range fe {
		key := f.Field
		if a, ok := alias[key]; ok {
			key = a
		}
		if prev, ok := errs[key]; ok {
			errs[key] = prev + " ; " + f.Reason
		} else {
			errs[key] = f.Reason
		}
		label := labels[key]
		if label == "" {
			label = key
		}
		summary = append(summary, domain.FieldError{Field: key, Reason: label + " : " + f.Reason})
	}
	rank := func(f string) int {
		if i := slices.Index(order, f); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.SliceStable(summary, func(i, j int) bool { return rank(summary[i].Field) < rank(summary[j].Field) })
	return errs, summary
}

// okMessage is the confirmation shown after a Post/Redirect/Get: the
// message of the redirect's ?ok= code in the page's tables ("" for none).
func okMessage(r *http.Request, tables ...map[string]string) string {
	code := r.URL.Query().Get("ok")
	for _, t := range tables {
		if m, ok := t[code]; ok {
			return m
		}
	}
	return ""
}
