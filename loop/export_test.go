package loop

// RealPasswordChecks is how many passwords were checked against accounts'
// hashes so far.
func RealPasswordChecks() int64 { return realChecks.Load() }
