//go:build !(linux && (amd64 || arm64))

package storage_test

import "testing"

// evict skips the benchmark: dropping one file from the page cache is
// written for Linux on amd64 and arm64 only.
func evict(b *testing.B, _ string) { b.Skip("cold-cache benchmarks run on Linux (amd64, arm64) only") }
