package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Inbox stores inbox items, the conversation index and the FAQ; it
// implements bot.InboxStore. Item ids come from the inbox_seq bucket's
// sequence, so they are never reused.
//
// Every write of an item also keeps its indexes, in the same transaction:
// open items by creation time (BucketInboxOpen), finished items by their
// last change (BucketInboxDone, what the purge reads), the items with work
// left (BucketInboxOutbox, from Item.Work) and the conversation keys of
// each item (BucketInboxKeys, so a purge deletes them without a scan).
type Inbox struct {
	db *DB
}

var _ bot.InboxStore = (*Inbox)(nil)

// NewInbox returns the inbox store of db.
func NewInbox(db *DB) *Inbox { return &Inbox{db: db} }

// Conversation implements bot.InboxStore.
func (s *Inbox) Conversation(ctx context.Context, keys []string, fn func(it *bot.Item, isNew bool) error) (bot.Item, error) {
	var out bot.Item
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		threads := tx.Bucket([]byte(BucketInboxThreads))
		var id uint64
		for _, k := range keys {
			if v := threads.Get([]byte(k)); v != nil {
				id = KeyU64(v)
				break
			}
		}
		items := tx.Bucket([]byte(BucketInboxItems))
		var (
			it  bot.Item
			old *indexed
		)
		isNew := id == 0
		if isNew {
			seq, err := tx.Bucket([]byte(BucketInboxSeq)).NextSequence()
			if err != nil {
				return fmt.Errorf("next item id: %w", err)
			}
			id = seq
			it.ID = id
		} else if err := GetJSON(items, U64Key(id), &it); err != nil {
			return fmt.Errorf("item %d: %w", id, err)
		} else {
			old = snapshot(&it)
		}
		if err := fn(&it, isNew); err != nil {
			return err
		}
		it.ID = id
		if err := putItem(tx, old, &it); err != nil {
			return err
		}
		if err := linkKeys(tx, id, keys); err != nil {
			return err
		}
		out = it
		return nil
	})
	return out, err
}

// Find implements bot.InboxStore.
func (s *Inbox) Find(ctx context.Context, keys []string) (bot.Item, bool, error) {
	var (
		it    bot.Item
		found bool
	)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		threads := tx.Bucket([]byte(BucketInboxThreads))
		for _, k := range keys {
			if v := threads.Get([]byte(k)); v != nil {
				found = true
				return getItem(tx.Bucket([]byte(BucketInboxItems)), KeyU64(v), &it)
			}
		}
		return nil
	})
	return it, found, err
}

// UpdateItem implements bot.InboxStore.
func (s *Inbox) UpdateItem(ctx context.Context, id uint64, fn func(it *bot.Item) error) (bot.Item, error) {
	var out bot.Item
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var it bot.Item
		if err := getItem(tx.Bucket([]byte(BucketInboxItems)), id, &it); err != nil {
			return err
		}
		old := snapshot(&it)
		if err := fn(&it); err != nil {
			return err
		}
		it.ID = id
		out = it
		return putItem(tx, old, &it)
	})
	return out, err
}

// LinkConversation implements bot.InboxStore.
func (s *Inbox) LinkConversation(ctx context.Context, id uint64, keys ...string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error { return linkKeys(tx, id, keys) })
}

// Item implements bot.InboxStore.
func (s *Inbox) Item(ctx context.Context, id uint64) (bot.Item, error) {
	var it bot.Item
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return getItem(tx.Bucket([]byte(BucketInboxItems)), id, &it)
	})
	return it, err
}

// Items implements bot.InboxStore.
func (s *Inbox) Items(ctx context.Context, keep func(*bot.Item) bool) ([]bot.Item, error) {
	var out []bot.Item
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketInboxItems)).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var it bot.Item
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode item %d: %w", KeyU64(k), err)
			}
			if keep == nil || keep(&it) {
				out = append(out, it)
			}
			return nil
		})
	})
	return out, err
}

// OpenItems implements bot.InboxStore: it reads the open index, whose keys
// sort by creation time, then id.
func (s *Inbox) OpenItems(ctx context.Context, states ...bot.ItemState) ([]bot.Item, error) {
	return s.indexed(ctx, BucketInboxOpen, nil, 0, func(k, v []byte) uint64 {
		if len(states) > 0 && !slices.Contains(states, bot.ItemState(v)) {
			return 0
		}
		return KeyU64(k[8:])
	})
}

// OpenIDs implements bot.InboxStore.
func (s *Inbox) OpenIDs(ctx context.Context) ([]uint64, error) {
	var out []uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketInboxOpen)).ForEach(func(k, _ []byte) error {
			out = append(out, KeyU64(k[8:]))
			return nil
		})
	})
	return out, err
}

