package storage

import "go.etcd.io/bbolt"

// LegacyLayout returns opts changed to open files as commpilot did before
// the long-lived log tuning (the array freelist, written by every commit)
// and makes appends split pages at bbolt's default fill until restore runs,
// for the benchmarks that compare the two layouts. Not for parallel tests.
func LegacyLayout(opts Options) (legacy Options, restore func()) {
	opts.syncFreelist = true
	prev := appendFill
	appendFill = bbolt.DefaultFillPercent
	return opts, func() { appendFill = prev }
}
