package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"
)

// The message log's writer. Every community message is written once, on the
// ingest path of every event, so that path must not wait for an fsync per
// message: with bbolt's DB.Batch each caller still waits for its own
// commit, and 32 handlers waiting in turn for a commit of about a
// millisecond cap ingest at a few thousand messages a second (measured in
// docs/storage.md). The writer takes the log's writes from a bounded
// queue instead and commits whatever has queued while the previous commit
// was syncing, in one transaction: under load a commit holds hundreds of
// messages, when idle a message is committed alone at once.
const (
	// logQueue bounds the writes waiting for the writer; a full queue makes
	// writers wait (back-pressure), it never drops a write.
	logQueue = 8192
	// logCommit bounds the writes one transaction holds.
	logCommit = 2000
)

// ErrClosed is returned (wrapped) for a write to the message log after the
// database was closed.
var ErrClosed = errors.New("database closed")

// logWriter owns the goroutine that commits the message log's writes; the
// DB starts it at Open and stops it at Close, after committing every write
// queued before Close.
type logWriter struct {
	db   *DB
	ops  chan logOp
	done chan struct{}

	// mu orders sends on ops before close(ops): enqueue holds it shared,
	// close exclusively.
	mu     sync.RWMutex
	closed bool
}

// logOp is one queued write. apply runs in the shared transaction (nil for
// a barrier); done, when set, receives the outcome once committed.
type logOp struct {
	apply func(tx *bbolt.Tx) error
	what  string
	done  chan error
}

func startLogWriter(db *DB) *logWriter {
	w := &logWriter{db: db, ops: make(chan logOp, logQueue), done: make(chan struct{})}
	go w.run()
	return w
}

// queue hands op to the writer without waiting for its commit. It waits
// only while the queue is full, until ctx ends.
func (w *logWriter) queue(ctx context.Context, op logOp) error {
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

// commit queues apply and waits until it is committed (synced).
func (w *logWriter) commit(ctx context.Context, what string, apply func(tx *bbolt.Tx) error) error {
	done := make(chan error, 1)
	if err := w.queue(ctx, logOp{apply: apply, what: what, done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sync waits until every write queued before it is committed, so a read
// that follows sees them.
func (w *logWriter) sync(ctx context.Context) error { return w.commit(ctx, "sync", nil) }

// close commits what is queued and stops the writer.
func (w *logWriter) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
}

// run commits queued writes until close, each time everything that queued
// meanwhile, up to logCommit writes a transaction.
func (w *logWriter) run() {
	defer close(w.done)
	batch := make([]logOp, 0, logCommit)
	for op := range w.ops {
		batch = append(batch[:0], op)
	fill:
		for len(batch) < logCommit {
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

// write commits batch in one transaction. When one write fails the
// transaction is rolled back and each write is committed on its own, so
// only the failing one is lost; its error goes to its waiter, or to the log
// when nobody waits.
func (w *logWriter) write(batch []logOp) {
	err := w.db.update(func(tx *bbolt.Tx) error { return applyAll(tx, batch) })
	if err != nil && len(batch) > 1 {
		for _, op := range batch {
			w.finish(op, w.db.update(func(tx *bbolt.Tx) error { return applyAll(tx, []logOp{op}) }))
		}
		return
	}
	for _, op := range batch {
		w.finish(op, err)
	}
}

func applyAll(tx *bbolt.Tx, ops []logOp) error {
	for _, op := range ops {
		if op.apply == nil {
			continue
		}
		if err := op.apply(tx); err != nil {
			return fmt.Errorf("%s: %w", op.what, err)
		}
	}
	return nil
}

func (w *logWriter) finish(op logOp, err error) {
	switch {
	case op.done != nil:
		op.done <- err
	case err != nil:
		w.db.log.Error("message log write lost", "write", op.what, "err", err)
	}
}
