package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// SkillSettings is the bot.SkillSettings store: one JSON document per skill
// name in the skill_settings bucket. Safe for concurrent use; every update
// is one synced write transaction.
type SkillSettings struct{ db *DB }

var _ bot.SkillSettings = (*SkillSettings)(nil)

// NewSkillSettings returns the per-skill settings store of db.
func NewSkillSettings(db *DB) *SkillSettings { return &SkillSettings{db: db} }

// LoadSkill decodes the settings stored for skill into v; v keeps its values
// when nothing is stored. Fields the stored document lacks keep v's values
// too, so a skill that adds a setting reads its default from older files.
func (s *SkillSettings) LoadSkill(ctx context.Context, skill string, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.bolt.View(func(tx *bbolt.Tx) error { return decodeSkill(tx, skill, v) })
	if err != nil {
		return fmt.Errorf("load %s settings: %w", skill, err)
	}
	return nil
}

// UpdateSkill decodes the stored settings into v, runs fn and stores v, all
// in one write transaction synced before it returns. When fn fails nothing
// is stored and its error is returned as is; v then holds what fn left, so
// callers read the settings again rather than trust v.
func (s *SkillSettings) UpdateSkill(ctx context.Context, skill string, v any, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var fnErr error
	err := s.db.update(func(tx *bbolt.Tx) error {
		if err := decodeSkill(tx, skill, v); err != nil {
			return err
		}
		if fnErr = fn(); fnErr != nil {
			return fnErr
		}
		return PutJSON(tx.Bucket([]byte(BucketSkills)), []byte(skill), v)
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("update %s settings: %w", skill, err)
	}
	return nil
}

func decodeSkill(tx *bbolt.Tx, skill string, v any) error {
	raw := tx.Bucket([]byte(BucketSkills)).Get([]byte(skill))
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}
