package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// Backfill bounds. After a new gateway session that follows an earlier one,
// the adapter fetches what was posted in watched channels since the last
// message it saw there, at most backfillMaxAge back and backfillMaxCount
// messages per channel, within backfillTimeout in all.
const (
	backfillMaxAge   = 10 * time.Minute
	backfillMaxCount = 500
	backfillPage     = 100 // Discord's most per request
	backfillTimeout  = 2 * time.Minute
	// backfillMargin reaches back before the last event the previous
	// session delivered, for a channel with no message seen: Discord's
	// clock and ours differ, and messages are numbered by Discord's.
	backfillMargin = time.Minute
	// guildsWait bounds how long a backfill waits for the servers of the
	// new session (GUILD_CREATE), whose channels and threads it reads.
	guildsWait = 10 * time.Second
	// maxSeenChannels bounds the channels whose last message id is kept;
	// a channel beyond it is fetched from the time of the disconnect.
	maxSeenChannels = 4096
)

// discordEpoch is the first millisecond of 2015, Discord's snowflake epoch.
const discordEpoch = 1420070400000

// seen remembers where the gateway left off: the newest message id it
// delivered per channel, and when it last delivered any event.
type seen struct {
	alive atomic.Int64 // unix nanoseconds of the last dispatch

	mu   sync.Mutex
	last map[string]uint64 // channel id → newest message id seen
}

// event records that the gateway delivered an event now.
func (s *seen) event(now time.Time) { s.alive.Store(now.UnixNano()) }

// message records message id of channelID as seen.
func (s *seen) message(channelID, id string) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]uint64{}
	}
	if old, ok := s.last[channelID]; ok || len(s.last) < maxSeenChannels {
		s.last[channelID] = max(old, n)
	}
}

// after returns the id to fetch channelID's messages after: the last one
// seen there, else a snowflake of since, and never one older than floor.
func (s *seen) after(channelID string, since, floor time.Time) uint64 {
	s.mu.Lock()
	last, ok := s.last[channelID]
	s.mu.Unlock()
	if !ok {
		last = snowflakeAt(since)
	}
	return max(last, snowflakeAt(floor))
}

// snowflakeAt is the smallest snowflake of a message created at t.
func snowflakeAt(t time.Time) uint64 {
	ms := t.UnixMilli() - discordEpoch
	if ms < 0 {
		return 0
	}
	return uint64(ms) << 22
}

// backfiller runs the backfills that new gateway sessions ask for, one at a
// time, on a goroutine that Run owns.
type backfiller struct {
	mu    sync.Mutex
	since time.Time // earliest gap start asked for and not yet run; zero if none
	wake  chan struct{}
}

func newBackfiller() *backfiller { return &backfiller{wake: make(chan struct{}, 1)} }

// request asks for a backfill of what was posted since t; requests made
// while one waits merge into the earliest.
func (b *backfiller) request(t time.Time) {
	b.mu.Lock()
	if b.since.IsZero() || t.Before(b.since) {
		b.since = t
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run backfills once per request until ctx ends.
func (b *backfiller) run(ctx context.Context, p *Platform, in *inbound) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		// The session's servers arrive after READY; an unavailable one
		// (an outage) does not hold the others up for long.
		wait := time.NewTimer(guildsWait)
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-p.guilds.arrived():
		case <-wait.C:
		}
		wait.Stop()
		b.mu.Lock()
		since := b.since
		b.since = time.Time{}
		b.mu.Unlock()
		if !since.IsZero() {
			p.backfill(ctx, in, since)
		}
	}
}

// sessionGuilds tracks the servers a session's READY announced until their
// GUILD_CREATE arrived, which fills the state cache with their channels.
type sessionGuilds struct {
	mu      sync.Mutex
	pending map[string]bool
	all     chan struct{} // closed once pending is empty
}

// start begins a session announcing ids.
func (g *sessionGuilds) start(ids []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending, g.all = map[string]bool{}, make(chan struct{})
	for _, id := range ids {
		g.pending[id] = true
	}
	if len(g.pending) == 0 {
		close(g.all)
	}
}

// created records the GUILD_CREATE of id.
func (g *sessionGuilds) created(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[id] {
		delete(g.pending, id)
		if len(g.pending) == 0 {
			close(g.all)
		}
	}
}

// arrived is closed once every server of the last session arrived.
func (g *sessionGuilds) arrived() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.all == nil {
		g.all = make(chan struct{})
		close(g.all)
	}
	return g.all
}

// sessionStarted is called on READY: a session that follows an earlier one
// (the bot identified again after a dropped or zombie connection, whose
// events Discord will not replay) asks for a backfill from shortly before
// the last event the earlier session delivered.
func (p *Platform) sessionStarted(b *backfiller, r *discordgo.Ready) {
	ids := make([]string, 0, len(r.Guilds))
	for _, g := range r.Guilds {
		if g != nil {
			ids = append(ids, g.ID)
		}
	}
	p.guilds.start(ids)
	if p.sessions.Add(1) == 1 {
		return
	}
	last := time.Unix(0, p.seen.alive.Load())
	b.request(last.Add(-backfillMargin))
}

