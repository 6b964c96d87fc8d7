package mta

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCapture(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "outbox")
	reg := prometheus.NewRegistry()
	tr, err := NewCapture(dir, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	msg := Compose(Header{From: "a@example.org", To: "b@example.net", Subject: "Hi"}, "<p>hi</p>", "hi")
	rs := tr.Send(t.Context(), "example.net", []Envelope{
		{ID: "d1", From: "bounce+x@example.org", To: "b@example.net", Data: msg},
		{ID: "../../etc/passwd", From: "bounce+y@example.org", To: "c@example.net", Data: msg},
	})
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Outcome() != Sent {
			t.Fatalf("result %v", r)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		if !strings.HasPrefix(f, dir+string(filepath.Separator)) {
			t.Errorf("file outside dir: %s", f)
		}
		b, _ := os.ReadFile(f)
		if !bytes.HasPrefix(b, []byte("Return-Path: <bounce+")) || !bytes.HasSuffix(b, msg) {
			t.Errorf("%s: %q", f, b[:60])
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if got := testutil.ToFloat64(tr.(*Capture).m.replies.WithLabelValues("capture", "2xx")); got != 2 {
		t.Errorf("replies metric = %v", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if rs := tr.Send(ctx, "example.net", []Envelope{{ID: "x", Data: msg}}); rs[0].Outcome() != Deferred {
		t.Errorf("cancelled send: %v", rs[0])
	}
	if _, err := NewCapture("", reg); err == nil {
		t.Error("empty dir accepted")
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    Result
		want Outcome
	}{
		{Result{Code: 250}, Sent}, {Result{Code: 451}, Deferred}, {Result{Code: 550, Enhanced: "5.1.1"}, Bounced},
		{Result{Err: os.ErrDeadlineExceeded}, Deferred}, {Result{}, Deferred}, {Result{Code: 354}, Deferred},
	} {
		if got := c.r.Outcome(); got != c.want {
			t.Errorf("%v: %v, want %v", c.r, got, c.want)
		}
	}
}

func TestNewTransport(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	for mode, want := range map[string]string{"": "*mta.Capture", "capture": "*mta.Capture", "mx": "*mta.MX"} {
		tr, err := NewTransport(TransportConfig{Mode: mode, CaptureDir: t.TempDir()}, reg)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", tr); got != want {
			t.Errorf("mode %q: %s", mode, got)
		}
		tr.Close()
	}
	if tr, err := NewTransport(TransportConfig{Mode: "relay", Relay: RelayConfig{Host: "127.0.0.1", Port: 2525}}, reg); err != nil {
		t.Error(err)
	} else {
		tr.Close()
	}
	if _, err := NewTransport(TransportConfig{Mode: "relay"}, reg); err == nil || !strings.Contains(err.Error(), "relay host") {
		t.Errorf("relay without host: %v", err)
	}
	if _, err := NewTransport(TransportConfig{Mode: "smoke"}, reg); err == nil {
		t.Error("unknown mode accepted")
	}
}

// TestCaptureNamesUniqueAcrossRestarts: two capture transports on one
// directory (two processes, or one before and one after a restart) write the
// same envelope ID concurrently; every message keeps its own file, none is
// replaced, and the names sort in capture order.
func TestCaptureNamesUniqueAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const perProcess = 40
	var trs [2]Transport
	for i := range trs {
		tr, err := NewCapture(dir, prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		trs[i] = tr
	}
	done := make(chan struct{})
	for p, tr := range trs {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range perProcess {
				body := fmt.Sprintf("Subject: p%d-%d\r\n\r\nx\r\n", p, i)
				rs := tr.Send(context.Background(), "example.net", []Envelope{{ID: "c1-k1", From: "b@x", To: "r@example.net", Data: []byte(body)}})
				if rs[0].Outcome() != Sent {
					t.Errorf("send: %v", rs[0])
				}
			}
		}()
	}
	<-done
	<-done
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 2*perProcess {
		t.Fatalf("%d files, want %d", len(files), 2*perProcess)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f, "-c1-k1.eml") {
			t.Errorf("name %s does not end in the envelope ID", f)
		}
		b, _ := os.ReadFile(f)
		_, subj, _ := strings.Cut(string(b), "Subject: ")
		subj, _, _ = strings.Cut(subj, "\r\n")
		if seen[subj] {
			t.Errorf("message %s captured twice", subj)
		}
		seen[subj] = true
	}

	// A third "process" after the others: its files sort after theirs.
	later, err := NewCapture(dir, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 3 {
		rs := later.Send(t.Context(), "example.net", []Envelope{{ID: "c1-k1", From: "b@x", To: "r@example.net", Data: []byte(fmt.Sprint(i))}})
		names = append(names, strings.TrimPrefix(rs[0].Text, "captured as "))
	}
	all, _ := os.ReadDir(dir)
	if len(all) != 2*perProcess+3 {
		t.Fatalf("%d entries in the outbox (temporary files left?), want %d", len(all), 2*perProcess+3)
	}
	if all[len(all)-3].Name() != names[0] || all[len(all)-1].Name() != names[2] {
		t.Errorf("names do not sort in capture order: last in dir %s, written %v", all[len(all)-1].Name(), names)
	}
}

func TestCaptureName(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 9, 8, 7, 120000000, time.FixedZone("CET", 3600))
	a, b := captureName(at, "c3-k9"), captureName(at, "c3-k9")
	if a == b {
		t.Errorf("two names at the same instant are equal: %s", a)
	}
	if !strings.HasPrefix(a, "20261201T080807.120000000Z-") || !strings.HasSuffix(a, "-c3-k9.eml") || len(a) != len("20261201T080807.120000000Z-01234567-c3-k9.eml") {
		t.Errorf("name %s", a)
	}
}
