package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"maillage/internal/domain"
)

// recordForm is the create/edit flow shared by the forms of data records
// (actions, actors): permission, reading the form, validation (the form's
// own message for a field first), the writer's organisation as owner of a
// new record, the store write, then the answers to invalid data (422 with
// the fields), to a stale version (409, the stored version taken so that
// saving again overwrites knowingly) and to success (Post/Redirect/Get to
// the record's page with a message).
type recordForm[T any] struct {
	what       string // « une action », « un acteur »: for the refusals
	this       string // « cette action », « cet acteur »
	firstField string // where a validation message without a field goes
	page       string // the record pages' prefix: "/actions/"

	meta     func(x *T) *domain.Meta
	id       func(x *T) int64
	current  func(r *http.Request) (*T, error)
	read     func(r *http.Request, x *T) ([]domain.FieldError, map[string]string)
	validate func(x *T, ref *domain.Referentials) error
	create   func(ctx context.Context, x *T) error
	update   func(ctx context.Context, x *T) error
	render   func(w http.ResponseWriter, r *http.Request, status int, x *T, isNew bool, fe []domain.FieldError, conflict bool, raw map[string]string)
	// mayNotEdit is the refusal of an edit (nil: the generic one).
	mayNotEdit func(ctx context.Context) error
}

func (rf recordForm[T]) save(h *handler, w http.ResponseWriter, r *http.Request, isNew bool) {
	ctx := r.Context()
	if !h.canWrite(ctx) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte de contributeur pour enregistrer %s.", rf.what))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, domain.Errorf(domain.EINVALID, "Formulaire illisible."))
		return
	}
	x := new(T)
	if !isNew {
		cur, err := rf.current(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.canEditMeta(ctx, *rf.meta(cur)) {
			if rf.mayNotEdit != nil {
				h.fail(w, r, rf.mayNotEdit(ctx))
			} else {
				h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut modifier %s.", rf.this))
			}
			return
		}
		x = cur
		rf.meta(x).Version, _ = strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	}
	fe, raw := rf.read(r, x)
	ref, err := h.s.Referentials(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var de *domain.Error
	if verr := rf.validate(x, ref); errors.As(verr, &de) {
		for _, f := range de.Fields {
			// the form's own message is the clearer one (an empty list, a bad number)
			if !slices.ContainsFunc(fe, func(x domain.FieldError) bool { return x.Field == f.Field }) {
				fe = append(fe, f)
			}
		}
	}
	if len(fe) > 0 {
		rf.render(w, r, http.StatusUnprocessableEntity, x, isNew, fe, false, raw)
		return
	}
	if p := domain.PrincipalFrom(ctx); p != nil && isNew && p.OrgID != 0 {
		rf.meta(x).OwnerOrg = p.OrgID
	}
	if isNew {
		err = rf.create(ctx, x)
	} else {
		err = rf.update(ctx, x)
	}
	switch {
	case err == nil:
	case domain.ErrorCode(err) == domain.EINVALID:
		if errors.As(err, &de) {
			fe = de.Fields
			if len(fe) == 0 {
				fe = []domain.FieldError{{Field: rf.firstField, Reason: de.Message}}
			}
		}
		rf.render(w, r, http.StatusUnprocessableEntity, x, isNew, fe, false, raw)
		return
	case domain.ErrorCode(err) == domain.ECONFLICT && !isNew:
		if cur, err2 := rf.current(r); err2 == nil {
			rf.meta(x).Version = rf.meta(cur).Version // the user may now overwrite knowingly
		}
		rf.render(w, r, http.StatusConflict, x, isNew, nil, true, raw)
		return
	default:
		h.fail(w, r, err)
		return
	}
	// the cached lists (the action form's operators, the filters) and the
	// analysis must show the change
	h.sync(ctx)
	h.dataChanged()
	ok := "modifie"
	if isNew {
		ok = "cree"
	}
	http.Redirect(w, r, rf.page+strconv.FormatInt(rf.id(x), 10)+"?ok="+ok, http.StatusSeeOther)
}
