package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
)

// Errors returned (wrapped) by Open and BackupFile; test them with errors.Is.
var (
	// ErrInUse: another process holds the file. The message is
	// "database is in use by another process (PATH)".
	ErrInUse = errors.New("database is in use by another process")
	// ErrForeign: the file is not a commpilot database, or is corrupted. The
	// message is "PATH is not a commpilot database (REASON)".
	ErrForeign = errors.New("not a commpilot database")
	// ErrTooNew: the file was written by a newer commpilot.
	ErrTooNew = errors.New("database schema is newer than this commpilot")
)

// Batch tuning for MessageLog.Record (measured in docs/storage.md). A
// durable commit costs a write and an fdatasync, about 0.5 ms on the
// development disk and far more on a busy one. Every Record arriving while a
// batch waits or while the previous one commits joins the next commit, so
// the delay only needs to be about one fsync: 1 ms adds at most 1 ms to a
// lone message, while bbolt's default of 10 ms made moderate concurrency
// (64 appenders) five times slower. A batch also starts as soon as it holds
// 1,000 records, which keeps one commit's dirty pages to a few hundred KB.
const (
	maxBatchDelay = 1 * time.Millisecond
	maxBatchSize  = 1000
)

// defaultTimeout is how long Open waits for the file lock by default.
const defaultTimeout = 2 * time.Second

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Timeout is how long Open waits for the file lock (default 2 s).
	Timeout time.Duration
	// Logger receives the component's logs (default slog.Default()).
	Logger *slog.Logger

	// syncFreelist opens the file as commpilot did before the long-lived
	// log tuning (the array freelist written by every commit), for the
	// benchmarks that compare the two (export_test.go).
	syncFreelist bool
}

// boltOptions are the bbolt options of every writable open of a database
// file (Open, and Compact's source and copy):
//
//   - NoFreelistSync: commits do not write the freelist. bbolt writes the
//     whole list on every commit, so after a purge leaves many free pages
//     each one-message commit wrote megabytes. The file's meta page says
//     the list is absent, and every writable open rebuilds it by walking
//     every reachable page (measured in docs/storage.md). A crash loses
//     nothing: the list is derived from the tree, which commits as before.
//     An older commpilot opening such a file rebuilds the list the same
//     way and writes it back.
//   - FreelistMapType: the hash map freelist allocates and frees in
//     constant time where the array one sorts and merges the whole list.
func (o Options) boltOptions() *bbolt.Options {
	if o.syncFreelist {
		return &bbolt.Options{Timeout: o.timeout()}
	}
	return &bbolt.Options{Timeout: o.timeout(), NoFreelistSync: true, FreelistType: bbolt.FreelistMapType}
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return defaultTimeout
	}
	return o.Timeout
}

// DB is an open commpilot database: one bbolt file with every bucket of
// schema.go at the current schema version.
type DB struct {
	bolt *bbolt.DB
	path string
	log  *slog.Logger
	// seen holds the event ids waiting for the next write (see commit.go).
	seen *seenSet
	// writer commits the message log's and the inbox's writes (writer.go).
	writer *writer
}

// Open opens or creates the database at path, waits at most opts.Timeout for
// the file lock, and migrates an older schema forward, each step in its own
// transaction. It fails with ErrInUse when another process holds the file,
// ErrForeign when the file is not a commpilot database (another format,
// another bbolt application, corrupted or truncated), and ErrTooNew when a
// newer commpilot wrote it. A file that crashes bbolt while opening is
// reported as ErrForeign; its descriptor may then stay open until the
// process exits.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "storage")
	bdb, err := openBolt(path, opts.boltOptions())
	if err != nil {
		return nil, err
	}
	if err := guard(path, func() error { return migrate(ctx, bdb, path, migrations(), log) }); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	bdb.MaxBatchDelay = maxBatchDelay
	bdb.MaxBatchSize = maxBatchSize
	db := &DB{bolt: bdb, path: path, log: log, seen: newSeenSet()}
	db.writer = startWriter(db)
	return db, nil
}

// openBolt opens path with bbolt, mapping its errors to ours, and refuses a
// file shorter than its own metadata says (reading past the end of a
// memory-mapped file would crash the process).
//
// A writable open without a freelist on disk makes bbolt rebuild the list by
// walking every page in a goroutine of its own, where a corrupted page
// crashes the process beyond guard's reach. So an existing file is first
// opened read-only and its pages walked here, where guard turns a
// corrupted page into ErrForeign. That mapping is populated (read ahead in
// one sequential pass, on Linux): walking the tree page by page from a cold
// disk is random reads, 13 s instead of 1 s for a file of 1,000,000
// messages (docs/storage.md). bbolt's own walk then finds the pages cached.
func openBolt(path string, o *bbolt.Options) (*bbolt.DB, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 && o.NoFreelistSync && !o.ReadOnly {
		ro, err := openChecked(path, &bbolt.Options{Timeout: o.Timeout, ReadOnly: true, MmapFlags: populate})
		if err != nil {
			return nil, err
		}
		err = walkPages(ro, path)
		_ = ro.Close()
		if err != nil {
			return nil, err
		}
	}
	return openChecked(path, o)
}

