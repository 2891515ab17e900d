package bot

import (
	"context"
	"time"
)

// RulePart is one stored part of a moderation rule: a trigger, a condition
// or an action. Kind is the part kind's frozen id (see the moderation
// skill's part lists); Arg is its settings as typed ("5/10s", "10m").
type RulePart struct {
	Kind int    `json:"kind"`
	Arg  string `json:"arg,omitempty"`
}

// ModRule is a stored moderation rule. A rule applies to the messages of
// the platform it was added on.
type ModRule struct {
	Name     string     `json:"name"`
	Platform PlatformID `json:"platform"`
	// Source is the rule as typed after its name, shown by rule show.
	Source     string     `json:"source"`
	Triggers   []RulePart `json:"triggers"`
	Conditions []RulePart `json:"conditions,omitempty"`
	Actions    []RulePart `json:"actions"`
	DryRun     bool       `json:"dry_run,omitempty"`
	Disabled   bool       `json:"disabled,omitempty"`
	// Strikes is what a match adds to the member's strikes (0: the default,
	// 1; -1: none).
	Strikes int `json:"strikes,omitempty"`
	// WarnText replaces the default warning DM when set.
	WarnText string    `json:"warn_text,omitempty"`
	By       string    `json:"by,omitempty"` // staff member key
	Updated  time.Time `json:"updated"`
}

// ModCase is one moderation action, by a rule or by a person.
type ModCase struct {
	ID       uint64     `json:"id"`
	Time     time.Time  `json:"time"`
	Platform PlatformID `json:"platform"`
	Member   UserRef    `json:"member"`
	// Rule names the rule that acted, or is empty for a person's action.
	Rule string `json:"rule,omitempty"`
	// Staff is the person who acted (manual actions).
	Staff UserRef `json:"staff,omitzero"`
	// Actions are what was done ("delete", "timeout:10m", "ban:7d").
	Actions []string `json:"actions"`
	Reason  string   `json:"reason,omitempty"`
	// Excerpt is the start of the message, removed by privacy forget.
	Excerpt string     `json:"excerpt,omitempty"`
	Message MessageRef `json:"message,omitzero"`
	Channel ChannelRef `json:"channel,omitzero"`
	Strikes int        `json:"strikes,omitempty"`
	// Until is when a timeout or temporary ban ends (zero: none).
	Until    time.Time  `json:"until,omitzero"`
	Undone   bool       `json:"undone,omitempty"`
	UndoneBy string     `json:"undone_by,omitempty"`
	Notes    []CaseNote `json:"notes,omitempty"`
	// Failed lists actions the platform refused ("ban: missing permission").
	Failed []string `json:"failed,omitempty"`
	// Alert is the alert card in the team channel, if one was posted.
	Alert MessageRef `json:"alert,omitzero"`
}

// CaseNote is a staff note on a case.
type CaseNote struct {
	Time time.Time `json:"time"`
	By   string    `json:"by"`
	Text string    `json:"text"`
}

// ModStore keeps moderation rules, cases and strikes. Every method that
// changes state does it in one transaction.
type ModStore interface {
	// Rules returns every rule of every platform, by platform then name.
	Rules(ctx context.Context) ([]ModRule, error)
	// UpdateRule runs fn on the rule named name of platform p (exists false
	// and a zero rule when there is none) and stores what fn leaves; a
	// returned error stores nothing. remove, set by fn, deletes the rule.
	UpdateRule(ctx context.Context, p PlatformID, name string, fn func(r *ModRule, exists bool) (remove bool, err error)) (ModRule, error)
	// AddCase stores c under the next case number and returns it with the
	// member's strikes: the sum of Strikes of their cases at or after
	// since that are not undone, this one included.
	AddCase(ctx context.Context, c ModCase, since time.Time) (ModCase, int, error)
	// UpdateCase runs fn on case id and stores it; ErrNotFound if none.
	UpdateCase(ctx context.Context, id uint64, fn func(c *ModCase) error) (ModCase, error)
	// Case returns case id; ErrNotFound if none.
	Case(ctx context.Context, id uint64) (ModCase, error)
	// Cases returns the latest cases, newest first, at most limit, of one
	// member ("platform:id") or of everyone when member is "".
	Cases(ctx context.Context, member string, limit int) ([]ModCase, error)
	// PurgeExcerpts removes the message excerpts of cases opened before
	// before (the retention period) and returns how many; the cases stay.
	PurgeExcerpts(ctx context.Context, before time.Time) (int, error)
}

// PermissionChecker is implemented by platforms that can tell, before a
// rule acts, whether the bot holds the permission an action needs (Discord,
// from its cache of the server's roles).
type PermissionChecker interface {
	// MissingPermission names the platform permission the bot lacks for
	// actions of kind ("Moderate Members"), or "" when it has it, the kind
	// needs none, or the platform cannot tell.
	MissingPermission(ctx context.Context, kind ActionKind) string
	// AboveBot reports whether member's highest role is at or above the
	// bot's (or member owns the server), so the platform would refuse to
	// time out, kick or ban them; false when it cannot tell.
	AboveBot(ctx context.Context, member UserRef) bool
}

// MissingPermission asks the platform p, when it can tell (see
// PermissionChecker), which permission the bot lacks for actions of kind.
func (e *Engine) MissingPermission(ctx context.Context, p PlatformID, kind ActionKind) string {
	if c, ok := e.platforms[p].(PermissionChecker); ok {
		return c.MissingPermission(ctx, kind)
	}
	return ""
}

// AboveBot asks member's platform, when it can tell (see PermissionChecker),
// whether member ranks at or above the bot.
func (e *Engine) AboveBot(ctx context.Context, member UserRef) bool {
	if c, ok := e.platforms[member.Platform].(PermissionChecker); ok {
		return c.AboveBot(ctx, member)
	}
	return false
}
