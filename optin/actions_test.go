package optin_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// Actions recorded from many goroutines are all written: by the batch timer,
// by Flush, and by Close (the shutdown drain); after Close a record is
// written synchronously.
func TestActionLogLosesNothing(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	reg := prometheus.NewRegistry()
	l := optin.NewActionLog(db, testenv.Logger(t), reg)
	ctx := context.Background()
	ip := netip.MustParseAddr("2001:db8::7")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				l.Record(ctx, optin.Action{ContactID: int64(g + 1), Action: optin.ActOpen, IP: ip, UserAgent: "ua"})
			}
		}()
	}
	wg.Wait()
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		db.QueryRow(ctx, `SELECT count(*) FROM recipient_actions WHERE host(ip) = '2001:db8::7' AND user_agent = 'ua'`).Scan(&n)
		return n
	}
	if n := count(); n != 8000 {
		t.Fatalf("after flush: %d rows, want 8000", n)
	}
	for i := 0; i < 500; i++ {
		l.Record(ctx, optin.Action{ContactID: 1, Action: optin.ActOneClick, IP: ip, UserAgent: "ua"})
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l.Close(cctx)
	if n := count(); n != 8500 {
		t.Fatalf("after close: %d rows, want 8500", n)
	}
	l.Record(ctx, optin.Action{ContactID: 1, Action: optin.ActOneClick, IP: ip, UserAgent: "ua"})
	if n := count(); n != 8501 {
		t.Fatalf("record after close: %d rows, want 8501", n)
	}
	mfs, _ := reg.Gather()
	var written float64
	for _, mf := range mfs {
		if mf.GetName() == "postbode_recipient_action_log_written_total" {
			written = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if written != 8501 {
		t.Fatalf("postbode_recipient_action_log_written_total = %v", written)
	}
}
