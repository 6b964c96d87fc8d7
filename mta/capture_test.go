package mta

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
