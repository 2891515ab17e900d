package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Inbox stores inbox items, the conversation index and the FAQ; it
// implements bot.InboxStore. Item ids come from the inbox_seq bucket's
// sequence, so they are never reused.
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
		var it bot.Item
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
		}
		if err := fn(&it, isNew); err != nil {
			return err
		}
		it.ID = id
		if err := PutJSON(items, U64Key(id), &it); err != nil {
			return err
		}
		if err := linkKeys(threads, id, keys); err != nil {
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
		items := tx.Bucket([]byte(BucketInboxItems))
		var it bot.Item
		if err := getItem(items, id, &it); err != nil {
			return err
		}
		if err := fn(&it); err != nil {
			return err
		}
		it.ID = id
		out = it
		return PutJSON(items, U64Key(id), &it)
	})
	return out, err
}

// LinkConversation implements bot.InboxStore.
func (s *Inbox) LinkConversation(ctx context.Context, id uint64, keys ...string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return linkKeys(tx.Bucket([]byte(BucketInboxThreads)), id, keys)
	})
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

// DeleteItems implements bot.InboxStore, in one transaction.
func (s *Inbox) DeleteItems(ctx context.Context, match func(*bot.Item) bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.update(func(tx *bbolt.Tx) error {
		items := tx.Bucket([]byte(BucketInboxItems))
		gone := map[uint64]bool{}
		err := items.ForEach(func(k, v []byte) error {
			var it bot.Item
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode item %d: %w", KeyU64(k), err)
			}
			if match(&it) {
				gone[KeyU64(k)] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id := range gone {
			if err := items.Delete(U64Key(id)); err != nil {
				return fmt.Errorf("delete item %d: %w", id, err)
			}
		}
		// Deleting while iterating skips keys in bbolt: collect, then delete.
		threads := tx.Bucket([]byte(BucketInboxThreads))
		var keys [][]byte
		err = threads.ForEach(func(k, v []byte) error {
			if gone[KeyU64(v)] {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := threads.Delete(k); err != nil {
				return fmt.Errorf("delete conversation key: %w", err)
			}
		}
		n = len(gone)
		return nil
	})
	return n, err
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

func linkKeys(threads *bbolt.Bucket, id uint64, keys []string) error {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := threads.Put([]byte(k), U64Key(id)); err != nil {
			return fmt.Errorf("link conversation %q: %w", k, err)
		}
	}
	return nil
}

// update runs fn in a write transaction shared with concurrent updates
// (bbolt's DB.Batch), so a burst of items costs a few fsyncs, not one each.
// Batch may run fn again after a sibling fails; that is safe because fn only
// changes the transaction, which is rolled back first, and the callers' fns
// only set the item and their own results (bot.InboxStore's contract).
func (s *Inbox) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.batch(fn)
}

func (s *Inbox) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.bolt.View(fn)
}
