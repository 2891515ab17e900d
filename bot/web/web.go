// Package web is a chat platform that lives in this process and is shown in
// a browser: the playground. It implements bot.Platform like the Discord and
// Slack adapters, so the engine, the skills and storage do not know it is
// not a real platform.
//
// # World
//
// Channels and users are fixed at New (Config). Users have a role: a member,
// a staff member (holder of StaffRole) or an admin (UserRef.Admin). Direct
// messages from the bot go to a DM channel per user ("D" + user id).
//
// # State
//
// Everything is in memory, bounded (Config.MaxMessages per channel, oldest
// dropped first) and guarded by one mutex. Pages connect over WebSocket at
// /ws (see Handler): each gets a snapshot, then every change as it happens.
// A page that does not keep up with its queue is dropped, never waited for;
// it reconnects and gets a fresh snapshot.
//
// # Events
//
// What a page does becomes an Event as the other adapters deliver it:
// messages (EventMessage, also for edits and deletions), "/cm group verb
// args" typed in the composer (EventCommand with Text, like Slack), argument
// completion (EventAutocomplete), button presses (EventAction) and form
// submissions (EventSubmit). Event ids are unique per delivery.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Role is what a playground user may do.
type Role string

// The roles.
const (
	RoleMember Role = "member"
	RoleStaff  Role = "staff"
	RoleAdmin  Role = "admin"
)

// StaffRole is the role id staff members hold; list "web-role:" + StaffRole
// in Settings.Staff to make them staff.
const StaffRole = "R1STAFF"

// Channel is one channel of the world. IDs are upper-case letters and
// digits, starting with a letter and holding a digit ("C1COMMUNITY"), so
// that they read as platform ids in neutral mentions (<#web:ID>).
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// User is one person of the world; ID follows the rules of Channel.ID.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Config configures the platform.
type Config struct {
	// Server is the name of the space, shown on the page.
	Server   string
	Channels []Channel
	Users    []User
	// BotName is the bot's display name ("commpilot").
	BotName string
	// MaxMessages bounds the messages kept per channel (default 300).
	MaxMessages int
	// MaxClients bounds the connected pages (default 16).
	MaxClients int
	// MaxText bounds a message or command, in characters (default 4000).
	MaxText int
	// Public accepts requests for any host name. Otherwise only loopback
	// names (localhost, 127.0.0.1, [::1]) are served, which defeats DNS
	// rebinding.
	Public bool
	// Samples are the messages "Play a sample" posts.
	Samples []Sample
	// Now is the clock (timeouts); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Limits beyond Config.
const (
	maxTimeout  = 28 * 24 * time.Hour // as Discord
	maxUpload   = 8 << 20
	queueSize   = 256 // frames per page
	maxInflight = 64  // events being handled at once
	maxForms    = 64  // open forms remembered
	botID       = "B0BOT"
)

// Platform is the playground platform. Create it with New.
type Platform struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	h        bot.Handler // set while Run runs
	runCtx   context.Context
	inflight sync.WaitGroup
	sem      chan struct{}
	status   bot.ConnState
	seq      uint64
	order    []string // channel ids in display order, DMs appended
	channels map[string]*channel
	users    map[string]*member
	byID     map[string]*message // every kept message
	forms    map[string]*openForm
	formSeq  []string
	clients  map[*client]struct{}
}

type channel struct {
	Channel
	DM   string // the user a DM channel belongs to
	msgs []*message
	// slowmode is the least time between two messages of one member (0:
	// off); lastPost is each member's latest message, for it.
	slowmode time.Duration
	lastPost map[string]time.Time
}

type member struct {
	User
	TimeoutUntil time.Time
	Kicked       bool
	Banned       bool
}

// message is one message as pages see it.
type message struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	Thread    string    `json:"thread,omitempty"`
	Author    string    `json:"author"`
	Bot       bool      `json:"bot,omitempty"`
	Text      string    `json:"text"`
	Card      *bot.Card `json:"card,omitempty"`
	File      string    `json:"file,omitempty"`
	FileName  string    `json:"fileName,omitempty"`
	To        string    `json:"to,omitempty"`
	Ephemeral bool      `json:"ephemeral,omitempty"`
	Edited    bool      `json:"edited,omitempty"`
	Deleted   bool      `json:"deleted,omitempty"`
	Time      time.Time `json:"time"`
	png       []byte
}

type openForm struct {
	form    bot.Form
	user    string
	channel string
}

