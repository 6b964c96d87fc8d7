package mta

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postbode/postbode/internal/identity"
	"github.com/prometheus/client_golang/prometheus"
)

// Signer signs a complete message, returning it with its signature header(s).
type Signer interface {
	Sign(msg []byte) ([]byte, error)
}

// DKIMKey is one DKIM signing key.
type DKIMKey struct {
	// Domain is the From domain the key signs for (d=); required. It also
	// signs for subdomains that have no key of their own.
	Domain string
	// Selector is the DNS selector (s=); required.
	Selector string
	// Algorithm is rsa or ed25519; optional, default from the key's type.
	Algorithm string
	// PrivateKey is an *rsa.PrivateKey (at least 1024 bits, 2048
	// recommended), an ed25519.PrivateKey, or another crypto.Signer of those
	// types; required.
	PrivateKey crypto.Signer
	// Retired keys stay published in DNS for mail in transit but never sign
	// (selector rotation); optional.
	Retired bool
	// Canonicalization is the c= tag, header/body: relaxed/relaxed,
	// relaxed/simple, simple/relaxed or simple/simple; optional, default
	// relaxed/relaxed (survives re-folding and whitespace changes by
	// relays; simple breaks on any change).
	Canonicalization string
}

// ErrNoDKIMKey is returned by Sign for a From domain without a signing key.
var ErrNoDKIMKey = errors.New("mta: no DKIM key for the From domain")

// DKIM signs messages with DKIM (RFC 6376, relaxed/relaxed unless a key
// says otherwise), RSA-SHA256 and,
// when the domain also has an Ed25519 key, a second Ed25519-SHA256 signature
// (RFC 8463). The key is chosen by the From domain; per domain and algorithm
// the last non-retired key given signs. Safe for concurrent use.
type DKIM struct {
	domains map[string][]*dkimKey // signing keys per domain, rsa first
	// published are the DNS records of every key given, retired ones too.
	published []PublishedKey
	// now is the clock for t=; tests may set it.
	now     func() time.Time
	signDur prometheus.Histogram
}

type dkimKey struct {
	domain, selector string
	algo             string // rsa-sha256 or ed25519-sha256
	// simpleHeader and simpleBody: simple canonicalization, else relaxed.
	simpleHeader, simpleBody bool
	sign                     batchSigner
}

// canon is the c= tag value.
func (k *dkimKey) canon() string {
	h, b := "relaxed", "relaxed"
	if k.simpleHeader {
		h = "simple"
	}
	if k.simpleBody {
		b = "simple"
	}
	return h + "/" + b
}

// signedFields are the header fields signed when present. The fields a
// reader sees as the author, the recipients, where replies go, the
// subject and the List-Unsubscribe pair are signed once more than they
// occur ("oversigned", RFC 6376 §8.15): signed even when absent (Cc, a
// Reply-To the campaign has none of), so no instance can be added to a
// signed message, say a Reply-To sending answers elsewhere.
var signedFields = []string{"from", "to", "cc", "reply-to", "subject", "date", "message-id",
	"mime-version", "content-type", "content-transfer-encoding", "list-unsubscribe",
	"list-unsubscribe-post", "list-id", "feedback-id", "in-reply-to", "references"}

var oversigned = map[string]bool{"from": true, "to": true, "cc": true, "reply-to": true, "subject": true,
	"list-unsubscribe": true, "list-unsubscribe-post": true}

// NewDKIM checks the keys and prepares them for signing (with the system
// libcrypto in builds with the openssl tag, see RSABackend).
func NewDKIM(keys []DKIMKey) (*DKIM, error) {
	d := &DKIM{domains: map[string][]*dkimKey{}, now: time.Now}
	chosen := map[string]*dkimKey{} // domain+algo -> key
	var order []string
	for i, k := range keys {
		dk, err := prepareKey(k)
		if err != nil {
			return nil, fmt.Errorf("mta: dkim key %d (%s, selector %s): %w", i, k.Domain, k.Selector, err)
		}
		rec, err := DKIMRecord(k.PrivateKey.Public())
		if err != nil {
			return nil, fmt.Errorf("mta: dkim key %d (%s, selector %s): %w", i, k.Domain, k.Selector, err)
		}
		d.published = append(d.published, PublishedKey{Domain: dk.domain, Selector: dk.selector, Algorithm: dk.algo,
			Retired: k.Retired, Name: dk.selector + "._domainkey." + dk.domain, Record: rec})
		if k.Retired {
			continue
		}
		id := dk.domain + " " + dk.algo
		if _, ok := chosen[id]; !ok {
			order = append(order, id)
		}
		chosen[id] = dk
	}
	for _, id := range order {
		dk := chosen[id]
		if dk.algo == "rsa-sha256" {
			d.domains[dk.domain] = append([]*dkimKey{dk}, d.domains[dk.domain]...)
		} else {
			d.domains[dk.domain] = append(d.domains[dk.domain], dk)
		}
	}
	return d, nil
}

