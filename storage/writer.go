package storage

import (
	"context"
	"errors"
	"sync"

	"go.etcd.io/bbolt"
)

// The ingest writer. Every community message is written once, on the ingest
// path of every event, so that path must not wait for an fsync per message:
// with bbolt's DB.Batch each caller still waits for its own commit, and 32
// handlers waiting in turn for a commit of about a millisecond cap ingest at
// a few thousand messages a second (measured in docs/storage.md). The
// writer takes writes from a bounded queue instead and commits whatever has
// queued while the previous commit was syncing, in one transaction: under
// load a commit holds hundreds of writes, when idle a write is committed
// alone at once. The message log queues its writes without waiting for
// them; the inbox's writes wait for their commit, and share it with the
// messages instead of taking turns with them for bbolt's write lock.
const (
	// writerQueue bounds the writes waiting for the writer; a full queue
	// makes writers wait (back-pressure), it never drops a write.
	writerQueue = 8192
	// writerCommit bounds the writes one transaction holds.
	writerCommit = 2000
)

// ErrClosed is returned (wrapped) for a write through the writer after the
// database was closed.
var ErrClosed = errors.New("database closed")

// writer owns the goroutine that commits the queued writes; the DB starts
// it at Open and stops it at Close, after committing every write queued
// before Close.
type writer struct {
	db   *DB
	ops  chan writeOp
	done chan struct{}

	// mu orders sends on ops before close(ops): queue holds it shared,
	// close exclusively.
	mu     sync.RWMutex
	closed bool
}

// writeOp is one queued write. apply runs in the shared transaction (nil for
// a barrier); done, when set, receives the outcome once committed.
type writeOp struct {
	apply func(tx *bbolt.Tx) error
	what  string
	done  chan error
}

func startWriter(db *DB) *writer {
	w := &writer{db: db, ops: make(chan writeOp, writerQueue), done: make(chan struct{})}
	go w.run()
	return w
}

// queue hands op to the writer without waiting for its commit. It waits
// only while the queue is full, until ctx ends.
func (w *writer) queue(ctx context.Context, op writeOp) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.ops <- op:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commit queues apply and waits until it is committed (synced). Once
// queued, it waits for the outcome even when ctx ends, so that its caller
// never reports as failed a write that was committed. apply's own error is
// returned as it is.
func (w *writer) commit(ctx context.Context, what string, apply func(tx *bbolt.Tx) error) error {
	done := make(chan error, 1)
	if err := w.queue(ctx, writeOp{apply: apply, what: what, done: done}); err != nil {
		return err
	}
	return <-done
}

// sync waits until every write queued before it is committed, so a read
// that follows sees them.
func (w *writer) sync(ctx context.Context) error { return w.commit(ctx, "sync", nil) }

// close commits what is queued and stops the writer.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
}

// run commits queued writes until close, each time everything that queued
// meanwhile, up to writerCommit writes a transaction.
func (w *writer) run() {
	defer close(w.done)
	batch := make([]writeOp, 0, writerCommit)
	for op := range w.ops {
		batch = append(batch[:0], op)
	fill:
		for len(batch) < writerCommit {
			select {
			case op, ok := <-w.ops:
				if !ok {
					break fill
				}
				batch = append(batch, op)
			default:
				break fill
			}
		}
		w.write(batch)
	}
}

// write commits batch in one transaction. When a write fails, the
// transaction is rolled back and the others are committed without it; then
// each failing write is run again alone (as bbolt's DB.Batch does), so its
// error reaches its own waiter, or the log when nobody waits. When the
// commit itself fails, each write is tried alone, in order.
func (w *writer) write(batch []writeOp) {
	var failed []writeOp
	for len(batch) > 0 {
		at := -1
		err := w.db.update(func(tx *bbolt.Tx) error {
			for i, op := range batch {
				if op.apply == nil {
					continue
				}
				if err := op.apply(tx); err != nil {
					at = i
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, op := range batch {
				w.finish(op, nil)
			}
			break
		}
		if at < 0 {
			failed = append(failed, batch...)
			break
		}
		failed = append(failed, batch[at])
		batch = append(batch[:at:at], batch[at+1:]...)
	}
	for _, op := range failed {
		w.finish(op, w.alone(op))
	}
}

// alone commits op in a transaction of its own.
func (w *writer) alone(op writeOp) error {
	if op.apply == nil {
		return w.db.update(func(*bbolt.Tx) error { return nil })
	}
	return w.db.update(op.apply)
}

func (w *writer) finish(op writeOp, err error) {
	switch {
	case op.done != nil:
		op.done <- err
	case err != nil:
		w.db.log.Error("write lost", "write", op.what, "err", err)
	}
}
