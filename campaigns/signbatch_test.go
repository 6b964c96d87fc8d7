package campaigns_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/mta"
)

// failEvery is an RSA crypto.Signer that fails every nth signature.
type failEvery struct {
	key *rsa.PrivateKey
	n   int

	mu            sync.Mutex
	calls, failed int
}

func (f *failEvery) Public() crypto.PublicKey { return f.key.Public() }
func (f *failEvery) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls%f.n == 0
	if fail {
		f.failed++
	}
	f.mu.Unlock()
	if fail {
		return nil, errors.New("signer unavailable")
	}
	return f.key.Sign(r, digest, opts)
}

// TestSignedInBatchesEachMessageItsOwnResult: the send path signs the
// messages of a chunk together; every message sent carries its own valid
// signature, and a message whose signature fails is failed alone while the
// rest of its chunk goes out.
func TestSignedInBatchesEachMessageItsOwnResult(t *testing.T) {
	t.Parallel()
	signer := &failEvery{key: testKey(t), n: 4}
	f := newFixture(t, func(o *campaigns.Options) {
		d, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "news.example.com", Selector: "s1", PrivateKey: signer}})
		if err != nil {
			t.Fatal(err)
		}
		o.DKIM = d
	})
	ctx := context.Background()
	l := f.list("a")
	const n = 42
	ids := f.contacts("r", n, "confirmed", l)
	c := f.create("Hallo {{.Contact.Name}}", l)
	f.runScheduler()
	f.runSender(f.svc)
	if _, err := f.svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(c.ID, campaigns.StateFinished, 30*time.Second)

	signer.mu.Lock()
	calls, failed := signer.calls, signer.failed
	signer.mu.Unlock()
	if calls != n || failed != n/4 {
		t.Fatalf("%d signatures made, %d failed; want %d and %d", calls, failed, n, n/4)
	}
	st := f.stats(c.ID)
	if st.Sent != n-int64(failed) || st.Failed != int64(failed) {
		t.Fatalf("stats %+v: want %d sent, %d failed", st, n-failed, failed)
	}
	rows, err := f.db.Query(ctx, `SELECT contact_id, status, coalesce(last_error, '') FROM deliveries WHERE campaign_id = $1 ORDER BY contact_id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id int64
		var status, lastErr string
		if err := rows.Scan(&id, &status, &lastErr); err != nil {
			t.Fatal(err)
		}
		i := indexOf(ids, id) + 1
		raw, _ := f.sink.message(email("r", i))
		switch status {
		case "sent":
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: f.lookupTXT})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Errorf("contact %d: DKIM verification: %v %+v", i, err, vs)
			}
			// The signature is this message's: its To is the contact's.
			if !bytes.Contains(raw, []byte("<"+email("r", i)+">")) {
				t.Errorf("contact %d: the message is another's", i)
			}
		case "failed":
			if raw != nil {
				t.Errorf("contact %d: failed to sign but mailed", i)
			}
			if !strings.Contains(lastErr, "signer unavailable") {
				t.Errorf("contact %d: last_error %q does not say why", i, lastErr)
			}
		default:
			t.Errorf("contact %d: status %s", i, status)
		}
		seen++
	}
	if err := rows.Err(); err != nil || seen != n {
		t.Fatalf("%d deliveries (%v), want %d", seen, err, n)
	}
}

func indexOf(ids []int64, id int64) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -2
}