func prepareKey(k DKIMKey) (*dkimKey, error) {
	dk := &dkimKey{domain: normDomain(k.Domain), selector: strings.TrimSpace(k.Selector)}
	if dk.domain == "" || strings.ContainsAny(dk.domain, " ;=") {
		return nil, fmt.Errorf("domain %q: invalid", k.Domain)
	}
	if dk.selector == "" || strings.ContainsAny(dk.selector, " ;=") {
		return nil, fmt.Errorf("selector %q: invalid", k.Selector)
	}
	if k.PrivateKey == nil {
		return nil, errors.New("private key: required")
	}
	switch k.Canonicalization {
	case "", "relaxed/relaxed":
	case "relaxed/simple":
		dk.simpleBody = true
	case "simple/relaxed":
		dk.simpleHeader = true
	case "simple/simple":
		dk.simpleHeader, dk.simpleBody = true, true
	default:
		return nil, fmt.Errorf("canonicalization %q: must be relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple", k.Canonicalization)
	}
	switch pub := k.PrivateKey.Public().(type) {
	case *rsa.PublicKey:
		if k.Algorithm != "" && k.Algorithm != "rsa" {
			return nil, fmt.Errorf("algorithm %q: the key is RSA", k.Algorithm)
		}
		if pub.N.BitLen() < 1024 {
			return nil, fmt.Errorf("private key: RSA %d bits is too short (2048 recommended)", pub.N.BitLen())
		}
		dk.algo = "rsa-sha256"
		if priv, ok := k.PrivateKey.(*rsa.PrivateKey); ok {
			s, err := newRSASigner(priv)
			if err != nil {
				return nil, err
			}
			dk.sign = s
		} else {
			signer := k.PrivateKey
			dk.sign = eachSigner(func(digest []byte) ([]byte, error) { return signer.Sign(rand.Reader, digest, crypto.SHA256) })
		}
	case ed25519.PublicKey:
		if k.Algorithm != "" && k.Algorithm != "ed25519" {
			return nil, fmt.Errorf("algorithm %q: the key is Ed25519", k.Algorithm)
		}
		dk.algo = "ed25519-sha256"
		signer := k.PrivateKey
		dk.sign = eachSigner(func(digest []byte) ([]byte, error) { return signer.Sign(nil, digest, crypto.Hash(0)) })
	default:
		return nil, fmt.Errorf("private key: unsupported type %T (want RSA or Ed25519)", pub)
	}
	return dk, nil
}

// WithMetrics records postbode_dkim_sign_seconds on reg and returns d.
func (d *DKIM) WithMetrics(reg prometheus.Registerer) *DKIM {
	d.signDur = newMetrics(reg).signSeconds
	return d
}

