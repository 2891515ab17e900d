package bot

import (
	"context"
	"errors"
	"time"
)

// RuleKind says how a scheduled post repeats. Stored: frozen once released.
type RuleKind string

// The kinds of PostRule.
const (
	RuleOnce    RuleKind = "once"    // one instant, At
	RuleDaily   RuleKind = "daily"   // every day at Hour:Minute
	RuleWeekly  RuleKind = "weekly"  // on Weekdays at Hour:Minute
	RuleMonthly RuleKind = "monthly" // on MonthDay at Hour:Minute
	RuleCron    RuleKind = "cron"    // a cron expression read in the post's zone
)

// PostRule is the parsed form of a post's WHEN. Wall-clock fields are read
// in the post's zone with LocalTime and NextLocal.
type PostRule struct {
	Kind     RuleKind       `json:"kind"`
	At       time.Time      `json:"at,omitzero"`
	Hour     int            `json:"hour,omitempty"`
	Minute   int            `json:"minute,omitempty"`
	Weekdays []time.Weekday `json:"weekdays,omitempty"`
	MonthDay int            `json:"month_day,omitempty"`
	Cron     string         `json:"cron,omitempty"`
}

// Recurring reports whether the rule has more than one occurrence.
func (r PostRule) Recurring() bool { return r.Kind != RuleOnce }

// ApprovalState is where a post's current version stands. Stored: frozen.
type ApprovalState string

// Approval states.
const (
	ApprovalNone     ApprovalState = "not_required" // approval was off when the version was saved
	ApprovalPending  ApprovalState = "pending"
	ApprovalApproved ApprovalState = "approved"
	ApprovalRejected ApprovalState = "rejected"
)

// ScheduledPost is one scheduled post and its history.
type ScheduledPost struct {
	ID      uint64     `json:"id"`
	Channel ChannelRef `json:"channel"`
	Text    string     `json:"text"`
	// When is the schedule as typed; Rule is how it was read, in Zone.
	When   string   `json:"when"`
	Rule   PostRule `json:"rule"`
	Zone   string   `json:"zone"`
	Author UserRef  `json:"author"`
	// Ping allows the text to ping @everyone, @here or a role.
	Ping    bool      `json:"ping,omitempty"`
	Created time.Time `json:"created"`
	// Version counts the saved versions of Text and When; an approval
	// applies to one version.
	Version    int           `json:"version"`
	Approval   ApprovalState `json:"approval"`
	ApprovedBy UserRef       `json:"approved_by,omitzero"`
	// Card is the approval card in the team channel, when there is one.
	Card      MessageRef `json:"card,omitzero"`
	Paused    bool       `json:"paused,omitempty"`
	Cancelled bool       `json:"cancelled,omitempty"`
	// Next is the occurrence the timer waits for; zero when none is due
	// (a one-off post that went out, a cancelled or paused post).
	Next    time.Time   `json:"next,omitzero"`
	History []PostEvent `json:"history,omitempty"`
}

// Location is the post's zone, UTC when unknown.
func (p ScheduledPost) Location() *time.Location {
	if loc, err := time.LoadLocation(p.Zone); err == nil {
		return loc
	}
	return time.UTC
}

// Sendable reports whether the current version may go out.
func (p ScheduledPost) Sendable() bool {
	return p.Approval == ApprovalNone || p.Approval == ApprovalApproved
}

// maxPostHistory bounds a post's history; the oldest entries go first.
const maxPostHistory = 50

// Log appends to the post's history.
func (p *ScheduledPost) Log(at time.Time, by UserRef, what, detail string) {
	p.History = append(p.History, PostEvent{Time: at, Actor: by, What: what, Detail: detail})
	if n := len(p.History) - maxPostHistory; n > 0 {
		p.History = p.History[n:]
	}
}

// PostEvent is one line of a post's history.
type PostEvent struct {
	Time   time.Time `json:"time"`
	Actor  UserRef   `json:"actor,omitzero"`
	What   string    `json:"what"`
	Detail string    `json:"detail,omitempty"`
}

// OccurrenceState is where one occurrence of a post stands. Stored: frozen.
//
//	scheduled → sending → sent | failed | unknown
//	scheduled → missed | skipped | unapproved
//	sending (left by a crash) → unknown
//	unknown → sent (a person says it was posted) | sending (post again)
type OccurrenceState string

// Occurrence states.
const (
	OccScheduled  OccurrenceState = "scheduled"
	OccSending    OccurrenceState = "sending"
	OccSent       OccurrenceState = "sent"
	OccFailed     OccurrenceState = "failed"
	OccUnknown    OccurrenceState = "unknown"
	OccMissed     OccurrenceState = "missed"     // due while the bot was down, past the catch-up window
	OccSkipped    OccurrenceState = "skipped"    // the post was paused or cancelled
	OccUnapproved OccurrenceState = "unapproved" // the version due was not approved
)

