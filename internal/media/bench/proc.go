package bench

// ProcCPU is another process's user+system CPU seconds (for other benchmarks
// that measure servers running as child processes).
func ProcCPU(pid int) (float64, error) { return procCPU(pid) }

// ProcRSS is another process's resident memory in bytes.
func ProcRSS(pid int) int64 { return procRSS(pid) }
