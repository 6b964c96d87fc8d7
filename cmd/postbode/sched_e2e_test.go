package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/postbode/postbode/internal/cpusched"
)

// TestServeSchedulingPolicy checks that a node with the sender role runs
// every thread under SCHED_BATCH (sending.batch_scheduling), and that a
// node without it, or with the setting off, keeps the policy it was
// started with.
func TestServeSchedulingPolicy(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("scheduling policies are Linux's")
	}
	own, err := cpusched.Policy(0)
	if err != nil {
		t.Fatal(err)
	}
	if own != 0 {
		t.Skipf("the test runs under policy %d, not SCHED_OTHER: a node would inherit it", own)
	}
	for _, c := range []struct {
		roles string
		env   []string
		want  int
	}{
		{"api,sender", nil, 3},
		{"api", nil, 0},
		{"api,sender", []string{"POSTBODE_SENDING_BATCH_SCHEDULING=false"}, 0},
	} {
		t.Run(fmt.Sprintf("%s %v", c.roles, c.env), func(t *testing.T) {
			d := startDaemon(t, c.roles, c.env...)
			dir := filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "task")
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, e := range ents {
				tid, err := strconv.Atoi(e.Name())
				if err != nil {
					continue
				}
				p, err := cpusched.Policy(tid)
				if err != nil {
					continue // the thread ended
				}
				seen++
				if p != c.want {
					t.Errorf("thread %d has policy %d, want %d", tid, p, c.want)
				}
			}
			if seen < 2 {
				t.Fatalf("read the policy of %d threads of the daemon", seen)
			}
		})
	}
}
