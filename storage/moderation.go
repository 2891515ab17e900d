package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Moderation is the bot.ModStore of a DB: rules in mod_rules, cases in
// mod_cases numbered by that bucket's sequence (never reused), and the
// member index mod_member. Every change is one synced write transaction.
type Moderation struct{ db *DB }

var _ bot.ModStore = (*Moderation)(nil)

// NewModeration returns the moderation store of db.
func NewModeration(db *DB) *Moderation { return &Moderation{db: db} }

func ruleKey(p bot.PlatformID, name string) []byte {
	return append(append([]byte(p), 0), name...)
}

func memberKey(member string, id uint64) []byte {
	return append(append([]byte(member), 0), U64Key(id)...)
}

// Rules implements bot.ModStore.
func (m *Moderation) Rules(ctx context.Context) ([]bot.ModRule, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bot.ModRule
	err := m.db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(BucketModRules)).ForEach(func(k, v []byte) error {
			var r bot.ModRule
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode rule %q: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return out, nil
}

// UpdateRule implements bot.ModStore.
func (m *Moderation) UpdateRule(ctx context.Context, p bot.PlatformID, name string, fn func(r *bot.ModRule, exists bool) (bool, error)) (bot.ModRule, error) {
	if err := ctx.Err(); err != nil {
		return bot.ModRule{}, err
	}
	var (
		out   bot.ModRule
		fnErr error
	)
	err := m.db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketModRules))
		key := ruleKey(p, name)
		var r bot.ModRule
		exists := b.Get(key) != nil
		if exists {
			if err := GetJSON(b, key, &r); err != nil {
				return err
			}
		}
		remove, err := fn(&r, exists)
		if err != nil {
			fnErr = err
			return err
		}
		out = r
		if remove {
			return b.Delete(key)
		}
		r.Platform, r.Name = p, name
		out = r
		return PutJSON(b, key, &r)
	})
	if fnErr != nil {
		return bot.ModRule{}, fnErr
	}
	if err != nil {
		return bot.ModRule{}, fmt.Errorf("update rule %s: %w", name, err)
	}
	return out, nil
}

// AddCase implements bot.ModStore.
func (m *Moderation) AddCase(ctx context.Context, c bot.ModCase, since time.Time) (bot.ModCase, int, error) {
	if err := ctx.Err(); err != nil {
		return bot.ModCase{}, 0, err
	}
	strikes := 0
	err := m.db.update(func(tx *bbolt.Tx) error {
		cases := tx.Bucket([]byte(BucketModCases))
		id, err := cases.NextSequence()
		if err != nil {
			return fmt.Errorf("next case number: %w", err)
		}
		c.ID = id
		if err := PutJSON(cases, U64Key(id), &c); err != nil {
			return err
		}
		member := c.Member.Key()
		if err := tx.Bucket([]byte(BucketModMember)).Put(memberKey(member, id), nil); err != nil {
			return fmt.Errorf("index case %d: %w", id, err)
		}
		return memberCases(tx, member, func(mc *bot.ModCase) bool {
			if !mc.Undone && !mc.Time.Before(since) {
				strikes += mc.Strikes
			}
			return true
		})
	})
	if err != nil {
		return bot.ModCase{}, 0, fmt.Errorf("add case: %w", err)
	}
	return c, strikes, nil
}

// memberCases calls fn for member's cases, newest first, until it returns false.
func memberCases(tx *bbolt.Tx, member string, fn func(*bot.ModCase) bool) error {
	prefix := append([]byte(member), 0)
	cases := tx.Bucket([]byte(BucketModCases))
	cur := tx.Bucket([]byte(BucketModMember)).Cursor()
	// Seek past the member's last key, then walk back.
	end := append(append([]byte(nil), prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	k, _ := cur.Seek(end)
	if k == nil {
		k, _ = cur.Last()
	} else {
		k, _ = cur.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
		var c bot.ModCase
		if err := GetJSON(cases, k[len(prefix):], &c); err != nil {
			return err
		}
		if !fn(&c) {
			return nil
		}
	}
	return nil
}

// UpdateCase implements bot.ModStore.
func (m *Moderation) UpdateCase(ctx context.Context, id uint64, fn func(c *bot.ModCase) error) (bot.ModCase, error) {
	if err := ctx.Err(); err != nil {
		return bot.ModCase{}, err
	}
	var (
		out   bot.ModCase
		fnErr error
	)
	err := m.db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketModCases))
		var c bot.ModCase
		if err := GetJSON(b, U64Key(id), &c); err != nil {
			return fmt.Errorf("case %d: %w", id, err)
		}
		if fnErr = fn(&c); fnErr != nil {
			return fnErr
		}
		c.ID = id
		out = c
		return PutJSON(b, U64Key(id), &c)
	})
	if fnErr != nil {
		return bot.ModCase{}, fnErr
	}
	if err != nil {
		return bot.ModCase{}, fmt.Errorf("update case %d: %w", id, err)
	}
	return out, nil
}

// Case implements bot.ModStore.
func (m *Moderation) Case(ctx context.Context, id uint64) (bot.ModCase, error) {
	if err := ctx.Err(); err != nil {
		return bot.ModCase{}, err
	}
	var c bot.ModCase
	err := m.db.bolt.View(func(tx *bbolt.Tx) error {
		if err := GetJSON(tx.Bucket([]byte(BucketModCases)), U64Key(id), &c); err != nil {
			return fmt.Errorf("case %d: %w", id, err)
		}
		return nil
	})
	return c, err
}

// Cases implements bot.ModStore.
func (m *Moderation) Cases(ctx context.Context, member string, limit int) ([]bot.ModCase, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bot.ModCase
	err := m.db.bolt.View(func(tx *bbolt.Tx) error {
		if member != "" {
			return memberCases(tx, member, func(c *bot.ModCase) bool {
				out = append(out, *c)
				return len(out) < limit
			})
		}
		cur := tx.Bucket([]byte(BucketModCases)).Cursor()
		for k, v := cur.Last(); k != nil && len(out) < limit; k, v = cur.Prev() {
			var c bot.ModCase
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %d: %w", KeyU64(k), err)
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return out, nil
}

// PurgeExcerpts implements bot.ModStore, in one write transaction.
func (m *Moderation) PurgeExcerpts(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := m.db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(BucketModCases))
		type change struct {
			key []byte
			c   bot.ModCase
		}
		var changes []change
		err := b.ForEach(func(k, v []byte) error {
			var c bot.ModCase
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %d: %w", KeyU64(k), err)
			}
			if c.Excerpt != "" && c.Time.Before(before) {
				c.Excerpt = ""
				changes = append(changes, change{append([]byte(nil), k...), c})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ch := range changes { // bbolt forbids writes inside ForEach
			if err := PutJSON(b, ch.key, &ch.c); err != nil {
				return err
			}
		}
		n = len(changes)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge case excerpts: %w", err)
	}
	return n, nil
}