// New returns a platform for cfg. It checks the world: ids unique and in the
// form the router reads.
func New(cfg Config) (*Platform, error) {
	if cfg.BotName == "" {
		cfg.BotName = "commpilot"
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 300
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 16
	}
	if cfg.MaxText <= 0 {
		cfg.MaxText = 4000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Platform{cfg: cfg, log: cfg.Logger.With("platform", "web"), now: cfg.Now, status: bot.StateConnecting,
		sem: make(chan struct{}, maxInflight), channels: map[string]*channel{}, users: map[string]*member{},
		byID: map[string]*message{}, forms: map[string]*openForm{}, clients: map[*client]struct{}{},
		seq: uint64(cfg.Now().UnixMicro())}
	for _, c := range cfg.Channels {
		if !validID(c.ID) || c.ID[0] == 'D' || p.channels[c.ID] != nil || c.Name == "" {
			return nil, fmt.Errorf("web: channel %q: want a unique id of capitals and digits, not starting with D, and a name", c.ID)
		}
		p.channels[c.ID] = &channel{Channel: c}
		p.order = append(p.order, c.ID)
	}
	for _, u := range cfg.Users {
		if !validID(u.ID) || p.users[u.ID] != nil || u.Name == "" {
			return nil, fmt.Errorf("web: user %q: want a unique id of capitals and digits, and a name", u.ID)
		}
		switch u.Role {
		case RoleMember, RoleStaff, RoleAdmin:
		default:
			return nil, fmt.Errorf("web: user %s: role %q: want member, staff or admin", u.ID, u.Role)
		}
		p.users[u.ID] = &member{User: u}
	}
	return p, nil
}

// validID accepts what the router reads as a Slack-like id.
func validID(s string) bool {
	if len(s) < 2 || len(s) > 24 || s[0] < 'A' || s[0] > 'Z' || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

var (
	_ bot.Platform       = (*Platform)(nil)
	_ bot.StatusReporter = (*Platform)(nil)
	_ bot.Linker         = (*Platform)(nil)
)

// ID returns bot.Web.
func (p *Platform) ID() bot.PlatformID { return bot.Web }

// Status is connected while Run runs.
func (p *Platform) Status() bot.ConnState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Link returns the page's anchor of m.
func (p *Platform) Link(m bot.MessageRef) string { return "#msg-" + m.ID }

// Ref returns the reference of channel id, for settings.
func Ref(id string) bot.ChannelRef { return bot.ChannelRef{Platform: bot.Web, ID: id} }

// Run delivers the pages' events to h until ctx is done, then drops every
// page and waits for the events being handled.
func (p *Platform) Run(ctx context.Context, h bot.Handler) error {
	p.mu.Lock()
	if p.h != nil {
		p.mu.Unlock()
		return errors.New("web: Run called twice")
	}
	p.h, p.runCtx, p.status = h, ctx, bot.StateConnected
	for c := range p.clients {
		p.sendLocked(c, p.snapshotLocked(c))
	}
	p.mu.Unlock()
	<-ctx.Done()
	p.mu.Lock()
	p.h, p.status = nil, bot.StateDisconnected
	for c := range p.clients {
		p.dropLocked(c)
	}
	p.mu.Unlock()
	p.inflight.Wait()
	return nil
}

// ask is what a reply needs of the request it answers: the open form's
// token (EventSubmit) or the page's request number (EventAutocomplete).
type ask struct {
	token string
	req   int
}

// deliver hands ev to the handler in a goroutine owned by Run and, when c is
// set, answers c with the reply. It reports false when the platform is not
// running or too busy.
func (p *Platform) deliver(c *client, ev bot.Event, a ask) bool {
	p.mu.Lock()
	h, ctx := p.h, p.runCtx
	if h == nil {
		p.mu.Unlock()
		return false
	}
	select {
	case p.sem <- struct{}{}:
	default:
		p.mu.Unlock()
		return false
	}
	p.inflight.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.inflight.Done()
		defer func() { <-p.sem }()
		r, err := h.HandleEvent(ctx, ev)
		if err != nil {
			p.log.Error("handle event", "kind", ev.Kind.String(), "event", ev.ID, "err", err)
			if c != nil {
				p.notice(c, "web.failed")
			}
			return
		}
		if c != nil {
			p.respond(c, ev, r, a)
		}
	}()
	return true
}

// nextIDLocked returns a new message, event or form id, unique in this
// process and across restarts on the same database (it starts at the clock).
func (p *Platform) nextIDLocked() string {
	p.seq++
	return strconv.FormatUint(p.seq, 36)
}

// addLocked stores m in its channel, dropping the oldest beyond the bound,
// and shows it to the pages allowed to see it.
func (p *Platform) addLocked(ch *channel, m *message) {
	ch.msgs = append(ch.msgs, m)
	p.byID[m.ID] = m
	if over := len(ch.msgs) - p.cfg.MaxMessages; over > 0 {
		for _, old := range ch.msgs[:over] {
			delete(p.byID, old.ID)
		}
		ch.msgs = append(ch.msgs[:0:0], ch.msgs[over:]...)
	}
	p.broadcastLocked(m)
}

// dmLocked returns user's DM channel, creating it.
func (p *Platform) dmLocked(u *member) *channel {
	id := "D" + u.ID
	if ch := p.channels[id]; ch != nil {
		return ch
	}
	ch := &channel{Channel: Channel{ID: id, Name: u.Name}, DM: u.ID}
	p.channels[id] = ch
	p.order = append(p.order, id)
	for c := range p.clients {
		if c.as == u.ID {
			p.sendLocked(c, p.snapshotLocked(c))
		}
	}
	return ch
}

// Do performs one action.
func (p *Platform) Do(ctx context.Context, a bot.Action) (bot.MessageRef, error) {
	if err := ctx.Err(); err != nil {
		return bot.MessageRef{}, err
	}
	var deleted []bot.Event
	p.mu.Lock()
	ref, err := p.doLocked(a, &deleted)
	p.mu.Unlock()
	p.deliverDeletions(deleted)
	return ref, err
}

// deliverDeletions tells the engine about deleted messages.
func (p *Platform) deliverDeletions(evs []bot.Event) {
	for _, ev := range evs {
		if !p.deliver(nil, ev, ask{}) {
			p.log.Warn("deletion not delivered: the platform is busy or stopped", "event", ev.ID)
		}
	}
}

// doLocked performs a; the deletions of people's messages it made are
// appended to deleted, for the engine.
func (p *Platform) doLocked(a bot.Action, deleted *[]bot.Event) (bot.MessageRef, error) {
	switch a.Kind {
	case bot.ActPost, bot.ActUpload, bot.ActEphemeral:
		ch, err := p.channelLocked(a.Channel)
		if err != nil {
			return bot.MessageRef{}, err
		}
		m := &message{ID: p.nextIDLocked(), Channel: ch.ID, Bot: true, Author: botID, Text: a.Text, Card: a.Card, Time: p.now(), To: ch.DM}
		switch a.Kind {
		case bot.ActUpload:
			if len(a.File) > maxUpload || !isPNG(a.File) {
				return bot.MessageRef{}, fmt.Errorf("web: upload %q: want a PNG of at most %d bytes", a.FileName, maxUpload)
			}
			m.png, m.FileName, m.File = a.File, a.FileName, "/files/"+m.ID
		case bot.ActEphemeral:
			if _, ok := p.users[a.User.ID]; !ok {
				return bot.MessageRef{}, fmt.Errorf("web: ephemeral for unknown user %q", a.User.ID)
			}
			m.To, m.Ephemeral = a.User.ID, true
		}
		if m.Text == "" && m.Card == nil && m.png == nil {
			return bot.MessageRef{}, errors.New("web: nothing to post")
		}
		p.addLocked(ch, m)
		return p.refLocked(m), nil
	case bot.ActReply:
		ch, err := p.channelLocked(a.Target.Channel)
		if err != nil {
			return bot.MessageRef{}, err
		}
		root := a.Target.ThreadID
		if root == "" {
			root = a.Target.ID
		}
		if _, ok := p.byID[root]; !ok {
			return bot.MessageRef{}, fmt.Errorf("web: reply to unknown message %q", root)
		}
		m := &message{ID: p.nextIDLocked(), Channel: ch.ID, Thread: root, Bot: true, Author: botID, Text: a.Text, Card: a.Card, Time: p.now(), To: ch.DM}
		p.addLocked(ch, m)
		return p.refLocked(m), nil
	case bot.ActUpdate:
		m, err := p.messageLocked(a.Target)
		if err != nil {
			return bot.MessageRef{}, err
		}
		if !m.Bot {
			return bot.MessageRef{}, fmt.Errorf("web: update message %s: not the bot's", m.ID)
		}
		cp := *m
		cp.Text, cp.Card, cp.Edited = a.Text, a.Card, true
		p.replaceLocked(&cp)
		return p.refLocked(&cp), nil
	case bot.ActDelete:
		return bot.MessageRef{}, p.deleteLocked(a.Target, deleted)
	case bot.ActBulkDelete:
		var errs []error
		for _, id := range a.IDs {
			errs = append(errs, p.deleteLocked(bot.MessageRef{Channel: a.Channel, ID: id}, deleted))
		}
		return bot.MessageRef{}, errors.Join(errs...)
	case bot.ActTimeout, bot.ActKick, bot.ActBan, bot.ActUntimeout, bot.ActUnban:
		u, ok := p.users[a.User.ID]
		if !ok || a.User.Platform != bot.Web {
			return bot.MessageRef{}, fmt.Errorf("web: %s unknown user %q", a.Kind, a.User.Key())
		}
		cp := *u
		switch a.Kind {
		case bot.ActTimeout:
			d := min(max(a.Duration, 0), maxTimeout)
			cp.TimeoutUntil = p.now().Add(d)
		case bot.ActUntimeout:
			cp.TimeoutUntil = time.Time{}
		case bot.ActKick:
			cp.Kicked = true
		case bot.ActBan:
			cp.Banned = true
		case bot.ActUnban:
			cp.Banned, cp.Kicked = false, false
		}
		p.users[u.ID] = &cp
		p.broadcastUserLocked(&cp)
		return bot.MessageRef{}, nil
	case bot.ActSlowmode:
		ch, err := p.channelLocked(a.Channel)
		if err != nil {
			return bot.MessageRef{}, err
		}
		ch.slowmode = min(max(a.Duration, 0), maxTimeout)
		return bot.MessageRef{}, nil
	case bot.ActDM:
		u, ok := p.users[a.User.ID]
		if !ok {
			return bot.MessageRef{}, fmt.Errorf("web: DM to unknown user %q", a.User.Key())
		}
		if a.Text == "" && a.Card == nil {
			return bot.MessageRef{}, errors.New("web: nothing to send")
		}
		ch := p.dmLocked(u)
		m := &message{ID: p.nextIDLocked(), Channel: ch.ID, Bot: true, Author: botID, Text: a.Text, Card: a.Card, Time: p.now(), To: u.ID}
		p.addLocked(ch, m)
		return p.refLocked(m), nil
	}
	return bot.MessageRef{}, fmt.Errorf("web: action %s not supported", a.Kind)
}

func (p *Platform) channelLocked(ref bot.ChannelRef) (*channel, error) {
	ch := p.channels[ref.ID]
	if ref.Platform != bot.Web || ch == nil {
		return nil, fmt.Errorf("web: unknown channel %q", ref.String())
	}
	return ch, nil
}

func (p *Platform) messageLocked(ref bot.MessageRef) (*message, error) {
	m := p.byID[ref.ID]
	if ref.Channel.Platform != bot.Web || m == nil || m.Channel != ref.Channel.ID {
		return nil, fmt.Errorf("web: unknown message %q in %q", ref.ID, ref.Channel.String())
	}
	return m, nil
}

func (p *Platform) refLocked(m *message) bot.MessageRef {
	return bot.MessageRef{Channel: Ref(m.Channel), ID: m.ID, ThreadID: m.Thread}
}

// replaceLocked swaps the stored message with the same id for m (messages
// are never changed in place: frames being written may still read them).
func (p *Platform) replaceLocked(m *message) {
	ch := p.channels[m.Channel]
	for i, old := range ch.msgs {
		if old.ID == m.ID {
			ch.msgs[i] = m
		}
	}
	p.byID[m.ID] = m
	p.broadcastLocked(m)
}

// deleteLocked marks a message deleted; for a person's message it appends
// the deletion event the engine gets, as on the other platforms.
func (p *Platform) deleteLocked(ref bot.MessageRef, deleted *[]bot.Event) error {
	m, err := p.messageLocked(ref)
	if err != nil {
		return err
	}
	if m.Deleted {
		return nil
	}
	cp := *m
	cp.Deleted, cp.Text, cp.Card, cp.png, cp.File, cp.FileName = true, "", nil, nil, "", ""
	p.replaceLocked(&cp)
	if !cp.Bot {
		ev := p.messageEventLocked(&cp)
		ev.ID += ":deleted"
		ev.Deleted, ev.Edited, ev.Text = true, false, ""
		*deleted = append(*deleted, ev)
	}
	return nil
}

// messageEventLocked is the EventMessage for a person's message m.
func (p *Platform) messageEventLocked(m *message) bot.Event {
	u := p.users[m.Author]
	ev := bot.Event{
		ID:        "m:" + m.ID,
		Kind:      bot.EventMessage,
		Message:   p.refLocked(m),
		User:      userRef(u),
		Text:      m.Text,
		Edited:    m.Edited,
		DM:        p.channels[m.Channel].DM != "",
		Time:      m.Time,
		Mentioned: strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(p.cfg.BotName)),
	}
	if m.Thread != "" {
		ev.ReplyTo = bot.MessageRef{Channel: ev.Message.Channel, ID: m.Thread}
	}
	c := text.Count(m.Text)
	ev.Mentions = bot.MentionCount{Users: c.Users, Roles: c.Roles, Channels: c.Channels, Everyone: c.Everyone}
	return ev
}

func userRef(u *member) bot.UserRef {
	r := bot.UserRef{Platform: bot.Web, ID: u.ID, Name: u.Name, Admin: u.Role == RoleAdmin}
	if u.Role == RoleStaff {
		r.Roles = []string{StaffRole}
	}
	return r
}

func isPNG(b []byte) bool { return len(b) > 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n" }
