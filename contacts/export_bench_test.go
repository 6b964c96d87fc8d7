package contacts_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// peakHeap samples the bytes of heap objects (live and not yet collected)
// every millisecond until stop is called, which returns the highest
// sample above the heap at the start.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

// BenchmarkExport100k downloads the bulk export of 100,000 contacts (each
// with a few attributes) over HTTP, as CSV and as JSON, and reports the
// peak heap the download took (peak-heap-MiB) and the size of the file.
func BenchmarkExport100k(b *testing.B) {
	const n = 100_000
	pool := testenv.DB(b)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := pool.Exec(ctx, fmt.Sprintf(`INSERT INTO contacts (email, name, attributes, source, updated_source)
		SELECT 'user' || i || '@example.org', 'User ' || i, jsonb_build_object('city', 'Utrecht', 'plan', 'pro', 'n', i), 'import', 'import'
		FROM generate_series(1, %d) i`, n)); err != nil {
		b.Fatal(err)
	}
	cs := contacts.NewStore(pool, "api-test-key-0123456789abcdef0123", 2)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(b), customRole{access.NewSet(access.ContactsRead, access.ContactsExport)},
		httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(rt, &contacts.API{Store: cs, DB: pool})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	for _, format := range []string{"csv", "json"} {
		b.Run(format, func(b *testing.B) {
			var peak, size uint64
			for range b.N {
				stop := peakHeap()
				req, _ := http.NewRequest("GET", hs.URL+"/api/v1/contacts/export?format="+format, nil)
				req.Header.Set("Authorization", "Bearer custom")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				m, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("export: %d %v", resp.StatusCode, err)
				}
				peak, size = max(peak, stop()), uint64(m)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(size)/(1<<20), "file-MiB")
		})
	}
}
