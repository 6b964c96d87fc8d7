package db_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
)

// BenchmarkScopedQueryRow measures one small QueryRow as a staff request
// runs it (in a department's scope, with an actor), as two departments'
// requests alternating, and as system work (no scope). It reports the
// client's CPU (this process), the Postgres backends' CPU (from
// /proc/<pid>/stat, 10 ms ticks) and the client's writes to the server
// (one per round trip, counted by a loopback relay in front of Postgres),
// per query.
func BenchmarkScopedQueryRow(b *testing.B) {
	_, dbURL := testenv.DBWithURL(b)
	ctx := context.Background()
	a := access.WithActor(ctx, access.Actor{PersonID: 1, DepartmentID: access.DefaultDepartment})
	other := access.WithActor(ctx, access.Actor{PersonID: 2, DepartmentID: 2})
	setup, err := db.Open(ctx, dbURL, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := setup.Exec(ctx, `INSERT INTO departments (id, slug, name) VALUES (2, 'two', 'Two');
		INSERT INTO contacts (email, source, updated_source, department_id)
		SELECT 'c' || i || '@example.org', 'manual', 'manual', 1 + i % 2 FROM generate_series(1, 1000) i`); err != nil {
		b.Fatal(err)
	}
	setup.Close()
	for _, c := range []struct {
		name string
		ctxs []context.Context
	}{
		{"system", []context.Context{ctx}},
		{"one department", []context.Context{a}},
		{"two departments alternating", []context.Context{a, other}},
	} {
		// CPU is measured without the relay, whose work would count as the
		// client's; round trips with it.
		for _, relayed := range []bool{false, true} {
			name := c.name + "/cpu"
			if relayed {
				name = c.name + "/round trips"
			}
			b.Run(name, func(b *testing.B) {
				url, relay := dbURL, (*countingRelay)(nil)
				if relayed {
					relay = newCountingRelay(b, dbURL)
					url = relay.url
				}
				pool, err := db.Open(ctx, url, 1)
				if err != nil {
					b.Fatal(err)
				}
				defer pool.Close()
				var email string
				// Contacts with even ids are department 1's, odd ones 2's.
				for k, ctx := range c.ctxs { // warm the statement caches
					if err := pool.QueryRow(ctx, `SELECT email FROM contacts WHERE id = $1`, 2+k).Scan(&email); err != nil {
						b.Fatal(err)
					}
				}
				backends := backendPIDs(b, dbURL)
				pg0, cpu0 := ticks(backends), processCPU()
				var w0 int64
				if relay != nil {
					w0 = relay.writes.Load()
				}
				for i := 0; b.Loop(); i++ {
					if err := pool.QueryRow(c.ctxs[i%len(c.ctxs)], `SELECT email FROM contacts WHERE id = $1`, 2+2*(i%100)+i%len(c.ctxs)).Scan(&email); err != nil {
						b.Fatal(err)
					}
				}
				n := float64(b.N)
				if relay != nil {
					b.ReportMetric(float64(relay.writes.Load()-w0)/n, "writes/op")
					return
				}
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/n, "client-µs/op")
				b.ReportMetric(float64(ticks(backends)-pg0)*10000/n, "pg-µs/op")
			})
		}
	}
}

// countingRelay forwards loopback connections to Postgres and counts the
// client's writes that reach it.
type countingRelay struct {
	url    string
	writes atomic.Int64
}

func newCountingRelay(b *testing.B, dbURL string) *countingRelay {
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r := &countingRelay{}
	target := u.Host
	u.Host = ln.Addr().String()
	r.url = u.String()
	var wg sync.WaitGroup
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { io.Copy(c, s); c.Close() })
			wg.Go(func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						r.writes.Add(1)
						if _, werr := s.Write(buf[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				s.Close()
			})
		}
	})
	return r
}

// backendPIDs returns the Postgres processes serving dbURL's database (the
// server must run on this machine for their CPU to be read).
func backendPIDs(b *testing.B, dbURL string) []int {
	c, err := db.Open(context.Background(), testenv.ServerURL(dbURL), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	rows, err := c.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		rows.Scan(&pid)
		pids = append(pids, pid)
	}
	return pids
}

// ticks sums utime+stime (clock ticks) of pids.
func ticks(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		sum += u + s
	}
	return sum
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
