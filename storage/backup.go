package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

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
// one read transaction while the bot runs. It does no authentication: serve
// it only on the owner-only socket of ListenBackup, never on a TCP listener.
// A copy cut short by an error arrives shorter than its Content-Length,
// which FetchBackup rejects.
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
// ErrInUse when a running bot holds it (fetch from its socket instead, see
// ListenBackup), or with ErrForeign when it is not a commpilot database. The
// file is not migrated. Errors name each file once and say nothing of
// "backup": the caller does.
func BackupFile(ctx context.Context, dbPath, outPath string, opts Options) error {
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s", dbPath)
	}
	bdb, err := openBolt(dbPath, &bbolt.Options{Timeout: opts.timeout(), ReadOnly: true})
	if err != nil {
		return err
	}
	defer bdb.Close()
	return writeAtomically(outPath, func(w io.Writer) error {
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
	var ue *neturl.Error
	if errors.As(err, &ue) {
		err = ue.Err // "Get URL: dial …": the URL says nothing the caller does not know
	}
	return err
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
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// SocketPath is the Unix socket beside the database at dbPath on which a
// running bot serves its backups: dbPath + ".sock".
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// ListenBackup creates the Unix socket SocketPath(db.Path()) for
// ServeBackup, readable and writable by the database's owner only (0600),
// and returns its listener; closing it removes the socket. Only this
// machine's owner of the database (or root) can connect, whatever proxy
// fronts the HTTP listener. The directory must be writable by its owner
// alone (else another user could swap the socket), and a file of that name
// that is not a socket is left alone and refused. A socket left by a bot
// that was killed is replaced: the open database's lock says no other bot
// runs. The socket is made in a private directory and renamed into place,
// so it is never reachable with wider permissions.
func (db *DB) ListenBackup() (net.Listener, error) {
	path := SocketPath(db.path)
	dir := filepath.Dir(path)
	if err := ownerOnly(dir); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket: move it away", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	private, err := os.MkdirTemp(dir, ".commpilot-sock-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = ln.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = ln.Close()
		return nil, err
	}
	return socketListener{ln, path}, nil
}

// socketListener removes its socket file when closed.
type socketListener struct {
	*net.UnixListener
	path string
}

func (l socketListener) Close() error {
	err := l.UnixListener.Close()
	if rmErr := os.Remove(l.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
		err = rmErr
	}
	return err
}

// SocketClient returns an HTTP client that reaches the bot's backup socket
// at path whatever the URL's host; use it with FetchBackup and any URL such
// as "http://commpilot/backup".
func SocketClient(path string) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		// The copy starts in one read transaction, which writers never block.
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}

// Restore replaces the database at dbPath with a copy of the backup at
// from, when no bot is running. It first checks from: it must open as a
// commpilot database at a schema this build knows (ErrForeign, ErrTooNew
// otherwise). It then takes the database's lock (ErrInUse while a bot holds
// it), copies the current file, as it is, to dbPath+".bak", and renames a
// synced copy of from over dbPath, so dbPath is always either the old or the
// new database. A missing dbPath is created.
func Restore(ctx context.Context, from, dbPath string) error {
	if same, err := sameFile(from, dbPath); err != nil || same {
		if err == nil {
			err = fmt.Errorf("%s is the database itself", from)
		}
		return err
	}
	if err := restorable(from); err != nil {
		return err
	}
	unlock, err := lockFile(dbPath)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(dbPath); err == nil {
		if err := copyFile(ctx, dbPath, dbPath+".bak", nil); err != nil {
			return fmt.Errorf("keep the current database: %w", err)
		}
	}
	return copyFile(ctx, from, dbPath, restorable)
}

// restorable checks that the file at path is a commpilot database this
// build can open: ours, at a schema version it knows.
func restorable(path string) error {
	bdb, err := openBolt(path, &bbolt.Options{Timeout: defaultTimeout, ReadOnly: true})
	if err != nil {
		return err
	}
	defer bdb.Close()
	return guard(path, func() error {
		return bdb.View(func(tx *bbolt.Tx) error {
			v, err := schemaOf(tx, path)
			if err != nil {
				return err
			}
			if want := uint64(len(migrations())); v > want {
				return fmt.Errorf("%w: %s has schema version %d, this commpilot knows up to %d: upgrade commpilot first",
					ErrTooNew, path, v, want)
			}
			return nil
		})
	})
}

// copyFile copies the bytes of from to to with writeAtomically.
func copyFile(ctx context.Context, from, to string, check func(string) error) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	var checks []func(string) error
	if check != nil {
		checks = append(checks, check)
	}
	return writeAtomically(to, func(w io.Writer) error {
		_, err := io.Copy(ctxWriter{ctx, w}, in)
		return err
	}, checks...)
}

// lockFile takes the exclusive lock a running bot holds on path (bbolt's),
// without waiting more than a moment, and returns its release: ErrInUse
// while a bot runs. A missing file needs no lock, and neither does one bbolt
// cannot open (no bot can run on it).
func lockFile(path string) (unlock func(), err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return func() {}, nil
	}
	bdb, err := openBolt(path, Options{Timeout: 100 * time.Millisecond}.boltOptions())
	switch {
	case errors.Is(err, ErrForeign):
		return func() {}, nil
	case err != nil:
		return nil, err
	}
	return func() { _ = bdb.Close() }, nil
}

// sameFile reports whether a and b are one file; a missing b is not a.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
