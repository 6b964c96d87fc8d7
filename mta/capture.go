package mta

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Capture is a Transport that writes each message as an .eml file into a
// directory instead of sending it (development: `make run`). The file starts
// with Return-Path and Delivered-To, as a local delivery would.
//
// File names sort by capture time and never repeat, whatever the number of
// processes or restarts: TIME-RANDOM-ID.eml, TIME the UTC time to the
// nanosecond (20261201T090807.123456789Z), RANDOM 8 random hex digits, ID
// the envelope ID. Each file is written to a temporary name and hard-linked
// to its final name, which fails rather than replace an existing file, so a
// reader never sees half a message and no capture overwrites another.
type Capture struct {
	dir string
	m   *metrics
}

// NewCapture returns a capture transport writing into dir (created if missing).
func NewCapture(dir string, reg prometheus.Registerer) (Transport, error) {
	if dir == "" {
		return nil, fmt.Errorf("mta: capture dir: required")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mta: capture dir %s: %w", dir, err)
	}
	return &Capture{dir: dir, m: newMetrics(reg)}, nil
}

// Send writes one file per envelope and answers 250 for each.
func (c *Capture) Send(ctx context.Context, domain string, batch []Envelope) []Result {
	start := time.Now()
	rs := make([]Result, len(batch))
	for i, e := range batch {
		if err := ctx.Err(); err != nil {
			rs[i] = Result{Err: err}
			continue
		}
		name, err := c.write(e)
		if err != nil {
			rs[i] = Result{Err: err}
			continue
		}
		rs[i] = Result{Code: 250, Enhanced: "2.0.0", Text: "captured as " + name}
	}
	c.m.sendSeconds.WithLabelValues("capture").Observe(time.Since(start).Seconds())
	c.m.observeResults("capture", rs)
	return rs
}

func (c *Capture) write(e Envelope) (string, error) {
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("mta: capture: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = fmt.Fprintf(f, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", clean(e.From), clean(e.To))
	if err == nil {
		_, err = f.Write(e.Signature)
	}
	if err == nil {
		_, err = f.Write(e.Data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("mta: capture: %w", err)
	}
	return c.publish(tmp, safeName(e.ID))
}

// publish links the written file tmp to a new unique name and returns it.
func (c *Capture) publish(tmp, id string) (string, error) {
	for range 5 {
		name := captureName(time.Now(), id)
		err := os.Link(tmp, filepath.Join(c.dir, name))
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("mta: capture: %w", err)
		}
	}
	return "", fmt.Errorf("mta: capture: no free file name in %s", c.dir)
}

// captureName is TIME-RANDOM-ID.eml (see Capture).
func captureName(now time.Time, id string) string {
	var r [4]byte
	rand.Read(r[:])
	name := now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:])
	if id != "" {
		name += "-" + id
	}
	return name + ".eml"
}

// safeName keeps letters, digits, '-', '_' and '.' of an ID.
func safeName(id string) string {
	id = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, id)
	if len(id) > 100 {
		id = id[:100]
	}
	return id
}

// Close does nothing.
func (c *Capture) Close() error { return nil }
