package bot

import (
	"context"
	"log/slog"
	"time"
)

// SettingLine is one line of /cm setup show. The skill that owns a setting
// registers its /cm setup verb and its line (Router.SettingLine), so the
// setup skill lists every skill's settings without knowing them.
type SettingLine struct {
	// Order places the line among every skill's: lower first, equal orders
	// in registration order. skills/setup's team-wide lines use 0 to 99;
	// each other skill takes a hundred of its own (the inbox 100, the
	// history 200, …).
	Order int
	// Render returns the line in lang. st is the team's settings, read once
	// for the whole listing; a skill with its own SkillSettings reads them
	// with ctx.
	Render func(ctx context.Context, st Settings, lang Lang) (string, error)
}

// SettingsEditor is what a /cm setup verb needs to change the team's
// settings: the store, the audit log, and the catalogue to confirm in.
type SettingsEditor struct {
	Store   SettingsStore
	Audit   Auditor
	Catalog *Catalog
	Logger  *slog.Logger     // default slog.Default()
	Now     func() time.Time // default time.Now
}

// Change applies fn to the settings in one update, audits it as action with
// detail, and answers with okKey rendered in the (possibly new) language.
// An error from fn (a *Error for bad input) changes and audits nothing.
func (ed SettingsEditor) Change(ctx context.Context, e Event, action, detail string, fn func(*Settings) error, okKey string, args ...any) (*Reply, error) {
	st, err := ed.Store.UpdateSettings(ctx, fn)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if ed.Now != nil {
		now = ed.Now
	}
	// The change is saved: a failed audit write must not tell the user
	// that nothing changed.
	if err := ed.Audit.Audit(ctx, AuditEntry{Time: now(), Actor: e.User, Action: action, Detail: detail}); err != nil {
		log := ed.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Error("audit entry lost", "action", action, "actor", e.User.Key(), "err", err)
	}
	return Text(ed.Catalog.T(st.Lang(), okKey, args...)), nil
}