// Occurrence is one due time of a post, keyed by post and At.
type Occurrence struct {
	Post  uint64          `json:"post"`
	At    time.Time       `json:"at"`
	State OccurrenceState `json:"state"`
	// Version is the post version sent (sending and after).
	Version int `json:"version,omitempty"`
	// Since is when the occurrence entered its state.
	Since   time.Time  `json:"since"`
	Message MessageRef `json:"message,omitzero"`
	Link    string     `json:"link,omitempty"`
	// Reason is the platform's reason for a failure.
	Reason string `json:"reason,omitempty"`
	// Late marks an occurrence sent after its time, within the catch-up window.
	Late bool    `json:"late,omitempty"`
	By   UserRef `json:"by,omitzero"`
	// Card is the team-channel card asking a person about this occurrence.
	Card MessageRef `json:"card,omitzero"`
	// Reported is set once a missed occurrence was listed to the team.
	Reported bool `json:"reported,omitempty"`
	// Armed is set once the timer holds the record of a scheduled occurrence.
	Armed bool `json:"armed,omitempty"`
}

// NeedsAttention reports whether the runner must look at o when it starts:
// a send a crash interrupted, a missed occurrence not yet reported, or a
// scheduled occurrence the timer may not hold.
func (o Occurrence) NeedsAttention() bool {
	return o.State == OccSending || (o.State == OccMissed && !o.Reported) || (o.State == OccScheduled && !o.Armed)
}

// ScheduleStore keeps scheduled posts and their occurrences. Every method
// that changes something runs one read-check-write transaction and is
// durable when it returns; a callback's error aborts it and is returned as is.
// A callback may run more than once (a shared commit rolled back and
// retried): it must change only what it is given and set any result it
// hands out anew on every run.
type ScheduleStore interface {
	// AddPost stores a new post whose id the store assigns; fn fills it
	// (its ID is set) and may return an error to store nothing. When fn
	// sets Next, the occurrence at Next is stored with the post, scheduled
	// and not yet armed.
	AddPost(ctx context.Context, fn func(p *ScheduledPost) error) (ScheduledPost, error)
	// Post returns post id or an error wrapping ErrNotFound.
	Post(ctx context.Context, id uint64) (ScheduledPost, error)
	// Posts returns the posts keep accepts (nil keeps all), by id.
	Posts(ctx context.Context, keep func(*ScheduledPost) bool) ([]ScheduledPost, error)
	// UpdatePost changes post id.
	UpdatePost(ctx context.Context, id uint64, fn func(p *ScheduledPost) error) (ScheduledPost, error)
	// UpdateOccurrence changes the occurrence of post id at at, and the
	// post, in one transaction. A new occurrence reaches fn with an empty
	// State and is stored only if fn sets one.
	UpdateOccurrence(ctx context.Context, id uint64, at time.Time, fn func(p *ScheduledPost, o *Occurrence) error) (ScheduledPost, Occurrence, error)
	// Occurrences returns post id's occurrences, oldest first.
	Occurrences(ctx context.Context, id uint64) ([]Occurrence, error)
	// Attention returns every occurrence that NeedsAttention, oldest first
	// (served from an index, not a scan of every post).
	Attention(ctx context.Context) ([]Occurrence, error)
}

// ChannelChecker is implemented by platforms that can tell, before a post
// or before watching, whether the bot can post in or read a channel
// (Discord, from its cache of the server's channels, roles and permission
// overwrites; Slack, with conversations.info).
type ChannelChecker interface {
	// CanPost returns nil when the bot can post in ch or the platform
	// cannot tell, and an error wrapping ErrUnknownChannel or ErrCannotPost
	// otherwise.
	CanPost(ctx context.Context, ch ChannelRef) error
	// CanRead returns nil when the bot receives the messages posted in ch
	// (what watching a channel needs) or the platform cannot tell, and an
	// error wrapping ErrUnknownChannel or ErrCannotRead otherwise.
	CanRead(ctx context.Context, ch ChannelRef) error
}

// Errors of ChannelChecker.
var (
	ErrUnknownChannel = errors.New("no such channel")
	ErrCannotPost     = errors.New("the bot may not post in this channel")
	ErrCannotRead     = errors.New("the bot cannot read this channel")
)

var _ ChannelChecker = (*Engine)(nil)

// CanPost asks the platform of ch, when it is a ChannelChecker; it returns
// nil when the platform cannot tell.
func (e *Engine) CanPost(ctx context.Context, ch ChannelRef) error {
	if c, ok := e.platforms[ch.Platform].(ChannelChecker); ok {
		return c.CanPost(ctx, ch)
	}
	return nil
}

// CanRead asks the platform of ch, when it is a ChannelChecker; it returns
// nil when the platform cannot tell.
func (e *Engine) CanRead(ctx context.Context, ch ChannelRef) error {
	if c, ok := e.platforms[ch.Platform].(ChannelChecker); ok {
		return c.CanRead(ctx, ch)
	}
	return nil
}
