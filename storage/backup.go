package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the database to path while the bot
// keeps running: the copy is one read transaction's snapshot, written to a
// temporary file next to path, synced, then renamed over path. Writers are
// not blocked. Cancelling ctx abandons the copy and leaves path untouched.
func (db *DB) Backup(ctx context.Context, path string) error {
	err := writeAtomically(path, func(w io.Writer) error {
		return db.bolt.View(func(tx *bbolt.Tx) error {
			_, err := tx.WriteTo(ctxWriter{ctx, w})
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("backup %s to %s: %w", db.path, path, err)
	}
	db.log.Info("backup written", "to", path)
	return nil
}

// ServeBackup returns a handler that answers GET with a consistent copy of
// the database (application/octet-stream, with its Content-Length), taken in
// one read transaction while the bot runs. It does no authentication: mount
// it only on the admin address (127.0.0.1 by default). A copy cut short by an
// error arrives shorter than its Content-Length, which FetchBackup rejects.
func (db *DB) ServeBackup() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		started := false
		err := db.bolt.View(func(tx *bbolt.Tx) error {
			started = true
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="commpilot.db"`)
			w.Header().Set("Content-Length", strconv.FormatInt(tx.Size(), 10))
			_, err := tx.WriteTo(ctxWriter{r.Context(), w})
			return err
		})
		if err != nil {
			db.log.Warn("backup download failed", "err", err)
			if !started {
				http.Error(w, "backup failed", http.StatusInternalServerError)
			}
			return
		}
		db.log.Info("backup downloaded", "remote", r.RemoteAddr)
	})
}

// BackupFile copies the database at dbPath to outPath when no bot is running:
// it opens the file read-only with the lock timeout of opts and fails with
// ErrInUse when a running bot holds it (fetch ServeBackup instead), or with
// ErrForeign when it is not a commpilot database. The file is not migrated.
func BackupFile(ctx context.Context, dbPath, outPath string, opts Options) error {
	bdb, err := openBolt(dbPath, &bbolt.Options{Timeout: opts.timeout(), ReadOnly: true})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer bdb.Close()
	err = writeAtomically(outPath, func(w io.Writer) error {
		return guard(dbPath, func() error {
			return bdb.View(func(tx *bbolt.Tx) error {
				if _, err := schemaOf(tx, dbPath); err != nil {
					return err
				}
				_, err := tx.WriteTo(ctxWriter{ctx, w})
				return err
			})
		})
	})
	if err != nil {
		return fmt.Errorf("backup %s to %s: %w", dbPath, outPath, err)
	}
	return nil
}

// FetchBackup downloads a backup from url (a ServeBackup handler) to
// outPath. The download must be complete and a commpilot database before it
// replaces outPath.
func FetchBackup(ctx context.Context, client *http.Client, url, outPath string) error {
	if client == nil {
		client = http.DefaultClient
	}
	err := writeAtomically(outPath, func(w io.Writer) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("server answered %s", resp.Status)
		}
		if resp.ContentLength < 0 {
			return errors.New("server sent no Content-Length")
		}
		n, err := io.Copy(w, resp.Body)
		if err != nil {
			return err
		}
		if n != resp.ContentLength {
			return fmt.Errorf("download cut short: %d of %d bytes", n, resp.ContentLength)
		}
		return nil
	}, verifyCopy)
	if err != nil {
		return fmt.Errorf("fetch backup %s to %s: %w", url, outPath, err)
	}
	return nil
}

// verifyCopy checks that the file at tmp opens as a commpilot database.
func verifyCopy(tmp string) error {
	bdb, err := openBolt(tmp, &bbolt.Options{Timeout: defaultTimeout, ReadOnly: true})
	if err != nil {
		return err
	}
	defer bdb.Close()
	return guard(tmp, func() error {
		return bdb.View(func(tx *bbolt.Tx) error { _, err := schemaOf(tx, tmp); return err })
	})
}

// writeAtomically creates a temporary file next to path, lets write fill it,
// syncs it, runs each check on it, renames it to path and syncs the
// directory. On any error the temporary file is removed and path is left as
// it was.
func writeAtomically(path string, write func(io.Writer) error, checks ...func(tmp string) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, check := range checks {
		if err := check(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
