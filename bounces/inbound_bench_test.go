package bounces

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
)

// BenchmarkInboundAccept measures the listener's intake with durable
// storage: several concurrent SMTP clients on loopback send standard DSNs to
// VERP addresses, each answered 250 only after its row is committed in
// Postgres. Each iteration sends 1,000 messages; the metric is messages per
// second (target ≥ 500).
func BenchmarkInboundAccept(b *testing.B) {
	const clients, perIter = 8, 1000
	pool := testenv.DB(b)
	keys := rtoken.NewKeys(testKey)
	m := NewMetrics(prometheus.NewRegistry())
	l := NewListener(ListenerOptions{Domains: []string{bounceDomain}, Store: NewSpool(pool, contacts.NewStore(pool, testKey, 2)), Metrics: m, MaxConnections: 64})
	ln := listenLoopback(b)
	go l.Serve(ln)
	defer l.Close()
	msgs := make([]string, 64)
	rcpts := make([]string, 64)
	for i := range msgs {
		rcpts[i] = keys.Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: int64(1000 + i), CampaignID: 7}, bounceDomain)
		msgs[i] = makeDSN(fmt.Sprintf("user%d@example.org", i), "5.1.1", "550 5.1.1 user unknown", "")
	}
	b.ResetTimer()
	start := time.Now()
	var sent int
	for range b.N {
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := sendMany(ln.Addr().String(), perIter/clients, c, rcpts, msgs); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		sent += perIter
	}
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "msgs/s")
}

// sendMany sends n messages over one connection.
func sendMany(addr string, n, client int, rcpts, msgs []string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("bench.test"); err != nil {
		return err
	}
	for i := range n {
		k := (client*n + i) % len(msgs)
		if err := c.SendMail("", []string{rcpts[k]}, stringsReader(msgs[k])); err != nil {
			return err
		}
	}
	return c.Quit()
}

// BenchmarkProcess measures the processor: 500 stored standard DSNs to VERP
// addresses of 500 contacts are parsed, correlated and applied (one
// transaction each, 4 workers, the default); the metric is messages per second.
func BenchmarkProcess(b *testing.B) {
	const n = 500
	pool := testenv.DB(b)
	keys := rtoken.NewKeys(testKey)
	ctx := b.Context()
	var ids []int64
	rows, err := pool.Query(ctx, `INSERT INTO contacts (email, source, updated_source)
		SELECT 'bench' || g || '@example.org', 'api', 'api' FROM generate_series(1, $1) g RETURNING id`, n)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	sp := NewSpool(pool, contacts.NewStore(pool, testKey, 2))
	reg := prometheus.NewRegistry()
	var elapsed time.Duration
	for range b.N {
		for i, id := range ids {
			rcpt := keys.Address(rtoken.Claims{Purpose: rtoken.Bounce, ContactID: id}, bounceDomain)
			if _, err := sp.Store(ctx, "", []string{rcpt}, []byte(makeDSN(fmt.Sprintf("bench%d@example.org", i+1), "5.1.1", "550 5.1.1 user unknown", ""))); err != nil {
				b.Fatal(err)
			}
		}
		p := NewProcessor(ProcessorOptions{DB: pool, Contacts: contacts.NewStore(pool, testKey, 2), Lists: testLists{}, Keys: keys,
			Metrics: NewMetrics(reg), Workers: 4, Poll: 5 * time.Millisecond, Policy: Policy{HardThreshold: 1 << 30}})
		reg = prometheus.NewRegistry()
		start := time.Now()
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { p.Run(pctx); close(done) }()
		for {
			var left int
			pool.QueryRow(ctx, `SELECT count(*) FROM inbound_messages WHERE status = 'new'`).Scan(&left)
			if left == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed += time.Since(start)
		cancel()
		<-done
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "msgs/s")
}