// Finished implements bot.InboxStore.
func (s *Inbox) Finished(ctx context.Context, since time.Time) ([]bot.Item, error) {
	return s.indexed(ctx, BucketInboxDone, TimeKey(since), 0, func(k, _ []byte) uint64 { return KeyU64(k[8:]) })
}

// Outbox implements bot.InboxStore.
func (s *Inbox) Outbox(ctx context.Context, after uint64, limit int) ([]bot.Item, error) {
	return s.indexed(ctx, BucketInboxOutbox, U64Key(after+1), limit, func(k, _ []byte) uint64 { return KeyU64(k) })
}

// indexed reads the items an index names, in its key order from the key
// from on, up to limit (all when limit <= 0); id reads an item id from an
// index entry, or 0 to skip the entry.
func (s *Inbox) indexed(ctx context.Context, index string, from []byte, limit int, id func(k, v []byte) uint64) ([]bot.Item, error) {
	var out []bot.Item
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		items := tx.Bucket([]byte(BucketInboxItems))
		c := tx.Bucket([]byte(index)).Cursor()
		for k, v := c.Seek(from); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			n := id(k, v)
			if n == 0 {
				continue
			}
			var it bot.Item
			if err := getItem(items, n, &it); err != nil {
				return fmt.Errorf("%s: %w", index, err)
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// DeleteFinished implements bot.InboxStore: each transaction takes the
// oldest chunk entries of the finished index.
func (s *Inbox) DeleteFinished(ctx context.Context, before time.Time, chunk int) (int, error) {
	chunk = max(chunk, 1)
	total := 0
	for {
		n := 0
		err := s.update(ctx, func(tx *bbolt.Tx) error {
			n = 0
			done := tx.Bucket([]byte(BucketInboxDone))
			var gone [][]byte
			c := done.Cursor()
			for k, _ := c.First(); k != nil && len(gone) < chunk && KeyTime(k).Before(before); k, _ = c.Next() {
				gone = append(gone, append([]byte(nil), k...))
			}
			for _, k := range gone {
				if err := deleteItem(tx, KeyU64(k[8:])); err != nil {
					return err
				}
				if err := done.Delete(k); err != nil {
					return fmt.Errorf("delete finished index: %w", err)
				}
			}
			n = len(gone)
			return nil
		})
		total += n
		if err != nil || n < chunk {
			return total, err
		}
	}
}

// deleteItem deletes item id and the conversation keys that still lead to
// it (a key linked to another item since is left alone).
func deleteItem(tx *bbolt.Tx, id uint64) error {
	if err := tx.Bucket([]byte(BucketInboxItems)).Delete(U64Key(id)); err != nil {
		return fmt.Errorf("delete item %d: %w", id, err)
	}
	threads, keys := tx.Bucket([]byte(BucketInboxThreads)), tx.Bucket([]byte(BucketInboxKeys))
	prefix := U64Key(id)
	var mine [][]byte
	c := keys.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		mine = append(mine, append([]byte(nil), k...))
	}
	for _, k := range mine {
		conv := k[8:]
		if v := threads.Get(conv); v != nil && KeyU64(v) == id {
			if err := threads.Delete(conv); err != nil {
				return fmt.Errorf("delete conversation key: %w", err)
			}
		}
		if err := keys.Delete(k); err != nil {
			return fmt.Errorf("delete key index: %w", err)
		}
	}
	return nil
}

// AddFAQ implements bot.InboxStore.
func (s *Inbox) AddFAQ(ctx context.Context, question, answer string) (bot.FAQEntry, error) {
	var e bot.FAQEntry
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketFAQ))
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("next faq id: %w", err)
		}
		e = bot.FAQEntry{ID: id, Question: question, Answer: answer}
		return PutJSON(b, U64Key(id), &e)
	})
	return e, err
}

// FAQ implements bot.InboxStore.
func (s *Inbox) FAQ(ctx context.Context) ([]bot.FAQEntry, error) {
	var out []bot.FAQEntry
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketFAQ))
		return b.ForEach(func(k, _ []byte) error {
			var e bot.FAQEntry
			if err := GetJSON(b, k, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// RemoveFAQ implements bot.InboxStore.
func (s *Inbox) RemoveFAQ(ctx context.Context, id uint64) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketFAQ))
		if b.Get(U64Key(id)) == nil {
			return fmt.Errorf("faq %d: %w", id, bot.ErrNotFound)
		}
		return b.Delete(U64Key(id))
	})
}

func getItem(items *bbolt.Bucket, id uint64, it *bot.Item) error {
	err := GetJSON(items, U64Key(id), it)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("item %d: %w", id, bot.ErrNotFound)
	}
	return err
}

