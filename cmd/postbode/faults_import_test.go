//go:build faults

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/testenv"
)

// TestFaultKillImport: an API node killed with SIGKILL mid-import leaves a
// running job and its spooled upload behind; another API node marks the job
// failed with exactly what was applied, and deletes the upload.
func TestFaultKillImport(t *testing.T) {
	const n = 1_000_000
	pool, dbURL := testenv.DBWithURL(t)
	spool := t.TempDir()
	c := newCluster(t, dbURL, "", "POSTBODE_API_SPOOL_DIR="+spool)
	victim := c.node("api")
	var job struct {
		ID                         int64
		Status, Message            string
		Processed, Applied, Failed int64
	}
	json.Unmarshal([]byte(c.call("POST", "/api/v1/imports?format=csv&source=import&purpose=news", contactsCSV("k", n), 202)), &job)
	for job.Processed < 10_000 {
		if job.Status != "running" {
			t.Fatalf("import ended before the kill: %+v", job)
		}
		time.Sleep(10 * time.Millisecond)
		json.Unmarshal([]byte(c.call("GET", fmt.Sprintf("/api/v1/jobs/%d", job.ID), "", 200)), &job)
	}
	victim.cmd.Process.Kill()
	victim.cmd.Wait()
	if files, _ := os.ReadDir(spool); len(files) != 1 {
		t.Fatalf("spool after the kill: %v, want the one upload", files)
	}
	// The heartbeat bound is a minute: age the dead job's last beat rather
	// than wait for it.
	if _, err := pool.Exec(t.Context(), `UPDATE jobs SET heartbeat_at = heartbeat_at - interval '2 minutes' WHERE id = $1 AND status = 'running'`, job.ID); err != nil {
		t.Fatal(err)
	}
	heir := startNode(t, "api", c.env)
	deadline := time.Now().Add(20 * time.Second)
	for job.Status == "running" {
		if time.Now().After(deadline) {
			t.Fatalf("job still running on the new node: %+v", job)
		}
		time.Sleep(50 * time.Millisecond)
		_, out := heir.request(t, c.token, "GET", fmt.Sprintf("/api/v1/jobs/%d", job.ID), "")
		json.Unmarshal([]byte(out), &job)
	}
	var contacts int64
	pool.QueryRow(t.Context(), `SELECT count(*) FROM contacts`).Scan(&contacts)
	t.Logf("killed mid-import: %+v; %d contacts stored", job, contacts)
	if job.Status != "failed" || !strings.Contains(job.Message, "heartbeat") || job.Processed >= n ||
		job.Processed != job.Applied+job.Failed || contacts != job.Applied {
		t.Errorf("after the sweep: job %+v, %d contacts; want failed with the counts of what is stored", job, contacts)
	}
	deadline = time.Now().Add(10 * time.Second)
	for files, _ := os.ReadDir(spool); len(files) > 0; files, _ = os.ReadDir(spool) {
		if time.Now().After(deadline) {
			t.Fatalf("spooled upload not deleted: %v", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
