package optin_test

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// BenchmarkImportCSV imports a generated CSV of POSTBODE_BENCH_IMPORT_ROWS
// rows (default 1,000,000) streamed through a pipe, subscribing every row to
// a list with a consent record, and reports rows/s and peak RSS. With
// POSTBODE_BENCH_SCOPED set it runs scoped to a department, as an import
// started by a person does.
func BenchmarkImportCSV(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("POSTBODE_BENCH_IMPORT_ROWS"); v != "" {
		rows, _ = strconv.Atoi(v)
	}
	for range b.N {
		pool := testenv.DB(b)
		log := testenv.Logger(b)
		cs := contacts.NewStore(pool, strings.Repeat("k", 32), 2)
		js := jobs.NewStore(pool)
		st := optin.NewStore(pool)
		list, err := st.CreateList(b.Context(), optin.ListInput{Slug: ptr("bench"), Name: ptr("Bench"), Purpose: ptr("bench"), OptIn: ptr("single")})
		if err != nil {
			b.Fatal(err)
		}
		job, _ := js.Start(b.Context(), "import", nil, "bench")
		pr, pw := io.Pipe()
		go func() {
			fmt.Fprintln(pw, "email,name,city,segment")
			for i := range rows {
				fmt.Fprintf(pw, "user%d@example%d.org,User %d,City %d,s%d\n", i, i%100, i, i%50, i%7)
			}
			pw.Close()
		}()
		ctx := b.Context()
		if os.Getenv("POSTBODE_BENCH_SCOPED") != "" {
			// As a staff import runs: scoped to its department.
			ctx = access.WithDepartment(ctx, access.DefaultDepartment)
		}
		start := time.Now()
		err = optin.NewImporter(pool, cs, js, log).Run(ctx, job.ID, pr,
			optin.ImportParams{Format: "csv", Source: "import", Purpose: "bench", Lists: benchLists(list.ID)})
		elapsed := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		j, _ := js.Get(b.Context(), job.ID)
		if j.Applied != int64(rows) {
			b.Fatalf("applied %d of %d", j.Applied, rows)
		}
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.Logf("%d rows in %s: %.0f rows/s, peak RSS %d MiB", rows, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), peakRSS()>>20)
	}
}

func ptr(s string) *string { return &s }

// peakRSS reads VmHWM from /proc/self/status, in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func benchLists(id int64) []int64 {
	if os.Getenv("POSTBODE_BENCH_IMPORT_NOLISTS") != "" {
		return nil
	}
	return []int64{id}
}
