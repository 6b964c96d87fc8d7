package console

import (
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/postbode/postbode/console/form"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/plural"
)

var (
	errForbidden = errs.Forbidden("forbidden", "not allowed")
	errCSRF      = errs.Forbidden("csrf", "form token missing or wrong")
)

// fail renders the error page: 404 for a missing thing, 403 for a refused
// action, 409 for a wrong state, 422 for bad input, 500 (logged) otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	// The shared request helpers (a path id, a page) answer bad input as
	// the API does; here it is bad input all the same, not a failure.
	if ae := (*httpapi.Error)(nil); errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
		err = errs.Invalid(ae.Field, ae.Message)
	}
	var e *errs.Error
	var mbe *http.MaxBytesError
	detailText := ""
	switch {
	case errors.Is(err, errCSRF):
		status, key = http.StatusForbidden, "error.csrf"
	case errors.As(err, &mbe):
		status, key = http.StatusRequestEntityTooLarge, "error.toolarge"
		detailText = plural.Sprintf(tr(pageLang(r), "error.toolarge.detail"), byteSize(pageLang(r), mbe.Limit))
	case errors.As(err, &e):
		switch e.Kind {
		case errs.KindNotFound:
			status, key = http.StatusNotFound, "error.notfound"
		case errs.KindForbidden:
			status, key = http.StatusForbidden, "error.forbidden"
		case errs.KindConflict:
			status, key = http.StatusConflict, "error.conflict"
		case errs.KindInvalid:
			status, key = http.StatusUnprocessableEntity, "error.invalid"
		case errs.KindUnavailable:
			status, key = http.StatusServiceUnavailable, "error.unavailable"
		}
	}
	if status == http.StatusInternalServerError {
		h.Log.Error("console: request failed", "path", r.URL.Path, "error", err)
	}
	p := h.newPage(r, "error", "")
	p.Set("Key", key)
	// A refusal says why only when the reason is about the action, not
	// about the person's access (beyond_own_permissions names the
	// permission the target holds and the actor lacks).
	if e != nil && status != http.StatusInternalServerError && (status != http.StatusForbidden || e.Code == "beyond_own_permissions") {
		detailText = detail(p.Lang, e)
	}
	if detailText != "" {
		p.Set("Detail", detailText)
	}
	if rerr := h.render(w, r, status, p); rerr != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

// invalid turns the errors of a form whose fields cannot be wrong when the
// page is used (selects, hidden fields) into one invalid-input error. Its
// message is the catalogue key, which the error page shows in the person's
// language (detail).
func invalid(e form.Errors) error {
	for _, f := range slices.Sorted(maps.Keys(e)) {
		return errs.Invalid(f, e[f])
	}
	return nil
}

var errNotFound = errs.NotFound("not_found", "not found")

// notFound is err, or a not-found error when err is nil (a thing of
// another kind was asked for).
func notFound(err error) error {
	if err != nil {
		return err
	}
	return errNotFound
}

// fieldError turns a domain validation error, or several joined (a form
// checked as a whole), into field errors for the form, in the language of
// r's page (ok false for any other error).
func fieldError(r *http.Request, err error) (map[string]string, bool) {
	fields := errs.Fields(err)
	if len(fields) == 0 {
		return nil, false
	}
	out := map[string]string{}
	for _, e := range fields {
		f := e.Field
		if f == "" {
			f = "form"
		}
		if _, seen := out[f]; !seen {
			out[f] = trMsg(pageLang(r), e.Message)
		}
	}
	return out, true
}

// formErrors are a form's errors when every wrong field shows at once: the
// form's own (catalogue keys, translated) and the domain's field errors in
// err (several joined: a form checked as a whole), each on the form's field
// place names, a field the form already names keeping the form's message.
// err that is no field error is returned.
func formErrors(r *http.Request, form map[string]string, err error, place func(string) string) (map[string]string, error) {
	out := map[string]string{}
	lang := pageLang(r)
	for f, k := range form {
		out[f] = tr(lang, k)
	}
	if err == nil {
		return out, nil
	}
	domain, ok := fieldError(r, err)
	if !ok {
		return nil, err
	}
	for _, f := range slices.Sorted(maps.Keys(domain)) {
		if ff := place(f); out[ff] == "" {
			out[ff] = domain[f]
		}
	}
	return out, nil
}

// byteSize writes a size limit for people in lang: whole MiB ("1 MiB"),
// else whole KiB rounded up, else bytes.
func byteSize(lang string, n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return plural.Sprintf(tr(lang, "size.mib"), n>>20)
	case n >= 1<<10:
		return plural.Sprintf(tr(lang, "size.kib"), (n+1023)>>10)
	}
	return plural.Sprintf(tr(lang, "size.bytes"), n)
}

// detail is e as the error page shows it: the field and the translated
// message (a catalogue key of invalid, or a domain package's message).
func detail(lang string, e *errs.Error) string {
	msg := trMsg(lang, e.Message)
	if _, ok := en[e.Message]; ok {
		msg = tr(lang, e.Message)
	}
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}
