package cpusched

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

const (
	schedOther = 0
	schedBatch = 3
)

func batch() (int, error) {
	switched := 0
	// A thread started while the list is read inherits the policy of its
	// creator, which may not be switched yet: look again until a pass
	// finds none left.
	for range 10 {
		n, err := batchPass()
		switched += n
		if err != nil || n == 0 {
			return switched, err
		}
	}
	return switched, nil
}

func batchPass() (int, error) {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, fmt.Errorf("cpusched: list threads: %w", err)
	}
	n := 0
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, err := Policy(tid)
		if errors.Is(err, syscall.ESRCH) {
			continue // the thread ended
		}
		if err != nil {
			return n, err
		}
		if p != schedOther {
			continue
		}
		var param struct{ priority int32 } // sched_priority must be 0
		if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedBatch, uintptr(unsafe.Pointer(&param))); e != 0 {
			if e == syscall.ESRCH {
				continue
			}
			return n, fmt.Errorf("cpusched: thread %d to SCHED_BATCH: %w", tid, e)
		}
		n++
	}
	return n, nil
}

// Policy returns the scheduling policy of thread tid (0 SCHED_OTHER,
// 3 SCHED_BATCH, see sched(7)); tid 0 is the calling thread.
func Policy(tid int) (int, error) {
	p, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETSCHEDULER, uintptr(tid), 0, 0)
	if e != 0 {
		return 0, fmt.Errorf("cpusched: policy of thread %d: %w", tid, e)
	}
	return int(p), nil
}
