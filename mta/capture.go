package mta

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Capture is a Transport that writes each message as an .eml file into a
// directory instead of sending it (development: `make run`). Each file is
// written to a temporary name and renamed, so a reader never sees half a
// message. The file starts with Return-Path and Delivered-To, as a local
// delivery would.
type Capture struct {
	dir string
	seq atomic.Uint64
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
	name := safeName(e.ID)
	if name == "" {
		name = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	name = name + "-" + strconv.FormatUint(c.seq.Add(1), 36) + ".eml"
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("mta: capture: %w", err)
	}
	tmp := f.Name()
	_, err = fmt.Fprintf(f, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", clean(e.From), clean(e.To))
	if err == nil {
		_, err = f.Write(e.Data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(c.dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("mta: capture: %w", err)
	}
	return name, nil
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
