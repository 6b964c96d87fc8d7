package console

// jobProgress is a job's progress in percent: a finished job is 100, a
// running or failed one the share of its rows it got through.
func jobProgress(done, total int64, status string) float64 {
	if status == "done" {
		return 100
	}
	if total <= 0 {
		return 0
	}
	return min(float64(done)*100/float64(total), 100)
}
