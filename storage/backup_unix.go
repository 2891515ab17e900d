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
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("other users can write to the directory %s (mode %v) and could replace the backup socket: "+
			"make it writable by its owner only (chmod go-w %s)", dir, fi.Mode().Perm(), dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || (int(st.Uid) != os.Geteuid() && st.Uid != 0) {
		return fmt.Errorf("the directory %s belongs to another user, who could replace the backup socket: "+
			"keep the database in a directory of its own user", dir)
	}
	return nil
}
