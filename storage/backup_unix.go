//go:build unix

package storage

import (
	"fmt"
	"os"
	"syscall"
)

// ownerOnly fails unless dir is owned by this user (or root) and writable
// by its owner alone.
func ownerOnly(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm()&0o022 != 0 || !ok || (int(st.Uid) != os.Geteuid() && st.Uid != 0) {
		return fmt.Errorf("directory %s is writable by other users or owned by another user (mode %v): "+
			"keep the database in a directory only its owner can write to", dir, fi.Mode().Perm())
	}
	return nil
}
