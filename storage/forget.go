package storage

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// forgetChunk bounds the records one forget transaction changes, so the
// bot keeps writing while a member with a long history is forgotten.
const forgetChunk = 500

var (
	_ bot.Forgetter = (*MessageLog)(nil)
	_ bot.Forgetter = (*Inbox)(nil)
	_ bot.Forgetter = (*Moderation)(nil)
)

// sameMember reports whether u is member (platform and id; names and roles
// change).
func sameMember(u, member bot.UserRef) bool {
	return u.Platform == member.Platform && u.ID == member.ID
}

// Forget implements bot.Forgetter: it deletes every stored message member
// wrote, with its index entry, and returns how many. It reads the log in
// Range's short read transactions and deletes in transactions of at most
// forgetChunk messages; a message member posts meanwhile may stay.
func (l *MessageLog) Forget(ctx context.Context, member bot.UserRef) (int, error) {
	total := 0
	var refs []bot.MessageRef
	deleteRefs := func() error {
		n := 0
		err := l.db.update(func(tx *bbolt.Tx) error {
			n = 0
			index, msgs := tx.Bucket([]byte(BucketMessageRefs)), tx.Bucket([]byte(BucketMessageLog))
			for _, ref := range refs {
				rk := refKey(ref)
				tk := index.Get(rk)
				if tk == nil {
					continue // purged or forgotten meanwhile
				}
				if err := msgs.Delete(bytes.Clone(tk)); err != nil {
					return err
				}
				if err := index.Delete(rk); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("forget messages of %s: %w", member.Key(), err)
		}
		total += n
		refs = refs[:0]
		return nil
	}
	var delErr error
	err := l.Range(ctx, bot.HistoryFilter{Author: member.Key()}, func(m bot.LoggedMessage) bool {
		if refs = append(refs, m.Ref); len(refs) == forgetChunk {
			delErr = deleteRefs()
		}
		return delErr == nil
	})
	if err == nil {
		err = delErr
	}
	if err == nil && len(refs) > 0 {
		err = deleteRefs()
	}
	return total, err
}

// Forget implements bot.Forgetter: in every inbox item member started, the
// texts of its messages and the cues the triage quoted from them are
// blanked; it returns how many items it changed. The item, its state,
// draft and history stay (the draft is the team's words; a sent reply is
// on the platform already). An item stores no author per follow-up, so a
// follow-up of member in another member's item is not found.
func (s *Inbox) Forget(ctx context.Context, member bot.UserRef) (int, error) {
	theirs, err := s.Items(ctx, func(it *bot.Item) bool { return sameMember(it.Author, member) && hasWords(it) })
	if err != nil {
		return 0, fmt.Errorf("forget items of %s: %w", member.Key(), err)
	}
	ids := make([][]byte, len(theirs))
	for i, it := range theirs {
		ids[i] = U64Key(it.ID)
	}
	total := 0
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		chunk := ids[:min(forgetChunk, len(ids))]
		ids = ids[len(chunk):]
		n := 0
		err := s.db.update(func(tx *bbolt.Tx) error {
			n = 0
			items := tx.Bucket([]byte(BucketInboxItems))
			for _, k := range chunk {
				var it bot.Item
				if items.Get(k) == nil {
					continue // deleted meanwhile
				}
				if err := GetJSON(items, k, &it); err != nil {
					return err
				}
				if !hasWords(&it) {
					continue
				}
				for i := range it.Messages {
					it.Messages[i].Text = ""
				}
				it.Triage.Cues = nil
				if err := PutJSON(items, k, &it); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("forget items of %s: %w", member.Key(), err)
		}
		total += n
	}
	return total, nil
}

// hasWords reports whether it still holds its author's words.
func hasWords(it *bot.Item) bool {
	if len(it.Triage.Cues) > 0 {
		return true
	}
	for _, m := range it.Messages {
		if m.Text != "" {
			return true
		}
	}
	return false
}

// Forget implements bot.Forgetter: it removes the message excerpts of
// member's moderation cases, found through the member index, in one
// transaction, and returns how many cases it changed. The cases stay
// (actions, strikes, staff notes), so strikes and the case log still add
// up.
func (m *Moderation) Forget(ctx context.Context, member bot.UserRef) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := m.db.update(func(tx *bbolt.Tx) error {
		n = 0
		cases := tx.Bucket([]byte(BucketModCases))
		var changed []bot.ModCase
		err := memberCases(tx, member.Key(), func(c *bot.ModCase) bool {
			if c.Excerpt != "" {
				c.Excerpt = ""
				changed = append(changed, *c)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, c := range changed { // written after the cursor walk
			if err := PutJSON(cases, U64Key(c.ID), &c); err != nil {
				return err
			}
		}
		n = len(changed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("forget case excerpts of %s: %w", member.Key(), err)
	}
	return n, nil
}
