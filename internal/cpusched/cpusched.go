// Package cpusched sets the Linux scheduling policy of the process's
// threads.
package cpusched

// Batch switches every thread of the process whose policy is SCHED_OTHER
// (the default) to SCHED_BATCH, and so every thread started after it,
// which inherits its creator's policy: a thread that wakes up then waits
// for the scheduler tick instead of preempting the one running. A signed
// send switches threads several times per message, and each switch away
// from a thread in the middle of an RSA signature makes that signature
// dearer; with this policy the switches fall to about a fifth (README,
// "Sending performance"). Threads given another policy (real-time, idle)
// are left alone. It returns how many threads it switched; on systems
// other than Linux it does nothing.
func Batch() (int, error) { return batch() }
