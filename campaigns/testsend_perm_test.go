package campaigns_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// senderOnly authenticates every secret as a custom role that may send
// campaigns but not read contacts.
type senderOnly struct{}

func (senderOnly) AuthenticateToken(_ context.Context, _ string, ip netip.Addr) (access.Actor, error) {
	return access.Actor{TokenID: 1, TokenName: "sender", DepartmentID: access.DefaultDepartment, Role: "sender",
		Perms: access.NewSet(access.CampaignsRead, access.CampaignsSend), IP: ip}, nil
}

// TestTestSendWithContactNeedsContactsRead: a test send with a real
// contact's merge fields shows that contact's name and fields to whoever
// reads the test mail, as a preview does; like a preview it needs
// contacts.read. With the sample contact campaigns.send is enough.
func TestTestSendWithContactNeedsContactsRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	l := f.list("news")
	ids := f.contacts("perm", 1, "confirmed", l)
	c := f.create("Hi {{.Contact.Name}}", l)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), senderOnly{}, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(rt, campaigns.NewAPI(f.svc))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	send := func(body map[string]any) int {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", hs.URL+"/api/v1/campaigns/"+itoa(c.ID)+"/test", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, body := range []map[string]any{
		{"addresses": []string{"me@example.net"}, "contact_id": ids[0]},
		{"addresses": []string{"me@example.net"}, "contact_email": email("perm", 1)},
	} {
		if code := send(body); code != 403 {
			t.Errorf("test send %v without contacts.read: %d, want 403", body, code)
		}
	}
	if code := send(map[string]any{"addresses": []string{"me@example.net"}}); code != 200 {
		t.Errorf("test send with the sample contact: %d, want 200", code)
	}
	if n := f.sink.count("me@example.net"); n != 1 {
		t.Errorf("%d test mails sent, want 1 (the sample's)", n)
	}
}
