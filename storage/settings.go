package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// Settings is the bot.SettingsStore over the settings bucket.
//
// The environment gives the initial settings; a command that changes a field
// stores that field (its JSON name → its JSON value) and from then on the
// stored value wins. Fields no command ever changed keep following the
// environment across restarts. Reads come from an in-memory copy kept equal
// to the stored state, so they cost no I/O. Safe for concurrent use; a
// process must use one Settings per DB, or the copies diverge.
type Settings struct {
	db      *DB
	initial map[string]json.RawMessage

	mu     sync.Mutex                   // serialises loads and updates
	cached atomic.Pointer[bot.Settings] // merged settings; nil until loaded
}

var _ bot.SettingsStore = (*Settings)(nil)

// NewSettings returns the settings store of db with the environment's
// initial settings.
func NewSettings(db *DB, initial bot.Settings) *Settings {
	fields, err := toFields(initial)
	if err != nil { // bot.Settings always encodes; a failure is a bug there
		panic(fmt.Sprintf("storage: encode initial settings: %v", err))
	}
	return &Settings{db: db, initial: fields}
}

// Settings returns the stored fields over the initial ones. The slices of the
// result are the caller's own.
func (s *Settings) Settings(ctx context.Context) (bot.Settings, error) {
	if c := s.cached.Load(); c != nil {
		return c.Clone(), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cached.Load(); c != nil {
		return c.Clone(), nil
	}
	if err := ctx.Err(); err != nil {
		return bot.Settings{}, err
	}
	var cur bot.Settings
	err := s.db.bolt.View(func(tx *bbolt.Tx) (err error) { cur, err = s.merged(tx); return err })
	if err != nil {
		return bot.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	s.cached.Store(&cur)
	return cur.Clone(), nil
}

// UpdateSettings runs fn on the current settings inside one write
// transaction and stores the fields whose JSON changed; the commit is synced
// to disk before it returns. When fn returns an error nothing is stored and
// the current settings are returned with that error. fn must not use the DB.
func (s *Settings) UpdateSettings(ctx context.Context, fn func(*bot.Settings) error) (bot.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return bot.Settings{}, err
	}
	var before, after bot.Settings
	var fnErr error
	err := s.db.update(func(tx *bbolt.Tx) error {
		var err error
		if before, err = s.merged(tx); err != nil {
			return err
		}
		after = before.Clone()
		if fnErr = fn(&after); fnErr != nil {
			return fnErr
		}
		old, err := toFields(before)
		if err != nil {
			return err
		}
		changed, err := toFields(after)
		if err != nil {
			return err
		}
		b := tx.Bucket([]byte(BucketSettings))
		for name, v := range changed {
			if bytes.Equal(old[name], v) {
				continue
			}
			if err := b.Put([]byte(name), v); err != nil {
				return fmt.Errorf("put %s: %w", name, err)
			}
		}
		// Read back what is now stored, so the cache is exactly what the
		// next process will see.
		after, err = s.merged(tx)
		return err
	})
	if fnErr != nil {
		s.cached.Store(&before)
		return before.Clone(), fnErr
	}
	if err != nil {
		return bot.Settings{}, fmt.Errorf("update settings: %w", err)
	}
	s.cached.Store(&after)
	return after.Clone(), nil
}

// merged overlays the stored fields on the initial ones.
func (s *Settings) merged(tx *bbolt.Tx) (bot.Settings, error) {
	fields := maps.Clone(s.initial)
	err := tx.Bucket([]byte(BucketSettings)).ForEach(func(k, v []byte) error {
		fields[string(k)] = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return bot.Settings{}, err
	}
	raw, err := json.Marshal(fields)
	if err != nil {
		return bot.Settings{}, err
	}
	var out bot.Settings
	if err := json.Unmarshal(raw, &out); err != nil {
		return bot.Settings{}, fmt.Errorf("decode stored settings: %w", err)
	}
	return out, nil
}

// toFields renders st as its JSON fields, each value compact.
func toFields(st bot.Settings) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	err = json.Unmarshal(raw, &fields)
	return fields, err
}
