package form

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/privacy"
)

// MomentLayout is how a date-time input (type datetime-local) sends a
// moment: on the organisation's clock, without a zone.
const MomentLayout = "2006-01-02T15:04"

// BreachForm records a data breach or updates one (the register of GDPR
// art. 33(5)). The fields are those of privacy.BreachInput, which checks
// them (the one rule the API follows too); times are on the
// organisation's clock.
type BreachForm struct {
	// DiscoveredAt (required) and the notification times: MomentLayout.
	DiscoveredAt string
	// Nature (required): what happened.
	Nature string
	// Categories: the categories of personal data, separated by commas.
	Categories                  string
	PeopleApprox, RecordsApprox string
	Consequences, Measures      string
	// Authority and People: pending, notified or not-required.
	Authority, AuthorityNotifiedAt, AuthorityNote string
	People, PeopleNotifiedAt, PeopleNote          string
}

// NewBreachForm reads the breach form.
func NewBreachForm(r *http.Request) *BreachForm {
	return &BreachForm{DiscoveredAt: value(r, "discovered_at"), Nature: value(r, "nature"), Categories: value(r, "categories"),
		PeopleApprox: value(r, "people_approx"), RecordsApprox: value(r, "records_approx"),
		Consequences: value(r, "consequences"), Measures: value(r, "measures"),
		Authority: value(r, "authority"), AuthorityNotifiedAt: value(r, "authority_notified_at"), AuthorityNote: value(r, "authority_note"),
		People: value(r, "people"), PeopleNotifiedAt: value(r, "people_notified_at"), PeopleNote: value(r, "people_note")}
}

// BreachFormOf is the form filled with breach b, its times in loc.
func BreachFormOf(b privacy.Breach, loc *time.Location) *BreachForm {
	moment := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(MomentLayout)
	}
	return &BreachForm{DiscoveredAt: moment(&b.DiscoveredAt), Nature: b.Nature, Categories: strings.Join(b.Categories, ", "),
		PeopleApprox: strconv.FormatInt(b.PeopleApprox, 10), RecordsApprox: strconv.FormatInt(b.RecordsApprox, 10),
		Consequences: b.Consequences, Measures: b.Measures,
		Authority: b.Authority, AuthorityNotifiedAt: moment(b.AuthorityNotifiedAt), AuthorityNote: b.AuthorityNote,
		People: b.People, PeopleNotifiedAt: moment(b.PeopleNotifiedAt), PeopleNote: b.PeopleNote}
}

// Input is the domain's input with the form's own errors (a field that
// is missing or no date-time or number); times are read in loc. Every
// field is given, so an update sets them all as the form shows them.
func (f *BreachForm) Input(loc *time.Location) (privacy.BreachInput, Errors) {
	e := Errors{}
	in := privacy.BreachInput{Nature: &f.Nature, Consequences: &f.Consequences, Measures: &f.Measures,
		Authority: &f.Authority, AuthorityNote: &f.AuthorityNote, People: &f.People, PeopleNote: &f.PeopleNote,
		Categories: []string{}}
	if f.Authority == "" {
		in.Authority = nil
	}
	if f.People == "" {
		in.People = nil
	}
	if f.DiscoveredAt == "" {
		e["discovered_at"] = "breach.err.discovered"
	} else if t, bad := moment(f.DiscoveredAt, loc); bad == "" {
		in.DiscoveredAt = &t
	} else {
		e["discovered_at"] = bad
	}
	if f.Nature == "" {
		e["nature"] = "breach.err.nature"
	}
	for _, c := range strings.Split(f.Categories, ",") {
		if c = trim(c); c != "" {
			in.Categories = append(in.Categories, c)
		}
	}
	in.PeopleApprox = count(f.PeopleApprox, "people_approx", e)
	in.RecordsApprox = count(f.RecordsApprox, "records_approx", e)
	for _, n := range []struct {
		field string
		text  string
		to    **time.Time
	}{{"authority_notified_at", f.AuthorityNotifiedAt, &in.AuthorityNotifiedAt}, {"people_notified_at", f.PeopleNotifiedAt, &in.PeopleNotifiedAt}} {
		if n.text == "" {
			continue
		}
		t, bad := moment(n.text, loc)
		if bad != "" {
			e[n.field] = bad
			continue
		}
		*n.to = &t
	}
	return in, e
}

// moment parses a datetime-local value on the clock of loc
// (humantime.ParseLocal: a time the clocks skip is refused, one that
// happens twice is the first); bad is the error's text key ("" when it
// parsed).
func moment(s string, loc *time.Location) (t time.Time, bad string) {
	t, err := humantime.ParseLocal(MomentLayout, s, loc)
	switch {
	case errors.Is(err, humantime.ErrSkipped):
		return t, "breach.err.skipped"
	case err != nil:
		return t, "breach.err.moment"
	}
	return t, ""
}

// count parses a count (empty: 0); a wrong one is an error of field.
func count(s, field string, e Errors) *int64 {
	if s == "" {
		var zero int64
		return &zero
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		e[field] = "breach.err.count"
		return nil
	}
	return &n
}
