package bounces

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Errors of the SNS intake.
var (
	ErrSNSSignature = errors.New("bounces: SNS signature does not verify")
	ErrSNSCertURL   = errors.New("bounces: SNS SigningCertURL is not an Amazon SNS certificate URL")
	ErrSNSTopic     = errors.New("bounces: SNS topic is not allowed")
)

// SNSMessage is an Amazon SNS HTTP(S) delivery: a Notification, a
// SubscriptionConfirmation or an UnsubscribeConfirmation.
type SNSMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string `json:"SubscribeURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL"`
}

// StringToSign is the canonical text SNS signs: "Name\nvalue\n" for each
// signed field in byte order of the names (Subject only when present).
func (m *SNSMessage) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == "Notification" {
		if m.Subject != "" {
			add("Subject", m.Subject)
		}
		add("Timestamp", m.Timestamp)
		add("TopicArn", m.TopicArn)
		add("Type", m.Type)
		return b.String()
	}
	add("SubscribeURL", m.SubscribeURL)
	add("Timestamp", m.Timestamp)
	add("Token", m.Token)
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// snsHost is the only host SNS certificates and subscription URLs may come
// from: sns.<region>.amazonaws.com (and the China partition).
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// AllowedSNSURL reports whether u is an https URL on an SNS host.
func AllowedSNSURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "https" && p.User == nil && p.Port() == "" && snsHost.MatchString(p.Hostname())
}

// CertFetcher returns the certificate at an allowed SigningCertURL.
type CertFetcher func(ctx context.Context, certURL string) (*x509.Certificate, error)

// SNSVerifier checks SNS message signatures (SignatureVersion 1: SHA1withRSA,
// 2: SHA256withRSA) against the certificate at SigningCertURL, fetched only
// from an allowed sns.<region>.amazonaws.com host and cached.
type SNSVerifier struct {
	fetch CertFetcher
	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// NewSNSVerifier returns a verifier; fetch is optional (default: HTTPS GET).
func NewSNSVerifier(fetch CertFetcher) *SNSVerifier {
	if fetch == nil {
		fetch = httpCertFetcher(noRedirectClient())
	}
	return &SNSVerifier{fetch: fetch, certs: map[string]*x509.Certificate{}}
}

// Verify checks m's signature.
func (v *SNSVerifier) Verify(ctx context.Context, m *SNSMessage) error {
	if !AllowedSNSURL(m.SigningCertURL) {
		return ErrSNSCertURL
	}
	var h crypto.Hash
	switch m.SignatureVersion {
	case "1":
		h = crypto.SHA1
	case "2":
		h = crypto.SHA256
	default:
		return fmt.Errorf("%w: unknown SignatureVersion %q", ErrSNSSignature, m.SignatureVersion)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrSNSSignature)
	}
	cert, err := v.cert(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: certificate key is not RSA", ErrSNSSignature)
	}
	var digest []byte
	if h == crypto.SHA1 {
		d := sha1.Sum([]byte(m.StringToSign()))
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(m.StringToSign()))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
		return ErrSNSSignature
	}
	return nil
}

func (v *SNSVerifier) cert(ctx context.Context, u string) (*x509.Certificate, error) {
	v.mu.Lock()
	c := v.certs[u]
	v.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := v.fetch(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("bounces: SNS certificate: %w", err)
	}
	if now := time.Now(); now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, fmt.Errorf("%w: certificate expired or not yet valid", ErrSNSSignature)
	}
	v.mu.Lock()
	if len(v.certs) > 100 {
		clear(v.certs)
	}
	v.certs[u] = c
	v.mu.Unlock()
	return c, nil
}

func httpCertFetcher(hc *http.Client) CertFetcher {
	return func(ctx context.Context, u string) (*x509.Certificate, error) {
		body, err := httpGet(ctx, hc, u, 64<<10)
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(body)
		if blk == nil {
			return nil, errors.New("not a PEM certificate")
		}
		return x509.ParseCertificate(blk.Bytes)
	}
}

// SNSConfirmer visits a SubscribeURL to confirm a subscription.
type SNSConfirmer func(ctx context.Context, subscribeURL string) error

func httpConfirmer(hc *http.Client) SNSConfirmer {
	return func(ctx context.Context, u string) error {
		_, err := httpGet(ctx, hc, u, 64<<10)
		return err
	}
}

// noRedirectClient never follows a redirect away from the checked URL.
func noRedirectClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func httpGet(ctx context.Context, hc *http.Client, u string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, max))
}