// walkPages visits every page reachable from the root of bdb, the walk
// bbolt's freelist rebuild makes, under guard.
func walkPages(bdb *bbolt.DB, path string) error {
	return guard(path, func() error {
		return bdb.View(func(tx *bbolt.Tx) error {
			return tx.ForEach(func(_ []byte, b *bbolt.Bucket) error {
				_ = b.Stats() // reads the header of every page of b and its nested buckets
				return nil
			})
		})
	})
}

// openChecked is openBolt without the walk.
func openChecked(path string, o *bbolt.Options) (*bbolt.DB, error) {
	var bdb *bbolt.DB
	err := guard(path, func() error {
		var err error
		bdb, err = bbolt.Open(path, 0o600, o)
		return err
	})
	var pe *os.PathError
	var errno syscall.Errno
	switch {
	case err == nil:
	case errors.Is(err, ErrForeign):
		return nil, err
	case errors.Is(err, bbolt.ErrTimeout):
		return nil, fmt.Errorf("%w (%s)", ErrInUse, path)
	case errors.As(err, &pe), errors.As(err, &errno):
		return nil, fmt.Errorf("open database %s: %w", path, err)
	default: // invalid or mismatched meta pages, a file too short for them
		return nil, foreign(path, err)
	}
	if err := checkSize(bdb, path); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return bdb, nil
}

func checkSize(bdb *bbolt.DB, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	return bdb.View(func(tx *bbolt.Tx) error {
		if need := tx.Size(); need > fi.Size() {
			return foreign(path, fmt.Errorf("truncated: %d bytes, its metadata needs %d", fi.Size(), need))
		}
		return nil
	})
}

// guard runs fn, turning a panic or a memory fault inside bbolt (a corrupted
// page) into ErrForeign instead of a crash.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = foreign(path, fmt.Errorf("corrupted: %v", p))
		}
	}()
	return fn()
}

func foreign(path string, reason error) error {
	return &foreignError{path: path, reason: reason}
}

type foreignError struct {
	path   string
	reason error
}

func (e *foreignError) Error() string {
	return e.path + " is not a commpilot database (" + e.reason.Error() + ")"
}
func (e *foreignError) Unwrap() []error { return []error{ErrForeign, e.reason} }

// schemaOf reads the schema version of an open file, checking it is ours. A
// bbolt file without any bucket is new: version 0.
func schemaOf(tx *bbolt.Tx, path string) (uint64, error) {
	meta := tx.Bucket([]byte(BucketMeta))
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if empty {
			return 0, nil
		}
		return 0, foreign(path, errors.New("a bbolt file of another application"))
	}
	if string(meta.Get([]byte(metaApp))) != appName {
		return 0, foreign(path, errors.New("a bbolt file of another application"))
	}
	v := meta.Get([]byte(metaVersion))
	if len(v) != 8 {
		return 0, foreign(path, errors.New("corrupted: no schema version"))
	}
	return KeyU64(v), nil
}

// migrate runs the steps the file has not run yet, each in its own
// transaction that also records the new version.
func migrate(ctx context.Context, bdb *bbolt.DB, path string, steps []migration, log *slog.Logger) error {
	var have uint64
	if err := bdb.View(func(tx *bbolt.Tx) (err error) { have, err = schemaOf(tx, path); return err }); err != nil {
		return err
	}
	want := uint64(len(steps))
	if have > want {
		return fmt.Errorf("%w: %s has schema version %d, this commpilot knows up to %d: upgrade commpilot or restore a backup",
			ErrTooNew, path, have, want)
	}
	for v := have; v < want; v++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("migrate %s: %w", path, err)
		}
		step := steps[v]
		err := bdb.Update(func(tx *bbolt.Tx) error {
			if err := step.up(tx); err != nil {
				return err
			}
			return tx.Bucket([]byte(BucketMeta)).Put([]byte(metaVersion), U64Key(v+1))
		})
		if err != nil {
			return fmt.Errorf("migrate %s to %s: %w", path, step.name, err)
		}
		if have > 0 {
			log.Info("migrated database", "path", path, "to", step.name)
		}
	}
	return nil
}

// Bolt returns the underlying bbolt handle, for the typed stores of this
// package. Use the bucket names of schema.go; never close it, call DB.Close.
func (db *DB) Bolt() *bbolt.DB { return db.bolt }

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Close writes the event ids that wait for a commit (see SeenEvents), then
// releases the file and its lock. Call it after everything using the DB has
// stopped.
func (db *DB) Close() error {
	db.writer.close() // commits the queued writes
	var flushErr error
	if db.seen.hasPending() {
		if err := db.update(func(*bbolt.Tx) error { return nil }); err != nil {
			flushErr = fmt.Errorf("close database %s: write seen event ids: %w", db.path, err)
		}
	}
	if err := db.bolt.Close(); err != nil {
		return errors.Join(flushErr, fmt.Errorf("close database %s: %w", db.path, err))
	}
	return flushErr
}

// ctxWriter fails the copy once ctx is done, so a backup can be abandoned.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Check reports whether the database answers: a read transaction that finds
// the commpilot marker. /healthz calls it.
func (db *DB) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(func(tx *bbolt.Tx) error {
		_, err := schemaOf(tx, db.path)
		return err
	})
}
