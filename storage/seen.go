package storage

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// SeenKeep is how long an event id is remembered: longer than every
// platform's redelivery window (Slack retries after 1 and 5 minutes and
// accepts a signed request for 5 minutes; a Discord interaction token lives
// 15 minutes).
const SeenKeep = time.Hour

// Bounds of the seen-id bookkeeping.
const (
	// expireChunk is the least number of expired ids one transaction
	// deletes; it deletes twice as many as it writes when that is more, so
	// expiry keeps pace with any rate of events.
	expireChunk = 512
	// maxPending is how many ids may wait for a commit before First
	// commits them itself.
	maxPending = 4096
	// flushEvery is how often Run commits ids that no other write carried.
	flushEvery = time.Second
	// sweepEvery is how often Run deletes expired ids when nothing else did.
	sweepEvery = time.Minute
)

// SeenEvents is the bot.Redeliveries of db: the ids of the events the
// engine accepted, remembered durably for SeenKeep, so that an event
// redelivered after a restart (a Slack retry, a replayed signed request) is
// recognised.
//
// # Durability
//
// First answers from memory and the seen_events bucket, and records a new
// id in memory only. The id is written by the next write transaction of any
// store of db (every store writes through DB.update or DB.batch, which
// write the pending ids first), by Run within a second when no store
// writes, and by DB.Close. So an id is durable no later than any effect
// its handler committed to the database: when the process dies before
// that, the event changed nothing stored, and its redelivery is handled as
// new. The one exception is an effect outside the database with no
// database write after it (a reply posted to the platform, such as an
// answer to /cm help, within the second before a crash): its redelivery
// after the restart is answered again.
type SeenEvents struct {
	db  *DB
	log *slog.Logger
}

var _ bot.Redeliveries = (*SeenEvents)(nil)
var _ bot.Runner = (*SeenEvents)(nil)

// NewSeenEvents returns the seen-event store of db; clock (nil: time.Now)
// stamps the ids, which expire SeenKeep later.
func NewSeenEvents(db *DB, clock bot.Clock) *SeenEvents {
	if clock != nil {
		db.seen.mu.Lock()
		db.seen.clock = clock
		db.seen.mu.Unlock()
	}
	return &SeenEvents{db: db, log: db.log.With("part", "seen")}
}

// First implements bot.Redeliveries: it reports whether id of platform was
// not seen in the last SeenKeep, and records it. Two concurrent calls with
// one id get one true.
func (s *SeenEvents) First(ctx context.Context, platform bot.PlatformID, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	k := seenKey{platform, id}
	set := s.db.seen
	set.mu.Lock()
	if _, ok := set.pending[k]; ok {
		set.mu.Unlock()
		return false, nil
	}
	var stored bool
	err := s.db.bolt.View(func(tx *bbolt.Tx) error {
		stored = tx.Bucket([]byte(BucketSeenEvents)).Get(k.bytes()) != nil
		return nil
	})
	if err != nil || stored {
		set.mu.Unlock()
		if err != nil {
			return false, fmt.Errorf("seen event %s %s: %w", platform, id, err)
		}
		return false, nil
	}
	set.pending[k] = set.clock()
	full := len(set.pending) >= maxPending
	set.mu.Unlock()
	if full { // nothing committed for a while: bound the memory
		if err := s.commit(); err != nil {
			s.log.Warn("write seen event ids", "err", err)
		}
	}
	return true, nil
}

// Run commits the pending ids every second, and deletes expired ids at
// least every minute, until ctx is done.
func (s *SeenEvents) Run(ctx context.Context) error {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if s.db.seen.due() {
			if err := s.commit(); err != nil {
				s.log.Warn("write seen event ids", "err", err)
			}
		}
	}
}

// commit runs an empty write transaction, which writes the pending ids and
// deletes a chunk of expired ones.
func (s *SeenEvents) commit() error { return s.db.update(func(*bbolt.Tx) error { return nil }) }

// seenKey is one event id of one platform.
type seenKey struct {
	platform bot.PlatformID
	id       string
}

// bytes is the key in BucketSeenEvents: platform 0 id.
func (k seenKey) bytes() []byte {
	b := make([]byte, 0, len(k.platform)+1+len(k.id))
	return append(append(append(b, k.platform...), 0), k.id...)
}

// seenSet holds the ids First recorded that no committed transaction
// holds yet. Every DB has one, so that its write transactions can write
// them (flush) whether or not a SeenEvents was made.
type seenSet struct {
	mu      sync.Mutex
	clock   bot.Clock
	pending map[seenKey]time.Time
	// flushed is the write transaction that last wrote the pending ids
	// (batch runs several functions in one transaction).
	flushed *bbolt.Tx
	// more: the last commit left expired ids; swept: when the last commit
	// deleted all of them.
	more  bool
	swept time.Time
}

func newSeenSet() *seenSet {
	return &seenSet{clock: time.Now, pending: map[seenKey]time.Time{}}
}

// due reports whether Run has something to commit.
func (s *seenSet) due() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0 || s.more || s.clock().Sub(s.swept) >= sweepEvery
}

// hasPending reports whether ids wait for a commit (DB.Close writes them).
func (s *seenSet) hasPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

// flush writes the pending ids in tx and deletes a chunk of expired ones,
// once per transaction. The ids leave the pending set when tx commits; if
// it rolls back they stay, for the next transaction.
func (s *seenSet) flush(tx *bbolt.Tx) error {
	s.mu.Lock()
	if s.flushed == tx {
		s.mu.Unlock()
		return nil
	}
	s.flushed = tx
	batch := maps.Clone(s.pending)
	now := s.clock()
	s.mu.Unlock()

	ids, byTime := tx.Bucket([]byte(BucketSeenEvents)), appendBucket(tx, BucketSeenByTime)
	// In key order: bbolt inserts into a node by copying what follows.
	keys := slices.SortedFunc(maps.Keys(batch), func(a, b seenKey) int {
		return cmp.Or(cmp.Compare(a.platform, b.platform), cmp.Compare(a.id, b.id))
	})
	for _, k := range keys {
		at := batch[k]
		key := k.bytes()
		if err := ids.Put(key, U64Key(uint64(max(at.UnixNano(), 0)))); err != nil {
			return fmt.Errorf("write seen event: %w", err)
		}
		if err := byTime.Put(TimeKey(at, string(k.platform), k.id), key); err != nil {
			return fmt.Errorf("write seen event: %w", err)
		}
	}
	more, err := expireSeen(ids, byTime, now.Add(-SeenKeep), max(expireChunk, 2*len(batch)))
	if err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for k := range batch {
			delete(s.pending, k)
		}
		s.more = more
		if !more {
			s.swept = now
		}
	})
	return nil
}

// expireSeen deletes at most n ids recorded before cutoff, oldest first,
// and reports whether older ones remain.
func expireSeen(ids, byTime *bbolt.Bucket, cutoff time.Time, n int) (more bool, err error) {
	end := TimeKey(cutoff)
	var old [][]byte
	c := byTime.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		if len(old) == n {
			more = true
			break
		}
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if err := ids.Delete(byTime.Get(k)); err != nil {
			return false, fmt.Errorf("expire seen event: %w", err)
		}
		if err := byTime.Delete(k); err != nil {
			return false, fmt.Errorf("expire seen event: %w", err)
		}
	}
	return more, nil
}
