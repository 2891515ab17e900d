// Package bottest gives skill tests a recording Platform and an Engine wired
// to it, so skills are tested without any chat SDK.
package bottest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Platform is a bot.Platform that records every Action and answers with
// sequential message ids. Set Fail to make Do fail.
type Platform struct {
	PID bot.PlatformID

	mu      sync.Mutex
	actions []bot.Action
	seq     atomic.Int64
	// Fail, when set, is called before each action; a non-nil error is returned.
	Fail func(a bot.Action) error
}

var _ bot.Platform = (*Platform)(nil)

// NewPlatform returns a recording platform with id p.
func NewPlatform(p bot.PlatformID) *Platform { return &Platform{PID: p} }

// ID returns the platform id.
func (p *Platform) ID() bot.PlatformID { return p.PID }

// Run blocks until ctx is done.
func (p *Platform) Run(ctx context.Context, _ bot.Handler) error {
	<-ctx.Done()
	return nil
}

// Do records a and returns a new message id in the target channel.
func (p *Platform) Do(_ context.Context, a bot.Action) (bot.MessageRef, error) {
	p.mu.Lock()
	fail := p.Fail
	p.mu.Unlock()
	if fail != nil {
		if err := fail(a); err != nil {
			return bot.MessageRef{}, err
		}
	}
	p.mu.Lock()
	p.actions = append(p.actions, a)
	p.mu.Unlock()
	id := strconv.FormatInt(p.seq.Add(1), 10)
	switch a.Kind {
	case bot.ActPost, bot.ActUpload:
		return bot.MessageRef{Channel: a.Channel, ID: "m" + id}, nil
	case bot.ActReply:
		return bot.MessageRef{Channel: a.Target.Channel, ID: "m" + id, ThreadID: a.Target.ID}, nil
	case bot.ActUpdate:
		return a.Target, nil
	}
	return bot.MessageRef{}, nil
}

// SetFail sets or clears the failure hook.
func (p *Platform) SetFail(f func(a bot.Action) error) {
	p.mu.Lock()
	p.Fail = f
	p.mu.Unlock()
}

// Actions returns a copy of the recorded actions, oldest first.
func (p *Platform) Actions() []bot.Action {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.actions)
}

// Of returns the recorded actions of one kind.
func (p *Platform) Of(k bot.ActionKind) []bot.Action {
	var out []bot.Action
	for _, a := range p.Actions() {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// Reset forgets the recorded actions.
func (p *Platform) Reset() {
	p.mu.Lock()
	p.actions = nil
	p.mu.Unlock()
}

// MemSettings is an in-memory bot.SettingsStore for tests.
type MemSettings struct {
	mu sync.Mutex
	s  bot.Settings
}

// NewMemSettings returns a store holding s.
func NewMemSettings(s bot.Settings) *MemSettings { return &MemSettings{s: s} }

// Settings returns a copy of the settings.
func (m *MemSettings) Settings(context.Context) (bot.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s.Clone(), nil
}

// UpdateSettings applies fn to a copy and keeps it when fn succeeds.
func (m *MemSettings) UpdateSettings(_ context.Context, fn func(*bot.Settings) error) (bot.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s.Clone()
	if err := fn(&s); err != nil {
		return m.s.Clone(), err
	}
	m.s = s
	return s.Clone(), nil
}

// Env is an Engine wired to recording platforms for both Discord and Slack.
type Env struct {
	Engine   *bot.Engine
	Router   *bot.Router
	Discord  *Platform
	Slack    *Platform
	Settings bot.SettingsStore
	seq      atomic.Int64
}

// MustEngine wires skills into an Engine over two recording platforms. With
// a nil store an in-memory one is used whose staff is "slack:UADMIN" and
// "discord:100000000000000001". Skills that need the engine (as Sender) are
// added afterwards with Add.
func MustEngine(tb testing.TB, store bot.SettingsStore, catalog *bot.Catalog, skills ...bot.Skill) *Env {
	tb.Helper()
	if store == nil {
		store = NewMemSettings(bot.Settings{Staff: []string{"slack:UADMIN", "discord:100000000000000001"}})
	}
	r := &bot.Router{}
	d, sl := NewPlatform(bot.Discord), NewPlatform(bot.Slack)
	e, err := bot.NewEngine(bot.EngineConfig{
		Router: r, Platforms: []bot.Platform{d, sl}, Settings: store, Catalog: catalog,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	env := &Env{Engine: e, Router: r, Discord: d, Slack: sl, Settings: store}
	env.Add(skills...)
	return env
}

// Add registers skills; call it before the first event.
func (env *Env) Add(skills ...bot.Skill) {
	for _, s := range skills {
		s.Register(env.Router)
	}
}

// Staff is a Slack user the default store lists as staff.
var Staff = bot.UserRef{Platform: bot.Slack, ID: "UADMIN", Name: "alice"}

// Member is a Slack user who is not staff.
var Member = bot.UserRef{Platform: bot.Slack, ID: "UMEMBER", Name: "bob"}

// Command sends "/cm text" as u, in Slack channel C0TEAM, and returns the reply.
func (env *Env) Command(tb testing.TB, u bot.UserRef, text string) *bot.Reply {
	tb.Helper()
	ch := bot.ChannelRef{Platform: u.Platform, ID: "C0TEAM"}
	if u.Platform == bot.Discord {
		ch.ID = "200000000000000001"
	}
	return env.Send(tb, bot.Event{Kind: bot.EventCommand, User: u, Text: text, Message: bot.MessageRef{Channel: ch}})
}

// Send hands e to the engine with a fresh id and the current time when unset.
func (env *Env) Send(tb testing.TB, e bot.Event) *bot.Reply {
	tb.Helper()
	if e.ID == "" {
		e.ID = fmt.Sprintf("ev%d", env.seq.Add(1))
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Message.Channel.Platform == "" {
		e.Message.Channel.Platform = e.User.Platform
	}
	r, err := env.Engine.HandleEvent(context.Background(), e)
	if err != nil {
		tb.Fatalf("HandleEvent: %v", err)
	}
	return r
}

// ReplyText is r.Text, or "" for a nil reply.
func ReplyText(r *bot.Reply) string {
	if r == nil {
		return ""
	}
	return r.Text
}

// MemAudit is an in-memory bot.Auditor for tests.
type MemAudit struct {
	mu      sync.Mutex
	entries []bot.AuditEntry
}

// Audit records e.
func (m *MemAudit) Audit(_ context.Context, e bot.AuditEntry) error {
	m.mu.Lock()
	m.entries = append(m.entries, e)
	m.mu.Unlock()
	return nil
}

// Entries returns the recorded entries, oldest first.
func (m *MemAudit) Entries() []bot.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries)
}
