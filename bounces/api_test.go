package bounces

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
)

const testTopic = "arn:aws:sns:eu-west-1:123456789012:ses-bounces"

type apiEnv struct {
	*env
	url       string
	tokens    map[string]string
	rt        *httpapi.Router
	mod       *API
	key       *rsa.PrivateKey
	fetched   atomic.Int32
	seq       atomic.Int32
	confirmed atomic.Value
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	e := &apiEnv{env: newEnv(t), tokens: map[string]string{}}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e.key = key
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	fetch := func(ctx context.Context, u string) (*x509.Certificate, error) {
		e.fetched.Add(1)
		return cert, nil
	}
	e.mod = NewAPI(APIOptions{Processor: e.proc, SNSTopics: []string{testTopic}, Verifier: NewSNSVerifier(fetch),
		Confirm: func(ctx context.Context, u string) error { e.confirmed.Store(u); return nil }})
	ts := apitoken.NewStore(e.db)
	mux := http.NewServeMux()
	e.rt = httpapi.NewRouter(mux, nil, ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(e.rt, e.mod)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	e.url = hs.URL
	for _, role := range apitoken.Roles {
		_, secret, err := ts.Create(t.Context(), role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

func (e *apiEnv) do(role, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func TestOpenAPIFragment(t *testing.T) {
	e := newAPIEnv(t)
	var routes []httpapi.Route
	for _, r := range e.rt.Routes() {
		if strings.Contains(r.Path, "bounces") {
			routes = append(routes, r)
		}
	}
	diff, err := httpapi.DiffOpenAPI(e.mod.OpenAPI(), routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	if _, err := httpapi.OpenAPI(e.mod); err != nil {
		t.Errorf("merging the fragment: %v", err)
	}
}

func TestAPIListsAndStats(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("quinten@example.org")
	camp := e.campaign(nil, c)
	e.report(&Report{Results: []Result{hardResult(c.Email)}}, claims(c, camp))
	e.report(&Report{Results: []Result{{Recipient: c.Email, Class: Block, Reason: "blocked", Status: "5.7.1", Action: "failed"}}}, claims(c, camp))

	var page struct {
		Items      []Bounce `json:"items"`
		NextCursor string   `json:"next_cursor"`
	}
	code, raw := e.do("marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d/bounces?limit=1", c.ID), nil)
	if code != 200 || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].Class != "hard" {
		t.Fatalf("contact bounces page 1: %d %s", code, raw)
	}
	code, raw = e.do("privacy", "GET", fmt.Sprintf("/api/v1/contacts/%d/bounces?limit=1&cursor=%s", c.ID, page.NextCursor), nil)
	page.Items, page.NextCursor = nil, ""
	if code != 200 || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 || page.NextCursor != "" || page.Items[0].Class != "block" {
		t.Fatalf("contact bounces page 2: %d %s", code, raw)
	}
	code, raw = e.do("marketer", "GET", fmt.Sprintf("/api/v1/campaigns/%d/bounces", camp), nil)
	if code != 200 || !strings.Contains(string(raw), `"userunknown"`) {
		t.Fatalf("campaign bounces: %d %s", code, raw)
	}
	// Listing a campaign's bounces (or the unauthenticated evidence) reads
	// many addresses: each read is audited with who and how many rows.
	var n int64
	if err := e.db.QueryRow(context.Background(), `SELECT count FROM audit_log WHERE action = 'bulk-read'
		AND target_kind = 'campaign' AND target_id = $1 AND actor LIKE 'token:%marketer%'`, camp).Scan(&n); err != nil || n != 2 {
		t.Errorf("campaign bounces read: audit count %d, %v", n, err)
	}
	if code, raw := e.do("marketer", "GET", "/api/v1/bounces/unauthenticated", nil); code != 200 {
		t.Fatalf("unauthenticated: %d %s", code, raw)
	}
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'bulk-read'
		AND target_kind = 'report' AND cause = 'unauthenticated bounces'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("unauthenticated read: %d audit entries, %v", n, err)
	}
	for _, p := range []string{"/api/v1/contacts/999999/bounces", "/api/v1/campaigns/999999/bounces"} {
		if code, raw := e.do("marketer", "GET", p, nil); code != 404 {
			t.Errorf("GET %s: %d %s, want 404", p, code, raw)
		}
	}
	// Bounce rows are personal data: the viewer may not read them.
	if code, _ := e.do("viewer", "GET", fmt.Sprintf("/api/v1/contacts/%d/bounces", c.ID), nil); code != 403 {
		t.Errorf("viewer reading bounces: %d, want 403", code)
	}
	var st struct {
		Items []Stat `json:"items"`
	}
	code, raw = e.do("viewer", "GET", fmt.Sprintf("/api/v1/bounces/stats?campaign_id=%d", camp), nil)
	if code != 200 || json.Unmarshal(raw, &st) != nil || len(st.Items) != 2 {
		t.Fatalf("stats: %d %s", code, raw)
	}
	if code, raw := e.do("viewer", "GET", "/api/v1/bounces/stats?since=yesterday", nil); code != 422 || !strings.Contains(string(raw), `"field":"since"`) {
		t.Errorf("bad since: %d %s", code, raw)
	}
}

// snsMessage builds a signed SNS message.
func (e *apiEnv) sns(typ, message, certURL, version string) SNSMessage {
	m := SNSMessage{Type: typ, MessageID: fmt.Sprintf("b0b-%d", e.seq.Add(1)), TopicArn: testTopic, Message: message,
		Timestamp: time.Now().UTC().Format(time.RFC3339), SignatureVersion: version, SigningCertURL: certURL}
	if typ == "SubscriptionConfirmation" {
		m.Token = "tok"
		m.SubscribeURL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=tok"
	}
	return e.sign(m)
}

// sign signs m with the test certificate's key (m.SignatureVersion).
func (e *apiEnv) sign(m SNSMessage) SNSMessage {
	version := m.SignatureVersion
	var sig []byte
	var err error
	if version == "1" {
		d := sha1.Sum([]byte(m.StringToSign()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, e.key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256([]byte(m.StringToSign()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, e.key, crypto.SHA256, d[:])
	}
	if err != nil {
		e.t.Fatal(err)
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	return m
}

const certURL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem"

func sesBounceJSON(source, email, typ, sub, status, diag string) string {
	b, _ := json.Marshal(map[string]any{
		"notificationType": "Bounce",
		"bounce": map[string]any{"bounceType": typ, "bounceSubType": sub,
			"bouncedRecipients": []map[string]string{{"emailAddress": email, "action": "failed", "status": status, "diagnosticCode": diag}}},
		"mail": map[string]any{"source": source, "messageId": "0100-abc", "headers": []map[string]string{{"name": "Subject", "value": "news"}}},
	})
	return string(b)
}

// Amazon SES via SNS: valid signatures (versions 1 and 2) are applied; a
// forged signature, a certificate URL off the SNS hosts and an unknown topic
// are refused and change nothing; a subscription is confirmed.
func TestSNSWebhook(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("rosa@example.org")
	for i, v := range []string{"1", "2"} {
		camp := e.campaign(nil, c)
		msg := e.sns("Notification", sesBounceJSON(e.verp(c, camp), c.Email, "Permanent", "General", "5.1.1",
			"smtp; 550 5.1.1 user unknown"), certURL, v)
		if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", msg); code != 204 {
			t.Fatalf("signature v%s: %d %s", v, code, raw)
		}
		if s := e.state(c); s.Hard != i+1 {
			t.Fatalf("after SNS v%s: hard_bounces %d", v, s.Hard)
		}
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE source = 'webhook' AND class = 'hard'`); n != 2 {
		t.Fatalf("webhook bounce rows = %d", n)
	}

	camp := e.campaign(nil, c)
	good := e.sns("Notification", sesBounceJSON(e.verp(c, camp), c.Email, "Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"), certURL, "2")
	tampered := good
	tampered.Message = strings.Replace(tampered.Message, "General", "NoEmail", 1)
	wrongKey := good
	wrongKey.Signature = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 256))
	fetchedBefore := e.fetched.Load()
	offHost := e.sns("Notification", good.Message, "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem", "2")
	httpCert := e.sns("Notification", good.Message, "http://sns.eu-west-1.amazonaws.com/cert.pem", "2")
	otherTopic := good
	otherTopic.TopicArn = "arn:aws:sns:eu-west-1:999999999999:other"
	for name, m := range map[string]SNSMessage{"tampered": tampered, "bad signature": wrongKey, "foreign cert host": offHost,
		"plain http cert": httpCert, "other topic": otherTopic} {
		if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", m); code != 403 {
			t.Errorf("%s: %d %s, want 403", name, code, raw)
		}
	}
	if e.fetched.Load() != fetchedBefore {
		t.Error("a certificate was fetched from a URL that is not an SNS host")
	}
	if s := e.state(c); s.Hard != 2 {
		t.Fatalf("a refused notification was applied: hard_bounces %d", s.Hard)
	}
	if v := testutil.ToFloat64(e.m.Webhook.WithLabelValues("sns", "bad_signature")); v != 4 {
		t.Errorf("bad_signature = %v, want 4", v)
	}

	// Subscription confirmation.
	sub := e.sns("SubscriptionConfirmation", "You have chosen to subscribe", certURL, "1")
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", sub); code != 204 {
		t.Fatalf("subscription confirmation: %d %s", code, raw)
	}
	if u, _ := e.confirmed.Load().(string); u != sub.SubscribeURL {
		t.Fatalf("SubscribeURL visited: %q", u)
	}

	// A transient SES bounce is soft; a complaint blocklists.
	d := e.contact("sander@example.org")
	msg := e.sns("Notification", sesBounceJSON("", d.Email, "Transient", "MailboxFull", "4.2.2", "smtp; 452 4.2.2 mailbox full"), certURL, "2")
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", msg); code != 204 {
		t.Fatalf("transient: %d %s", code, raw)
	}
	if s := e.state(d); s.Soft != 1 || s.Hard != 0 {
		t.Fatalf("transient SES bounce: %+v", s)
	}
	complaint, _ := json.Marshal(map[string]any{"notificationType": "Complaint",
		"complaint": map[string]any{"complainedRecipients": []map[string]string{{"emailAddress": d.Email}}, "complaintFeedbackType": "abuse"},
		"mail":      map[string]any{"source": "news@example.org"}})
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", e.sns("Notification", string(complaint), certURL, "1")); code != 204 {
		t.Fatalf("complaint: %d %s", code, raw)
	}
	if !e.state(d).Blocklisted {
		t.Fatal("SES complaint did not blocklist")
	}
}

// An SNS notification is applied once per MessageId (a replay answers
// 204 and changes nothing), and one
// whose signed Timestamp lies outside bounces.sns_replay_window is refused.
func TestSNSReplay(t *testing.T) {
	e := newAPIEnv(t)
	l := e.list("news")
	c := e.contact("quirine@example.org", l)
	camp := e.campaign([]int64{l}, c)
	msg := e.sns("Notification", sesBounceJSON(e.verp(c, camp), c.Email, "Transient", "MailboxFull", "4.2.2",
		"smtp; 452 4.2.2 mailbox full"), certURL, "2")
	for i := range 3 {
		if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", msg); code != 204 {
			t.Fatalf("delivery %d: %d %s", i, code, raw)
		}
	}
	if s := e.state(c); s.Soft != 1 {
		t.Fatalf("one notification delivered three times: soft_bounces %d, want 1", s.Soft)
	}
	if n := e.count(`SELECT count(*) FROM bounces WHERE contact_id = $1`, c.ID); n != 1 {
		t.Fatalf("%d bounce rows, want 1", n)
	}
	if v := testutil.ToFloat64(e.m.Webhook.WithLabelValues("sns", "duplicate")); v != 2 {
		t.Errorf("duplicate = %v, want 2", v)
	}
	for name, ts := range map[string]string{
		"two hours old":   time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339),
		"two hours ahead": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339),
		"no timestamp":    "",
		"not a timestamp": "yesterday",
	} {
		old := msg
		old.MessageID, old.Timestamp = "replay-"+name, ts
		if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", e.sign(old)); code != 403 || !strings.Contains(string(raw), "stale_message") {
			t.Errorf("%s: %d %s, want 403 stale_message", name, code, raw)
		}
	}
	if s := e.state(c); s.Soft != 1 {
		t.Fatalf("a stale notification was applied: soft_bounces %d", s.Soft)
	}
	// Within the window (an SNS retry some minutes later) with a new id: applied.
	late := e.sns("Notification", sesBounceJSON(e.verp(c, e.campaign([]int64{l}, c)), c.Email, "Transient", "MailboxFull", "4.2.2",
		"smtp; 452 4.2.2 mailbox full"), certURL, "2")
	late.Timestamp = time.Now().Add(-20 * time.Minute).UTC().Format(time.RFC3339Nano)
	if code, raw := e.do("", "POST", "/api/v1/bounces/webhooks/sns", e.sign(late)); code != 204 {
		t.Fatalf("late: %d %s", code, raw)
	}
	if s := e.state(c); s.Soft != 2 {
		t.Fatalf("a notification within the window: soft_bounces %d, want 2", s.Soft)
	}
}

func TestGenericWebhook(t *testing.T) {
	e := newAPIEnv(t)
	c := e.contact("tom@example.org")
	u := e.contact("ursula@example.org")
	camp := e.campaign(nil, c)
	body := map[string]any{"events": []map[string]any{
		{"type": "bounce", "return_path": e.verp(c, camp), "reply_code": 550, "status": "5.1.1", "diagnostic": "550 5.1.1 no such user"},
		{"type": "complaint", "recipient": u.Email},
		{"type": "bounce", "recipient": "nobody@example.org", "class": "hard"},
	}}
	code, raw := e.do("marketer", "POST", "/api/v1/bounces/webhooks/generic", body)
	if code != 200 || !strings.Contains(string(raw), `"outcomes":["bounce","complaint","uncorrelated"]`) {
		t.Fatalf("generic: %d %s", code, raw)
	}
	if e.state(c).Hard != 1 || !e.state(u).Blocklisted {
		t.Fatalf("consequences not applied: %+v %+v", e.state(c), e.state(u))
	}
	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{"events": []map[string]any{{"type": "bounced", "recipient": "a@b.c"}}}, "events[0].type"},
		{map[string]any{"events": []map[string]any{{"type": "bounce", "recipient": "a@b.c"}, {"type": "bounce"}}}, "events[1].recipient"},
		{map[string]any{"events": []map[string]any{{"type": "bounce", "recipient": "a@b.c", "class": "fatal"}}}, "events[0].class"},
		{map[string]any{"events": []map[string]any{}}, "events"},
		{map[string]any{"events": []map[string]any{{"type": "bounce", "recipient": "a@b.c", "diagnostic": "550\x00"}}}, "events[0].diagnostic"},
		{map[string]any{"events": []map[string]any{{"Type": "bounce", "recipient": "a@b.c"}}}, "events[0].Type"},
	} {
		code, raw := e.do("marketer", "POST", "/api/v1/bounces/webhooks/generic", bad.body)
		if code != 422 || !strings.Contains(string(raw), `"field":"`+bad.field+`"`) {
			t.Errorf("bad body %v: %d %s, want 422 naming %s", bad.body, code, raw, bad.field)
		}
	}
	if code, _ := e.do("viewer", "POST", "/api/v1/bounces/webhooks/generic", body); code != 403 {
		t.Errorf("viewer: %d, want 403", code)
	}
	if code, _ := e.do("", "POST", "/api/v1/bounces/webhooks/generic", body); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
}
