package privacy

import (
	"net/http"
	"strconv"
	"time"

	"github.com/postbode/postbode/internal/httpapi"
)

// The request and report routes of the privacy API.

func (a *API) listRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status, kind := q.Get("status"), q.Get("kind")
	if status != "" && status != RequestOpen && status != RequestDone && status != RequestRejected {
		return httpapi.Invalid("status", "must be open, done or rejected")
	}
	if kind != "" && !validKind(kind) {
		return errKind
	}
	items, err := a.S.ListRequests(r.Context(), status, kind, p.After, p.Limit)
	if err != nil {
		return err
	}
	// The list shows contact ids, IPs and user agents: a bulk read.
	if err := a.S.Audit(r.Context(), Entry{Actor: httpapi.Actor(r.Context()), Action: ActionBulkRead,
		TargetKind: "request", Count: int64(min(len(items), p.Limit)), Cause: "requests"}); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(x Request) int64 { return x.ID }))
	return nil
}

func (a *API) getRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	req, err := a.S.GetRequest(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, req)
	return nil
}

func (a *API) fulfil(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
			return err
		}
	}
	req, err := a.S.FulfilNote(r.Context(), id, httpapi.Actor(r.Context()), in.Note)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, req)
	return nil
}

type rejectInput struct {
	Reason string `json:"reason"`
}

func (a *API) reject(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in rejectInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	req, err := a.S.Reject(r.Context(), id, httpapi.Actor(r.Context()), in.Reason)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, req)
	return nil
}

// reportFormat reads ?format=json|csv.
func reportFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return "json", nil
	case "csv":
		return "csv", nil
	}
	return "", httpapi.Invalid("format", "must be json or csv")
}

// writeCSV writes a CSV download (RFC 4180) with a header row.
func writeCSV(w http.ResponseWriter, name string, header []string, rows [][]string) {
	httpapi.WriteCSV(w, name, header, rows)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func originFilter(r *http.Request) (OriginFilter, error) {
	q := r.URL.Query()
	f := OriginFilter{List: q.Get("list"), Source: q.Get("source")}
	for _, x := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(x.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, httpapi.Invalid(x.name, "must be an RFC 3339 time, e.g. 2024-01-31T00:00:00Z")
			}
			*x.to = t
		}
	}
	return f, nil
}

func (a *API) reportOrigin(w http.ResponseWriter, r *http.Request) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	f, err := originFilter(r)
	if err != nil {
		return err
	}
	rows, err := a.S.OptinOrigin(r.Context(), f, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	if format == "csv" {
		out := make([][]string, len(rows))
		for i, x := range rows {
			lid := ""
			if x.ListID != nil {
				lid = i64(*x.ListID)
			}
			out[i] = []string{lid, x.List, x.Source, i64(x.Contacts), i64(x.Records), i64(x.Subscribed), ts(x.First), ts(x.Last)}
		}
		writeCSV(w, ReportOptinOrigin, []string{"list_id", "list", "source", "contacts", "records", "subscribed", "first_at", "last_at"}, out)
		return nil
	}
	if rows == nil {
		rows = []OriginRow{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": rows})
	return nil
}

func (a *API) reportSegment(w http.ResponseWriter, r *http.Request) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	f, err := originFilter(r)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(r.Context())
	if format == "csv" {
		ids, err := a.S.OriginSegment(r.Context(), f, 0, 0, actor)
		if err != nil {
			return err
		}
		// Written as it goes: a segment can hold every contact.
		cw := httpapi.StartCSV(w, "optin-segment")
		cw.Write([]string{"contact_id"})
		for _, id := range ids {
			cw.Write([]string{i64(id)})
		}
		cw.Flush()
		return cw.Error()
	}
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	ids, err := a.S.OriginSegment(r.Context(), f, p.After, p.Limit, actor)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(ids, p.Limit, func(id int64) int64 { return id }))
	return nil
}

func (a *API) reportInventory(w http.ResponseWriter, r *http.Request) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	inv, err := a.S.Inventory(r.Context(), httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	if format == "csv" {
		out := make([][]string, len(inv.Fields))
		for i, x := range inv.Fields {
			out[i] = []string{x.Table, x.Field, i64(x.Filled), x.Unit}
		}
		writeCSV(w, ReportInventory, []string{"table", "field", "filled", "unit"}, out)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, inv)
	return nil
}

func (a *API) reportStars(w http.ResponseWriter, r *http.Request) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	st, err := a.S.Stars(r.Context(), httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	if format == "csv" {
		out := [][]string{}
		for _, k := range []string{"1", "2", "3", "4", "5"} {
			out = append(out, []string{k, "", i64(st.Stars[k])})
		}
		for _, c := range []string{RetentionInactive, RetentionBlocklisted, RetentionFloater} {
			out = append(out, []string{"1", c, i64(st.OneStar[c])})
		}
		writeCSV(w, ReportStars, []string{"stars", "one_star_cause", "contacts"}, out)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) reportRequests(w http.ResponseWriter, r *http.Request) error {
	format, err := reportFormat(r)
	if err != nil {
		return err
	}
	rows, err := a.S.OpenRequests(r.Context(), httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	if format == "csv" {
		out := make([][]string, len(rows))
		for i, x := range rows {
			out[i] = []string{i64(x.ID), x.Kind, x.Via, ts(x.VerifiedAt), ts(x.DueAt), strconv.Itoa(x.DaysLeft), strconv.FormatBool(x.Overdue)}
		}
		writeCSV(w, ReportRequests, []string{"id", "kind", "via", "verified_at", "due_at", "days_left", "overdue"}, out)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": rows})
	return nil
}
