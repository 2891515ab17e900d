package bot

import "context"

// SkillSettings keeps each skill's own settings (schedule approval, digest
// time, moderation defaults) under the skill's name, beside the team's
// Settings, so no central struct grows a field per skill. Values are JSON.
type SkillSettings interface {
	// LoadSkill decodes the settings stored for skill into v; v keeps its
	// values (the defaults) when nothing is stored.
	LoadSkill(ctx context.Context, skill string, v any) error
	// UpdateSkill decodes the stored settings into v, runs fn, and saves v
	// durably before returning. If fn returns an error nothing is saved.
	UpdateSkill(ctx context.Context, skill string, v any, fn func() error) error
}
