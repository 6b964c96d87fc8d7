package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/postbode/postbode/bounces"
)

// inboundDrain bounds how long shutdown waits for SMTP sessions.
const inboundDrain = 5 * time.Second

// startInbound starts the inbound role: the SMTP listener for the bounce
// domains (inbound.*), which stores every accepted message in Postgres
// before answering 250, and the processor that applies them. At shutdown
// the listener stops first; unprocessed messages stay stored for the next
// start (or another inbound node).
func startInbound(ctx context.Context, a *app) error {
	c := a.cfg.Inbound
	var tlsCfg *tls.Config
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return fmt.Errorf("inbound.tls_cert: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	proc := a.bounces()
	l := bounces.NewListener(bounces.ListenerOptions{
		Hostname: c.Hostname, Domains: c.Domains, MaxMessageBytes: c.MaxMessageBytes,
		MaxConnections: c.MaxConnections, MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		SessionTimeout: c.SessionTimeout.Duration, DataTimeout: c.DataTimeout.Duration, TLS: tlsCfg, Store: bounces.NewSpool(a.db, a.contacts),
		Proven: func(rcpt string) bool { return bounces.TokenProven(a.tokenKeys(), rcpt) },
		Unproven: bounces.NewUnprovenQuota(a.rdb, a.cfg.Redis.KeyPrefix, a.contacts.CounterKey, bounces.UnprovenLimits{
			Window: c.UnprovenWindow.Duration, PerClientMessages: c.UnprovenMessagesPerClient,
			PerClientBytes: c.UnprovenBytesPerClient, DailyBytes: c.UnprovenBytesPerDay,
		}),
		Stored: proc.Wake, Metrics: a.bounceMetrics, Log: a.log,
	})
	ln, err := listenTCP("inbound.listen", c.Listen)
	if err != nil {
		return err
	}
	a.addrs["inbound"] = ln.Addr().String()
	procCtx, stopProc := context.WithCancel(ctx)
	a.g.Go(func() error { return l.Serve(ln) })
	a.g.Go(func() error { return proc.Run(procCtx) })
	a.drains = append(a.drains, func(ctx context.Context) {
		// Sessions in the middle of a message get a few seconds; idle ones
		// are closed. A sender cut off before its 250 retries, and a
		// message stored twice counts once (the consequences are keyed).
		sctx, cancel := context.WithTimeout(ctx, inboundDrain)
		l.Shutdown(sctx)
		cancel()
		l.Close()
		stopProc() // an unfinished message's transaction rolls back; it stays stored
	})
	return nil
}
