package form

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func post(vals url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/console/x", strings.NewReader(vals.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestLoginFormNextStaysInTheConsole(t *testing.T) {
	for next, want := range map[string]string{
		"/console/contacts?q=a": "/console/contacts?q=a",
		"https://evil.example/": "/console/",
		"//evil.example/":       "/console/",
		"/api/v1/contacts":      "/console/",
		"":                      "/console/",
	} {
		f := NewLoginForm(post(url.Values{"next": {next}, "code": {"123 456"}}))
		if f.Next != want {
			t.Errorf("next %q: got %q, want %q", next, f.Next, want)
		}
		if f.Code != "123456" {
			t.Errorf("code %q", f.Code)
		}
	}
	// The code is optional in the form: the staff service asks for it.
	if e := NewLoginForm(post(url.Values{})).Validate(); len(e) != 2 || e["email"] == "" || e["password"] == "" {
		t.Errorf("empty login form: %v", e)
	}
}

func TestScheduleForm(t *testing.T) {
	tests := []struct {
		date, tm, zone, err string
		utc                 string
	}{
		{"2027-03-01", "09:00", "Europe/Amsterdam", "", "2027-03-01T08:00:00Z"},
		{"2027-07-01", "09:00", "Europe/Amsterdam", "", "2027-07-01T07:00:00Z"},
		{"2027-03-01", "09:00", "Mars/Olympus", "zone", ""},
		{"2027-02-30", "09:00", "UTC", "date", ""},
		{"2027-03-01", "9h", "UTC", "date", ""},
	}
	for _, tc := range tests {
		f := NewScheduleForm(post(url.Values{"date": {tc.date}, "time": {tc.tm}, "zone": {tc.zone}}))
		e := f.Validate()
		if tc.err != "" {
			if e[tc.err] == "" {
				t.Errorf("%+v: want an error on %s, got %v", tc, tc.err, e)
			}
			continue
		}
		if len(e) > 0 || f.At.UTC().Format("2006-01-02T15:04:05Z") != tc.utc {
			t.Errorf("%+v: %v %v", tc, e, f.At.UTC())
		}
	}
}

func TestContactSearchForm(t *testing.T) {
	r := httptest.NewRequest("GET", "/console/contacts?q=+an+&status=active&stars=3&list=news", nil)
	f := NewContactSearchForm(r)
	if e := f.Validate(); len(e) > 0 {
		t.Fatal(e)
	}
	flt := f.Filter(7)
	if flt.Query != "an" || flt.Stars != 3 || flt.ListID != 7 || flt.Status != "active" {
		t.Errorf("filter %+v", flt)
	}
	if v := f.Values().Encode(); v != "list=news&q=an&stars=3&status=active" {
		t.Errorf("pager values %q", v)
	}
	bad := NewContactSearchForm(httptest.NewRequest("GET", "/console/contacts?status=gone&stars=9", nil)).Validate()
	if bad["status"] == "" || bad["stars"] == "" {
		t.Errorf("bad filters accepted: %v", bad)
	}
}

func TestPurgeAndForgetForms(t *testing.T) {
	if _, e := NewPurgeForm(post(url.Values{"non_responders": {"1"}})).Input(nil); e["deadline"] == "" {
		t.Error("non-responders without a deadline accepted")
	}
	in, e := NewPurgeForm(post(url.Values{"non_responders": {"1"}, "deadline": {"2026-11-01"}})).Input(nil)
	if len(e) > 0 || in.Deadline == nil || !in.NonResponders {
		t.Errorf("purge input %+v %v", in, e)
	}
	if e := NewForgetForm(post(url.Values{"ground": {"whim"}})).Validate(); e["ground"] == "" || e["confirm"] == "" {
		t.Errorf("forget without ground and tick: %v", e)
	}
	if e := NewForgetForm(post(url.Values{"ground": {"objection"}, "confirm": {"1"}})).Validate(); len(e) > 0 {
		t.Errorf("valid forget form: %v", e)
	}
}

// TestDatesAreDaysOnTheClock: a date typed in a form (a legal hold's last
// day, a purge's answer deadline) is a day on the organisation's clock
// read by humantime.ParseDay, also where that day's midnight never
// happens: in America/Santiago the clocks go from 2027-09-04 24:00 to
// 2027-09-05 01:00, so a hold through the 4th ends at 01:00 on the 5th
// (04:00 UTC), not an hour before, and a deadline of the 5th starts then.
func TestDatesAreDaysOnTheClock(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	want := time.Date(2027, 9, 5, 4, 0, 0, 0, time.UTC)
	in, e := (&HoldForm{Scope: "all", Reason: "tax", Until: "2027-09-04"}).Input(scl)
	if len(e) > 0 || !in.Until.Equal(want) {
		t.Errorf("hold through 2027-09-04 in Santiago ends %s (%v), want %s", in.Until.UTC(), e, want)
	}
	p, e := NewPurgeForm(post(url.Values{"non_responders": {"1"}, "deadline": {"2027-09-05"}})).Input(scl)
	if len(e) > 0 || p.Deadline == nil || !p.Deadline.Equal(want) {
		t.Errorf("deadline 2027-09-05 in Santiago: %v (%v), want %s", p.Deadline, e, want)
	}
}
