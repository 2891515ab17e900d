package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// AuditLog is the bot.Auditor over the audit bucket: entries keyed by a
// sequence number, so they list in the order they were written.
type AuditLog struct{ db *DB }

var _ bot.Auditor = (*AuditLog)(nil)

// NewAuditLog returns the audit log of db.
func NewAuditLog(db *DB) *AuditLog { return &AuditLog{db: db} }

// Audit appends e durably; a zero e.Time becomes now.
func (a *AuditLog) Audit(ctx context.Context, e bot.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	err := a.db.update(func(tx *bbolt.Tx) error {
		b := appendBucket(tx, BucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return PutJSON(b, U64Key(seq), e)
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// List returns at most limit entries, newest first (all when limit <= 0).
func (a *AuditLog) List(ctx context.Context, limit int) ([]bot.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bot.AuditEntry
	err := a.db.bolt.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte(BucketAudit)).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var e bot.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode entry %d: %w", KeyU64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}
