package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
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
