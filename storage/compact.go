package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"
)

// compactTxBytes bounds the keys and values one transaction of the copy
// writes, which bounds its memory. The copy is not synced commit by commit
// (it is synced once, before it replaces anything), so the bound costs
// little.
const compactTxBytes = 32 << 20

// compactReport is how many keys the copy writes between two progress
// reports.
const compactReport = 10_000

// CompactProgress is what Compact has copied so far.
type CompactProgress struct {
	Bucket    string // the bucket being copied
	Keys      int64  // keys copied so far, all buckets together
	TotalKeys int64  // keys to copy
}

// CompactResult describes a finished compaction.
type CompactResult struct {
	Path   string // the compacted file
	Before int64  // size of the original file, in bytes
	After  int64  // size of the compacted file, in bytes
	Backup string // where the original was kept when it was replaced, else ""
}

// Compact rewrites the database at path into a new file holding only its
// live records, its pages filled completely, so the file shrinks to its
// live size (bbolt never gives pages back to the file system).
//
// It works offline: it takes the file's lock, so it fails with ErrInUse
// while a running bot holds the file, and a bot started meanwhile fails
// the same way. It refuses a file that is missing or not a commpilot
// database (ErrForeign); the schema is copied as it is, not migrated.
//
// The copy is written to a temporary file next to its destination, synced,
// and checked: it must open as a commpilot database with the same number of
// keys and the same sequence in every bucket. Then, with out empty, the
// original is kept as path+".bak" (a hard link, replacing an older one) and
// the copy is renamed over path; with out set, the copy is renamed to out,
// which must not exist, and path is left as it was. On any error or when ctx
// ends, the temporary file is removed and path is left as it was.
//
// progress, when set, is called from Compact's goroutine at the start of
// each bucket and every few thousand keys.
func Compact(ctx context.Context, path, out string, opts Options, progress func(CompactProgress)) (CompactResult, error) {
	res, err := compact(ctx, path, out, opts, progress)
	if err != nil {
		return CompactResult{}, fmt.Errorf("compact %s: %w", path, err)
	}
	return res, nil
}

func compact(ctx context.Context, path, out string, opts Options, progress func(CompactProgress)) (CompactResult, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return CompactResult{}, err // a missing file is not created
	}
	res := CompactResult{Path: path, Before: fi.Size()}
	if out != "" && out != path {
		if _, err := os.Lstat(out); err == nil {
			return CompactResult{}, fmt.Errorf("%s exists already: remove it or choose another file", out)
		}
		res.Path = out
	} else {
		res.Backup = path + ".bak"
	}
	src, err := openBolt(path, opts.boltOptions())
	if err != nil {
		return CompactResult{}, err
	}
	defer src.Close() // after the rename: the lock keeps a bot out until then

	want, err := bucketCounts(src, path)
	if err != nil {
		return CompactResult{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(res.Path), "."+filepath.Base(res.Path)+".compact-*")
	if err != nil {
		return CompactResult{}, err
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(tmpPath)
		}
	}()
	if err := copyLive(ctx, src, tmpPath, path, want, progress); err != nil {
		return CompactResult{}, err
	}
	got, err := bucketCountsOf(tmpPath)
	if err != nil {
		return CompactResult{}, fmt.Errorf("check the copy: %w", err)
	}
	if err := sameCounts(want, got); err != nil {
		return CompactResult{}, fmt.Errorf("check the copy: %w", err)
	}
	tfi, err := os.Stat(tmpPath)
	if err != nil {
		return CompactResult{}, err
	}
	res.After = tfi.Size()
	if res.Backup != "" {
		if err := os.Remove(res.Backup); err != nil && !errors.Is(err, os.ErrNotExist) {
			return CompactResult{}, fmt.Errorf("keep the original: %w", err)
		}
		if err := os.Link(path, res.Backup); err != nil {
			return CompactResult{}, fmt.Errorf("keep the original as %s (without hard links, compact to another file): %w", res.Backup, err)
		}
	}
	if err := os.Rename(tmpPath, res.Path); err != nil {
		return CompactResult{}, err
	}
	done = true
	return res, syncDir(filepath.Dir(res.Path))
}

// bucketStat is what the check compares between a file and its copy.
type bucketStat struct {
	name     string
	keys     int64 // keys, nested buckets' keys included
	sequence uint64
}

// bucketCounts reads the buckets of an open commpilot file, in order.
func bucketCounts(bdb *bbolt.DB, path string) ([]bucketStat, error) {
	var out []bucketStat
	err := guard(path, func() error {
		return bdb.View(func(tx *bbolt.Tx) error {
			if _, err := schemaOf(tx, path); err != nil {
				return err
			}
			return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
				out = append(out, bucketStat{name: string(name), keys: int64(b.Stats().KeyN), sequence: b.Sequence()})
				return nil
			})
		})
	})
	return out, err
}

