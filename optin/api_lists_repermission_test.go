package optin_test

import (
	"fmt"
	"testing"

	"github.com/postbode/postbode/optin"
)

func TestListRepermissionFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var l optin.List
	if got := e.do("admin", "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`, &l); got != 201 {
		t.Fatalf("create: %d", got)
	}
	if l.RepermissionMonths != 0 || l.RepermissionGraceDays != 30 {
		t.Fatalf("defaults: %d months, %d days; want 0 and 30", l.RepermissionMonths, l.RepermissionGraceDays)
	}
	if got := e.do("admin", "PATCH", fmt.Sprintf("/api/v1/lists/%d", l.ID), `{"repermission_months":24,"repermission_grace_days":14}`, &l); got != 200 {
		t.Fatalf("update: %d", got)
	}
	var back optin.List
	e.do("viewer", "GET", fmt.Sprintf("/api/v1/lists/%d", l.ID), nil, &back)
	if back.RepermissionMonths != 24 || back.RepermissionGraceDays != 14 || back.Name != "News" {
		t.Fatalf("stored: %+v", back)
	}
}
