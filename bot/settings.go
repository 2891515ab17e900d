package bot

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Settings are the team's settings. Values saved with /cm setup win over the
// environment's initial values (see SettingsStore).
type Settings struct {
	TeamChannel ChannelRef   `json:"team_channel"`
	Watch       []ChannelRef `json:"watch"`
	Brand       []string     `json:"brand"`
	Competitors []string     `json:"competitors"`
	// Staff holds "slack:U0123", "discord:USERID" and "discord-role:ROLEID".
	Staff     []string `json:"staff"`
	Timezone  string   `json:"timezone"`
	Language  Lang     `json:"language"`
	Voice     string   `json:"voice"`
	SendDelay Duration `json:"send_delay"`
	Retention Duration `json:"retention"`
	DigestAt  string   `json:"digest_at"`
	// Address is how drafted replies address members (vous/tu, u/je).
	Address Address `json:"address,omitempty"`
}

// DefaultRetention is how long community messages are kept unless set.
const DefaultRetention = 30 * 24 * time.Hour

// Duration is a time.Duration that reads and writes as "1h30m" in JSON.
type Duration time.Duration

// MarshalText renders d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Clone returns a copy of s that shares no slice with it.
func (s Settings) Clone() Settings {
	s.Watch = slices.Clone(s.Watch)
	s.Brand = slices.Clone(s.Brand)
	s.Competitors = slices.Clone(s.Competitors)
	s.Staff = slices.Clone(s.Staff)
	return s
}

// Location returns the team's time zone, UTC when unset or unknown.
func (s Settings) Location() *time.Location {
	if s.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Lang returns the language of the bot's messages, English when unset.
func (s Settings) Lang() Lang {
	if s.Language == "" {
		return English
	}
	return s.Language
}

// RetentionOrDefault is Retention, or DefaultRetention when unset.
func (s Settings) RetentionOrDefault() time.Duration {
	if s.Retention <= 0 {
		return DefaultRetention
	}
	return time.Duration(s.Retention)
}

// IsStaff reports whether u may approve, schedule and moderate: platform
// admins always, otherwise a listed user or a holder of a listed role.
func (s Settings) IsStaff(u UserRef) bool {
	if u.Admin {
		return true
	}
	if u.ID == "" {
		return false
	}
	if slices.Contains(s.Staff, u.Key()) {
		return true
	}
	for _, r := range u.Roles {
		if slices.Contains(s.Staff, string(u.Platform)+"-role:"+r) {
			return true
		}
	}
	return false
}

// IsWatched reports whether messages in c are watched for the inbox.
func (s Settings) IsWatched(c ChannelRef) bool { return slices.Contains(s.Watch, c) }

// ParseStaffRef validates one staff entry: "slack:U0123", "discord:ID" or
// "discord-role:ID" (also "slack-role:S0123" for Slack user groups, and
// "web:ID" / "web-role:ID" for the playground).
func ParseStaffRef(s string) (string, bool) {
	s = strings.TrimSpace(s)
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || strings.ContainsAny(id, " :") {
		return "", false
	}
	switch kind {
	case "slack", "discord", "slack-role", "discord-role", "web", "web-role":
		return s, true
	}
	return "", false
}

// SettingsStore reads and changes the team's settings.
type SettingsStore interface {
	// Settings returns the current settings: stored values over initial ones.
	Settings(ctx context.Context) (Settings, error)
	// UpdateSettings runs fn on the current settings and saves what it changed
	// durably before returning. If fn returns an error nothing is saved.
	UpdateSettings(ctx context.Context, fn func(*Settings) error) (Settings, error)
}

// AuditEntry records who did what, when, on what.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Actor  UserRef   `json:"actor"`
	Action string    `json:"action"` // "setup.brand", "inbox.approve"
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Auditor appends to the audit log.
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
}
