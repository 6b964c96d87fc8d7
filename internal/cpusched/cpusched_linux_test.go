package cpusched

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestBatchSwitchesEveryThread switches the test process to SCHED_BATCH
// and checks that every thread has it, also threads started afterwards.
func TestBatchSwitchesEveryThread(t *testing.T) {
	if _, err := Batch(); err != nil {
		t.Fatal(err)
	}
	before := threads(t)
	// Goroutines locked to their threads while they wait make the runtime
	// start new threads for the rest.
	release := make(chan struct{})
	ready := make(chan int)
	for range 4 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			p, err := Policy(0)
			if err != nil {
				t.Error(err)
			}
			ready <- p
			<-release
		}()
	}
	for range 4 {
		if p := <-ready; p != schedBatch {
			t.Errorf("a locked goroutine's thread has policy %d, want SCHED_BATCH (%d)", p, schedBatch)
		}
	}
	after := threads(t)
	close(release)
	if len(after) <= len(before) {
		t.Fatalf("no thread was started: %d threads before, %d after", len(before), len(after))
	}
	for _, tid := range after {
		p, err := Policy(tid)
		if err != nil {
			continue // ended meanwhile
		}
		if p != schedBatch {
			t.Errorf("thread %d has policy %d, want SCHED_BATCH (%d)", tid, p, schedBatch)
		}
	}
	if n, err := Batch(); err != nil || n != 0 {
		t.Errorf("Batch again switched %d threads (error %v), want 0", n, err)
	}
}

func threads(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, tid)
		}
	}
	return out
}
