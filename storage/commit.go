package storage

import "go.etcd.io/bbolt"

// update runs fn in a write transaction of its own (bbolt's DB.Update). Every
// store of this package writes through update or batch: the transaction
// first writes the event ids recorded since the last commit (see
// SeenEvents), so an event's id is durable no later than the effects its
// handler committed.
func (db *DB) update(fn func(tx *bbolt.Tx) error) error {
	return db.bolt.Update(func(tx *bbolt.Tx) error {
		if err := db.seen.flush(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// batch runs fn in a write transaction shared with concurrent callers
// (bbolt's DB.Batch, which may run fn more than once: fn must be
// idempotent), with the same pending event ids written first as update.
// The ids are written once per transaction, by whichever fn runs first.
func (db *DB) batch(fn func(tx *bbolt.Tx) error) error {
	return db.bolt.Batch(func(tx *bbolt.Tx) error {
		if err := db.seen.flush(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}