func linkKeys(tx *bbolt.Tx, id uint64, keys []string) error {
	threads, index := tx.Bucket([]byte(BucketInboxThreads)), tx.Bucket([]byte(BucketInboxKeys))
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := threads.Put([]byte(k), U64Key(id)); err != nil {
			return fmt.Errorf("link conversation %q: %w", k, err)
		}
		if err := index.Put(append(U64Key(id), k...), []byte{}); err != nil {
			return fmt.Errorf("index conversation %q: %w", k, err)
		}
	}
	return nil
}

// indexed is what an item's index entries are made of, taken before a
// change so the old entries can be removed.
type indexed struct {
	id               uint64
	created, updated time.Time
	state            bot.ItemState
	work             bot.ItemWork
}

func snapshot(it *bot.Item) *indexed {
	return &indexed{id: it.ID, created: it.Created, updated: it.Updated, state: it.State, work: it.Work}
}

func (x *indexed) openKey() []byte { return append(TimeKey(x.created), U64Key(x.id)...) }
func (x *indexed) doneKey() []byte { return append(TimeKey(x.updated), U64Key(x.id)...) }

// putItem stores it and moves its index entries from old's (nil for a new
// item) to its own.
func putItem(tx *bbolt.Tx, old *indexed, it *bot.Item) error {
	if err := PutJSON(tx.Bucket([]byte(BucketInboxItems)), U64Key(it.ID), it); err != nil {
		return err
	}
	nw := snapshot(it)
	if old != nil && *old == *nw {
		return nil
	}
	if old != nil {
		if err := unindex(tx, old); err != nil {
			return err
		}
	}
	return index(tx, nw)
}

func index(tx *bbolt.Tx, x *indexed) error {
	var err error
	if x.state.Open() {
		err = tx.Bucket([]byte(BucketInboxOpen)).Put(x.openKey(), []byte(x.state))
	} else {
		err = tx.Bucket([]byte(BucketInboxDone)).Put(x.doneKey(), []byte{})
	}
	if err == nil && x.work != 0 {
		err = tx.Bucket([]byte(BucketInboxOutbox)).Put(U64Key(x.id), []byte{byte(x.work)})
	}
	if err != nil {
		return fmt.Errorf("index item %d: %w", x.id, err)
	}
	return nil
}

func unindex(tx *bbolt.Tx, x *indexed) error {
	err := errors.Join(tx.Bucket([]byte(BucketInboxOpen)).Delete(x.openKey()),
		tx.Bucket([]byte(BucketInboxDone)).Delete(x.doneKey()),
		tx.Bucket([]byte(BucketInboxOutbox)).Delete(U64Key(x.id)))
	if err != nil {
		return fmt.Errorf("unindex item %d: %w", x.id, err)
	}
	return nil
}

// migrateInboxIndexes (v10) builds the inbox indexes of a file written
// before them, and records the work its items were left with: an open item
// without a card needs one (WorkCard), a new item a draft (WorkDraft), so
// the next start finishes them.
func migrateInboxIndexes(tx *bbolt.Tx) error {
	if err := createBuckets(tx, BucketInboxOpen, BucketInboxDone, BucketInboxOutbox, BucketInboxKeys); err != nil {
		return err
	}
	items := tx.Bucket([]byte(BucketInboxItems))
	var owed []bot.Item
	err := items.ForEach(func(k, v []byte) error {
		var it bot.Item
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decode item %d: %w", KeyU64(k), err)
		}
		if it.State.Open() && it.Card.IsZero() {
			it.Work |= bot.WorkCard
		}
		if it.State == bot.ItemNew {
			it.Work |= bot.WorkDraft
		}
		if it.Work != 0 {
			owed = append(owed, it) // rewritten after the scan: ForEach must not change its bucket
		}
		return index(tx, snapshot(&it))
	})
	if err != nil {
		return err
	}
	for _, it := range owed {
		if err := PutJSON(items, U64Key(it.ID), &it); err != nil {
			return err
		}
	}
	keys := tx.Bucket([]byte(BucketInboxKeys))
	return tx.Bucket([]byte(BucketInboxThreads)).ForEach(func(k, v []byte) error {
		return keys.Put(append(U64Key(KeyU64(v)), k...), []byte{})
	})
}

// update runs fn in a write transaction of the database's writer (writer.go),
// shared with the message log's writes and concurrent updates, and returns
// once it is committed: a burst of items costs a few fsyncs, not one each,
// and the items do not take turns with the messages for the write lock.
// The writer runs fn again, alone, after a sibling fails; that is safe
// because fn only changes the transaction, which is rolled back first, and
// the callers' fns only set the item and their own results
// (bot.InboxStore's contract).
func (s *Inbox) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.writer.commit(ctx, "inbox", fn)
}

func (s *Inbox) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.bolt.View(fn)
}
