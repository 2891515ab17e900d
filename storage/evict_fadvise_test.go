//go:build linux && (amd64 || arm64)

package storage_test

import (
	"os"
	"syscall"
	"testing"
)

// evict drops the file at path from the page cache (posix_fadvise
// DONTNEED), so the next read of it comes from the disk, as after a reboot.
// Only this file's clean pages are dropped.
func evict(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const dontNeed = 4 // POSIX_FADV_DONTNEED
	if _, _, errno := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, dontNeed, 0, 0); errno != 0 {
		b.Fatal(errno)
	}
}