// normDomain is the form a domain is looked up in: lower case, without the
// final dot, in A-labels (keys and From fields may spell an IDN either way).
func normDomain(s string) string {
	return identity.ASCIIDomain(strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")))
}

// keysFor returns the signing keys for domain or its nearest parent with keys.
func (d *DKIM) keysFor(domain string) []*dkimKey {
	domain = normDomain(domain)
	for domain != "" {
		if ks := d.domains[domain]; len(ks) > 0 {
			return ks
		}
		_, rest, ok := strings.Cut(domain, ".")
		if !ok || !strings.Contains(rest, ".") {
			return nil
		}
		domain = rest
	}
	return nil
}

// HasDomain reports whether mail From domain (or an address at it) can be signed.
func (d *DKIM) HasDomain(domain string) bool {
	if i := strings.LastIndexByte(domain, '@'); i >= 0 {
		domain = domain[i+1:]
	}
	return len(d.keysFor(domain)) > 0
}

// Domains lists the domains with a signing key, sorted.
func (d *DKIM) Domains() []string {
	out := make([]string, 0, len(d.domains))
	for dom := range d.domains {
		out = append(out, dom)
	}
	slices.Sort(out)
	return out
}

// Sign returns msg with DKIM-Signature header(s) prepended. It fails with
// ErrNoDKIMKey when the From domain has no key. It copies msg: the send
// path uses AppendSignature and sends the signature and the message as they
// are.
func (d *DKIM) Sign(msg []byte) ([]byte, error) {
	out, err := d.AppendSignature(make([]byte, 0, len(msg)+1024), msg)
	if err != nil {
		return nil, err
	}
	return append(out, msg...), nil
}

// batchSigner signs SHA-256 digests (header hashes): sigs[i] and errs[i]
// are digests[i]'s, so one failed signature leaves the others. The openssl
// build signs an RSA batch in one call to C (see newRSASigner).
type batchSigner func(digests [][sha256.Size]byte, sigs [][]byte, errs []error)

// eachSigner is a batchSigner that signs one digest after the other.
func eachSigner(sign func(digest []byte) ([]byte, error)) batchSigner {
	return func(digests [][sha256.Size]byte, sigs [][]byte, errs []error) {
		for i := range digests {
			sigs[i], errs[i] = sign(digests[i][:])
		}
	}
}

// maxSignBatch bounds the messages AppendSignatures signs together: 32
// RSA-2048 signatures take about 10 ms of one core, the longest a batch
// holds its thread and its first message waits for its last.
const maxSignBatch = 32

// signState is the scratch space of signing a batch, pooled: signing a
// message allocates next to nothing but the signature itself.
type signState struct {
	fields  []field
	hnames  []string
	canon   []byte // canonical header fields
	b64     []byte
	scratch []byte // rewritten body lines
	h       hash.Hash
	bh      [2][sha256.Size]byte // body hashes: relaxed, simple
	bhDone  [2]bool
	pre     []byte    // every signature's field up to b=, back to back
	jobs    []signJob // the batch's signatures, in message order
	digests [][sha256.Size]byte
	sigs    [][]byte
	errs    []error
	idx     []int
}

// signJob is one signature of a batch: message msg by key.
type signJob struct {
	msg      int
	key      *dkimKey
	pre, end int // its DKIM-Signature field up to b=, in signState.pre
	digest   [sha256.Size]byte
	sig      []byte
	err      error
	signed   bool
}

var signStates = sync.Pool{New: func() any {
	return &signState{fields: make([]field, 0, 32), hnames: make([]string, 0, 32), canon: make([]byte, 0, 2048),
		b64: make([]byte, 0, 1024), scratch: make([]byte, 0, 1024), h: sha256.New()}
}}

// AppendSignature appends to dst the DKIM-Signature field(s) of msg (a
// complete message, CRLF line endings), to be sent right before msg. The
// body is hashed once per canonicalization, streaming from msg (no copy);
// only the header hash is signed. It fails with ErrNoDKIMKey when the From
// domain has no key. It is AppendSignatures of one message.
func (d *DKIM) AppendSignature(dst, msg []byte) ([]byte, error) {
	dsts, msgs, errs := [1][]byte{dst}, [1][]byte{msg}, [1]error{}
	d.AppendSignatures(dsts[:], msgs[:], errs[:])
	return dsts[0], errs[0]
}

// AppendSignatures is AppendSignature for many messages: for each i it
// appends the DKIM-Signature field(s) of msgs[i] to dsts[i] and sets
// errs[i] (dsts[i] unchanged then); one message's error leaves the others
// signed. It hashes up to maxSignBatch messages, then makes their
// signatures together, per key: in the openssl build one call to C per
// batch, which saves the scheduling cost of a long call to C per message.
// dsts and errs are at least as long as msgs.
func (d *DKIM) AppendSignatures(dsts, msgs [][]byte, errs []error) {
	for len(msgs) > 0 {
		n := min(len(msgs), maxSignBatch)
		d.signBatch(dsts[:n], msgs[:n], errs[:n])
		dsts, msgs, errs = dsts[n:], msgs[n:], errs[n:]
	}
}

// signBatch signs up to maxSignBatch messages: header hashes first, then
// the signatures per key, then the fields.
func (d *DKIM) signBatch(dsts, msgs [][]byte, errs []error) {
	start := time.Now()
	st := signStates.Get().(*signState)
	defer signStates.Put(st)
	var tsb [20]byte
	ts := strconv.AppendInt(tsb[:0], d.now().Unix(), 10)
	st.pre, st.jobs = st.pre[:0], st.jobs[:0]
	for i, msg := range msgs {
		errs[i] = d.prepare(st, i, msg, ts)
	}
	st.sign()
	jobs := st.jobs
	for i := range msgs {
		n := 0
		for n < len(jobs) && jobs[n].msg == i {
			n++
		}
		if errs[i] == nil {
			dsts[i], errs[i] = st.appendFields(dsts[i], jobs[:n])
		}
		jobs = jobs[n:]
	}
	clear(st.jobs) // the signatures are copied out
	if d.signDur != nil {
		per := time.Since(start).Seconds() / float64(len(msgs))
		for range msgs {
			d.signDur.Observe(per)
		}
	}
}

// prepare adds the signatures of message i to the batch, with their
// fields up to b= and the header hashes to sign.
func (d *DKIM) prepare(st *signState, i int, msg, ts []byte) error {
	hdrEnd, bodyStart := splitMessage(msg)
	st.fields = appendFields(st.fields[:0], msg[:hdrEnd])
	from := lastField(msg, st.fields, "from")
	if from == nil {
		return errors.New("mta: dkim: message has no From header")
	}
	domain := fromDomains.getBytes(from, func(f string) string { return addrDomain(string(fieldValue([]byte(f)))) })
	keys := d.keysFor(domain)
	if len(keys) == 0 {
		return fmt.Errorf("%w %q (keys exist for: %s)", ErrNoDKIMKey, domain, strings.Join(d.Domains(), ", "))
	}
	st.bhDone = [2]bool{}
	st.hnames = headerList(st.hnames[:0], msg, st.fields)
	for _, k := range keys {
		st.jobs = append(st.jobs, k.prepare(st, i, msg, msg[bodyStart:], ts))
	}
	return nil
}

// sign makes the batch's signatures, all those of a key in one call.
func (st *signState) sign() {
	for j := range st.jobs {
		if st.jobs[j].signed {
			continue
		}
		k := st.jobs[j].key
		st.idx, st.digests = st.idx[:0], st.digests[:0]
		for x := j; x < len(st.jobs); x++ {
			if st.jobs[x].key == k {
				st.idx = append(st.idx, x)
				st.digests = append(st.digests, st.jobs[x].digest)
			}
		}
		n := len(st.idx)
		st.sigs, st.errs = slices.Grow(st.sigs[:0], n)[:n], slices.Grow(st.errs[:0], n)[:n]
		k.sign(st.digests, st.sigs, st.errs)
		for y, x := range st.idx {
			st.jobs[x].sig, st.jobs[x].err, st.jobs[x].signed = st.sigs[y], st.errs[y], true
		}
		clear(st.sigs)
		clear(st.errs)
	}
}

// appendFields appends the complete DKIM-Signature fields (with CRLF) of
// one message's signed jobs to dst, or leaves dst as it was on an error.
func (st *signState) appendFields(dst []byte, jobs []signJob) ([]byte, error) {
	start := len(dst)
	for _, jb := range jobs {
		if jb.err != nil {
			return dst[:start], fmt.Errorf("mta: dkim sign (%s, %s): %w", jb.key.domain, jb.key.algo, jb.err)
		}
		dst = append(dst, st.pre[jb.pre:jb.end]...)
		st.b64 = base64.StdEncoding.AppendEncode(st.b64[:0], jb.sig)
		for b64 := st.b64; len(b64) > 0; {
			n := min(len(b64), 72)
			dst = append(dst, b64[:n]...)
			b64 = b64[n:]
			if len(b64) > 0 {
				dst = append(dst, "\r\n "...)
			}
		}
		dst = append(dst, "\r\n"...)
	}
	return dst, nil
}

// bodyHash returns the body hash in k's canonicalization, computing it once
// per message.
func (st *signState) bodyHash(k *dkimKey, body []byte) []byte {
	i := 0
	if k.simpleBody {
		i = 1
	}
	if !st.bhDone[i] {
		st.h.Reset()
		if k.simpleBody {
			writeSimpleBody(st.h, body)
		} else {
			writeRelaxedBody(st.h, body, st.scratch)
		}
		st.h.Sum(st.bh[i][:0])
		st.bhDone[i] = true
	}
	return st.bh[i][:]
}

// prepare returns the job of signing message i (msg) with k: its
// DKIM-Signature field up to b= (appended to st.pre) and the hash to sign.
func (k *dkimKey) prepare(st *signState, i int, msg, body, ts []byte) signJob {
	start := len(st.pre)
	dst := st.pre
	dst = append(dst, "DKIM-Signature: v=1; a="...)
	dst = append(dst, k.algo...)
	dst = append(dst, "; c="...)
	dst = append(dst, k.canon()...)
	dst = append(dst, "; d="...)
	dst = append(dst, k.domain...)
	dst = append(dst, ";\r\n s="...)
	dst = append(dst, k.selector...)
	dst = append(dst, "; t="...)
	dst = append(dst, ts...)
	dst = append(dst, ";\r\n h="...)
	col := 3
	for i, n := range st.hnames {
		if i > 0 {
			dst = append(dst, ':')
			col++
		}
		if col+len(n) > 76 {
			dst = append(dst, "\r\n "...)
			col = 1
		}
		dst = append(dst, n...)
		col += len(n)
	}
	dst = append(dst, ";\r\n bh="...)
	dst = base64.StdEncoding.AppendEncode(dst, st.bodyHash(k, body))
	dst = append(dst, ";\r\n b="...)
	st.pre = dst
	// The signed fields, bottom-up per name, then this field with an empty
	// b= and without its CRLF (RFC 6376 §3.7).
	canon := st.canon[:0]
	prev, nth := "", 0
	for _, n := range st.hnames {
		if n == prev {
			nth++
		} else {
			prev, nth = n, 0
		}
		if f := nthFromBottom(msg, st.fields, n, nth); f != nil {
			if k.simpleHeader {
				canon = append(canon, f...)
			} else {
				canon = appendRelaxedField(canon, f)
			}
		}
	}
	if k.simpleHeader {
		canon = append(canon, dst[start:]...)
	} else {
		canon = appendRelaxedField(canon, dst[start:])
		canon = canon[:len(canon)-2]
	}
	st.canon = canon
	st.h.Reset()
	st.h.Write(canon)
	jb := signJob{msg: i, key: k, pre: start, end: len(dst)}
	st.h.Sum(jb.digest[:0])
	return jb
}

// headerList appends the h= list to dst: each signed field once per
// occurrence (names in signedFields order), oversigned ones once more.
func headerList(dst []string, msg []byte, fields []field) []string {
	for _, n := range signedFields {
		c := 0
		for _, f := range fields {
			if f.is(msg, n) {
				c++
			}
		}
		if oversigned[n] {
			c++
		}
		for range c {
			dst = append(dst, n)
		}
	}
	return dst
}

// DKIMRecord returns the DNS TXT record value publishing pub
// ("v=DKIM1; k=rsa; p=..."), RFC 6376 §3.6.1, RFC 8463 for Ed25519.
func DKIMRecord(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(p), nil
	}
	return "", fmt.Errorf("mta: DKIM record: unsupported key type %T", pub)
}

// PublishedKey is the DNS TXT record a DKIM key needs (RFC 6376 §3.6.2).
type PublishedKey struct {
	Domain, Selector, Algorithm string
	Retired                     bool
	// Name is the record's owner name: <selector>._domainkey.<domain>.
	Name string
	// Record is the TXT value (split it with SplitTXT for a zone file).
	Record string
}

// Published returns the DNS records of every key, retired ones included
// (they stay published for mail in transit).
func (d *DKIM) Published() []PublishedKey { return append([]PublishedKey(nil), d.published...) }