// backfill hands the engine, as message events with the gateway's ids, what
// was posted in the watched channels (and their active threads) since the
// last message seen in each, or since since; the engine drops those it
// already had. It is bounded by backfillMaxAge, backfillMaxCount per
// channel and backfillTimeout, and stops when ctx ends.
func (p *Platform) backfill(ctx context.Context, in *inbound, since time.Time) {
	if p.watched == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, backfillTimeout)
	defer cancel()
	refs, err := p.watched(ctx)
	if err != nil {
		p.log.Warn("backfill after reconnect: reading the watched channels failed; messages posted while disconnected may be missing", "err", err)
		return
	}
	floor := time.Now().Add(-backfillMaxAge)
	members := map[string]*discordgo.Member{} // author id → member, for this run
	total := 0
	chans := p.withThreads(refs)
	for _, ch := range chans {
		n, err := p.backfillChannel(ctx, in, ch, p.seen.after(ch, since, floor), members)
		total += n
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			p.log.Warn("backfill after reconnect ran out of time; later messages of the watched channels may be missing",
				"channel", ch, "messages", total, "timeout", backfillTimeout)
			return
		}
		if ctx.Err() != nil {
			return // the bot is stopping
		}
		if err != nil {
			p.log.Warn("backfill after reconnect: fetching a channel failed", "channel", ch, "err", err)
		}
	}
	p.log.Info("backfilled after a new gateway session", "channels", len(chans), "messages", total)
}

// withThreads returns the ids of the Discord channels among refs and of the
// active threads the state cache knows under them.
func (p *Platform) withThreads(refs []bot.ChannelRef) []string {
	var out []string
	for _, r := range refs {
		if r.Platform == bot.Discord && r.ID != "" && !slices.Contains(out, r.ID) {
			out = append(out, r.ID)
		}
	}
	parents := slices.Clone(out)
	st := p.s.State
	st.RLock()
	defer st.RUnlock()
	for _, g := range st.Guilds {
		for _, th := range g.Threads {
			if th != nil && slices.Contains(parents, th.ParentID) && !slices.Contains(out, th.ID) {
				out = append(out, th.ID)
			}
		}
	}
	return out
}

// backfillChannel fetches channelID's messages after id after, oldest
// first, and queues them; it returns how many it queued.
func (p *Platform) backfillChannel(ctx context.Context, in *inbound, channelID string, after uint64, members map[string]*discordgo.Member) (int, error) {
	guild, err := p.guildOf(ctx, channelID)
	if err != nil {
		return 0, err
	}
	self := p.selfID.Load().(string)
	queued := 0
	for fetched := 0; fetched < backfillMaxCount; {
		q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(backfillPage)}}
		var page []*discordgo.Message
		if err := p.call(ctx, http.MethodGet, discordgo.EndpointChannelMessages(channelID)+"?"+q.Encode(),
			"channels/"+channelID+"/messages/history", nil, &page); err != nil {
			return queued, fmt.Errorf("discord: backfill %s: %w", channelID, wrapREST(err))
		}
		// Discord lists the messages after an id newest first.
		slices.SortFunc(page, func(a, b *discordgo.Message) int { return compareIDs(a.ID, b.ID) })
		for _, m := range page {
			if fetched == backfillMaxCount {
				break
			}
			fetched++
			n, err := strconv.ParseUint(m.ID, 10, 64)
			if err != nil || n <= after {
				continue
			}
			after = n
			p.seen.message(channelID, m.ID)
			// REST messages carry neither the server nor the author's member.
			m.ChannelID, m.GuildID = channelID, guild
			if m.Author != nil && !m.Author.Bot {
				m.Member = p.member(ctx, guild, m.Author.ID, members)
			}
			ev, ok := messageEvent(m, self, false, p.threadOf)
			if !ok {
				continue
			}
			select {
			case in.messages <- ev:
				queued++
			case <-ctx.Done():
				return queued, ctx.Err()
			}
		}
		if len(page) < backfillPage {
			break
		}
	}
	return queued, nil
}

// member returns the server member userID (roles, join time) from the
// state cache, the run's cache or GET /guilds/{g}/members/{u}, which needs
// no privileged intent; nil when it cannot be had (the event then has no
// roles).
func (p *Platform) member(ctx context.Context, guild, userID string, cache map[string]*discordgo.Member) *discordgo.Member {
	if m, ok := cache[userID]; ok {
		return m
	}
	var m *discordgo.Member
	if cached, err := p.s.State.Member(guild, userID); err == nil {
		// The cache's struct is updated in place by the gateway: copy it.
		st := p.s.State
		st.RLock()
		c := *cached
		c.Roles = slices.Clone(cached.Roles)
		st.RUnlock()
		m = &c
	} else {
		var fetched discordgo.Member
		if err := p.call(ctx, http.MethodGet, discordgo.EndpointGuildMember(guild, userID), "guilds/"+guild+"/members/get", nil, &fetched); err != nil {
			p.log.Debug("backfill: member lookup failed", "user", userID, "err", err)
		} else {
			m = &fetched
		}
	}
	cache[userID] = m
	return m
}

// compareIDs orders snowflakes numerically.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