// bucketCountsOf opens the file at path read-only and reads its buckets.
func bucketCountsOf(path string) ([]bucketStat, error) {
	bdb, err := openBolt(path, &bbolt.Options{Timeout: defaultTimeout, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer bdb.Close()
	return bucketCounts(bdb, path)
}

func sameCounts(want, got []bucketStat) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d buckets, the original has %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Errorf("bucket %s: %d keys and sequence %d, the original has %s with %d keys and sequence %d",
				got[i].name, got[i].keys, got[i].sequence, want[i].name, want[i].keys, want[i].sequence)
		}
	}
	return nil
}

// copyLive copies every bucket of src (its key order, values and
// sequences) into a new bbolt file at dst, in transactions of at most
// compactTxBytes, and syncs it once at the end.
func copyLive(ctx context.Context, src *bbolt.DB, dst, srcPath string, buckets []bucketStat, progress func(CompactProgress)) error {
	o := Options{}.boltOptions()
	o.NoSync = true // synced once, below; on a crash the copy is discarded
	ddb, err := bbolt.Open(dst, 0o600, o)
	if err != nil {
		return err
	}
	defer ddb.Close()
	p := CompactProgress{}
	for _, b := range buckets {
		p.TotalKeys += b.keys
	}
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	w := &compactWriter{ctx: ctx, db: ddb}
	err = guard(srcPath, func() error {
		return src.View(func(stx *bbolt.Tx) error {
			return stx.ForEach(func(name []byte, sb *bbolt.Bucket) error {
				p.Bucket = string(name)
				report()
				return w.bucket([][]byte{name}, sb, func() {
					if p.Keys++; p.Keys%compactReport == 0 {
						report()
					}
				})
			})
		})
	})
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		w.rollback()
		return err
	}
	report()
	return ddb.Sync()
}

// compactWriter writes the copy, committing every compactTxBytes.
type compactWriter struct {
	ctx  context.Context
	db   *bbolt.DB
	tx   *bbolt.Tx
	gen  int // counts the transactions begun
	size int
}

// bucket copies sb, and the buckets nested in it, to the bucket at path
// (top-level name first) in the copy, calling copied after each key.
func (w *compactWriter) bucket(path [][]byte, sb *bbolt.Bucket, copied func()) error {
	if err := w.reserve(0); err != nil {
		return err
	}
	db, gen, err := w.dest(path)
	if err != nil {
		return err
	}
	if err := db.SetSequence(sb.Sequence()); err != nil {
		return err
	}
	return sb.ForEach(func(k, v []byte) error {
		if v == nil {
			return w.bucket(append(path[:len(path):len(path)], k), sb.Bucket(k), copied)
		}
		if err := w.reserve(len(k) + len(v)); err != nil {
			return err
		}
		if gen != w.gen { // committed since: the bucket belongs to the new transaction
			var err error
			if db, gen, err = w.dest(path); err != nil {
				return err
			}
		}
		if err := db.Put(k, v); err != nil {
			return err
		}
		copied()
		return nil
	})
}

// reserve makes room for n more bytes in the current transaction of the
// copy: it commits the transaction when they would exceed compactTxBytes,
// and begins one when there is none.
func (w *compactWriter) reserve(n int) error {
	if w.tx != nil && w.size+n > compactTxBytes {
		if err := w.commit(); err != nil {
			return err
		}
	}
	if w.tx == nil {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		tx, err := w.db.Begin(true)
		if err != nil {
			return err
		}
		w.tx, w.size = tx, 0
		w.gen++
	}
	w.size += n
	return nil
}

// dest returns the bucket at path in the current transaction of the copy,
// creating it, and the transaction's generation.
func (w *compactWriter) dest(path [][]byte) (*bbolt.Bucket, int, error) {
	var b *bbolt.Bucket
	for i, name := range path {
		var err error
		if i == 0 {
			b, err = w.tx.CreateBucketIfNotExists(name)
		} else {
			b, err = b.CreateBucketIfNotExists(name)
		}
		if err != nil {
			return nil, 0, err
		}
		b.FillPercent = 1.0 // keys arrive in order: fill every page
	}
	return b, w.gen, nil
}

func (w *compactWriter) commit() error {
	if w.tx == nil {
		return nil
	}
	tx := w.tx
	w.tx = nil
	return tx.Commit()
}

func (w *compactWriter) rollback() {
	if w.tx != nil {
		_ = w.tx.Rollback()
		w.tx = nil
	}
}
