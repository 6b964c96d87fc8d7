package mta

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRSASignBusy is the send path's shape with the Ps kept busy: 2
// goroutines per P each hash a ~20 KB message (the Go work of building it)
// and sign its digest, either one signature per call to the signer ("each":
// in the openssl build one call to C per message) or 25 messages, then
// their 25 digests in one call ("batch"). It reports process CPU and
// context switches per message (getrusage): the difference between the two
// is the cost of the calls themselves, not of the signatures.
func BenchmarkRSASignBusy(b *testing.B) {
	sign, err := newRSASigner(rsaKey(b))
	if err != nil {
		b.Fatal(err)
	}
	body := body20K()
	b.Logf("RSA backend %s, GOMAXPROCS %d", RSABackend, runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		name  string
		batch int
	}{{"each", 1}, {"batch", 25}} {
		b.Run(c.name, func(b *testing.B) {
			workers := 2 * runtime.GOMAXPROCS(0)
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			start := time.Now()
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := b.N / workers
					if w < b.N%workers {
						n++
					}
					digests := make([][sha256.Size]byte, c.batch)
					sigs, errs := make([][]byte, c.batch), make([]error, c.batch)
					for n > 0 {
						k := min(n, c.batch)
						for i := range k {
							digests[i] = sha256.Sum256(body)
						}
						sign(digests[:k], sigs[:k], errs[:k])
						for _, err := range errs[:k] {
							if err != nil {
								b.Error(err)
								return
							}
						}
						n -= k
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			n := float64(b.N)
			b.ReportMetric(float64(ru1.Utime.Nano()-ru0.Utime.Nano())/1e3/n, "user-µs/op")
			b.ReportMetric(float64(ru1.Stime.Nano()-ru0.Stime.Nano())/1e3/n, "sys-µs/op")
			b.ReportMetric(float64(ru1.Nvcsw-ru0.Nvcsw)/n, "vcsw/op")
			b.ReportMetric(float64(ru1.Nivcsw-ru0.Nivcsw)/n, "ivcsw/op")
			b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
		})
	}
}

// TestAppendSignaturesAsOneByOne signs a batch longer than maxSignBatch of
// messages From several domains (RSA with Ed25519, Ed25519 alone, none,
// no From at all) and checks each result is what AppendSignature gives
// that message alone, verifies with go-msgauth, and that the messages
// that cannot be signed get their own error and leave the others signed.
func TestAppendSignaturesAsOneByOne(t *testing.T) {
	t.Parallel()
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "r", PrivateKey: rsaKey(t)},
		{Domain: "example.org", Selector: "e", PrivateKey: ed}, {Domain: "ed.example", Selector: "e", PrivateKey: ed}})
	if err != nil {
		t.Fatal(err)
	}
	d.now = func() time.Time { return time.Unix(1700000000, 0) }
	dns := dnsTXT{}
	dns.add(t, "r", "example.org", rsaKey(t).Public())
	dns.add(t, "e", "example.org", ed.Public())
	dns.add(t, "e", "ed.example", ed.Public())
	const n = 2*maxSignBatch + 5
	msgs, dsts, errs := make([][]byte, n), make([][]byte, n), make([]error, n)
	for i := range msgs {
		from := []string{"nieuws@example.org", "n@ed.example", "n@unsigned.example", "nieuws@example.org"}[i%4]
		msgs[i] = Compose(Header{From: from, To: "r" + strconv.Itoa(i) + "@example.net", Subject: "Bericht " + strconv.Itoa(i)},
			"<p>Hallo "+strconv.Itoa(i)+"</p>", "Hallo "+strconv.Itoa(i))
		if i == 9 {
			msgs[i] = []byte("Subject: no From\r\n\r\nhi\r\n")
		}
		dsts[i] = []byte("kept")
	}
	d.AppendSignatures(dsts, msgs, errs)
	for i, msg := range msgs {
		alone, aloneErr := d.AppendSignature([]byte("kept"), msg)
		switch {
		case i == 9:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "no From") {
				t.Errorf("message %d without From: error %v", i, errs[i])
			}
		case i%4 == 2:
			if !errors.Is(errs[i], ErrNoDKIMKey) {
				t.Errorf("message %d From a domain without a key: error %v", i, errs[i])
			}
		default:
			if errs[i] != nil {
				t.Fatalf("message %d: %v", i, errs[i])
			}
			want := 2
			if i%4 == 1 {
				want = 1
			}
			if got := verify(t, dns, append(bytes.Clone(dsts[i][len("kept"):]), msg...)); len(got) != want {
				t.Errorf("message %d: %d valid signatures, want %d", i, len(got), want)
			}
		}
		if (errs[i] == nil) != (aloneErr == nil) || !bytes.Equal(dsts[i], alone) {
			t.Errorf("message %d signed in a batch differs from signed alone:\n%q (%v)\n%q (%v)", i, dsts[i], errs[i], alone, aloneErr)
		}
		if errs[i] != nil && string(dsts[i]) != "kept" {
			t.Errorf("message %d: error %v, but dst changed to %q", i, errs[i], dsts[i])
		}
	}
}

// failingSigner is an RSA crypto.Signer that fails the signatures of
// digests whose first byte is odd.
type failingSigner struct{ key *rsa.PrivateKey }

func (f failingSigner) Public() crypto.PublicKey { return f.key.Public() }
func (f failingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if digest[0]&1 == 1 {
		return nil, errors.New("signer unavailable")
	}
	return f.key.Sign(r, digest, opts)
}

// TestAppendSignaturesIsolatesFailedSignatures: when one signature of a
// batch fails, its message gets the error (none of its fields, though
// its Ed25519 signature was made) and the others their signatures.
func TestAppendSignaturesIsolatesFailedSignatures(t *testing.T) {
	t.Parallel()
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "r", PrivateKey: failingSigner{rsaKey(t)}},
		{Domain: "example.org", Selector: "e", PrivateKey: ed}})
	if err != nil {
		t.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(t, "r", "example.org", rsaKey(t).Public())
	dns.add(t, "e", "example.org", ed.Public())
	const n = 40
	msgs, dsts, errs := make([][]byte, n), make([][]byte, n), make([]error, n)
	for i := range msgs {
		msgs[i] = testMessage("Bericht " + strconv.Itoa(i))
	}
	d.AppendSignatures(dsts, msgs, errs)
	failed := 0
	for i, msg := range msgs {
		if errs[i] != nil {
			failed++
			if !strings.Contains(errs[i].Error(), "signer unavailable") || len(dsts[i]) != 0 {
				t.Errorf("message %d: error %v with fields %q", i, errs[i], dsts[i])
			}
			continue
		}
		if got := verify(t, dns, append(dsts[i], msg...)); len(got) != 2 {
			t.Errorf("message %d: %d valid signatures, want 2", i, len(got))
		}
	}
	if failed == 0 || failed == n {
		t.Fatalf("%d of %d messages failed: the test needs some of each", failed, n)
	}
}
