package slack

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// maxCachedUsers bounds the user cache; the least recently used user
// makes room for a new one.
const maxCachedUsers = 10000

// lookupTimeout bounds what fillUser asks Slack before an event is handled:
// trigger ids, which open modals, expire 3 s after the click.
const lookupTimeout = time.Second

// groupRefreshTimeout bounds one usergroups.list call, which runs beside
// the events, not before them.
const groupRefreshTimeout = 30 * time.Second

// userInfo is what the adapter needs to know about a Slack user.
type userInfo struct {
	name  string
	admin bool // workspace admin or owner
	bot   bool
	lang  bot.Lang // of the user's Slack client
}

type cachedUser struct {
	id      string
	info    userInfo
	expires time.Time
}

// userCache answers users.info from memory for ttl after each lookup. It
// holds at most max users: when full, the least recently used one (looked
// up or answered from the cache the longest ago) is evicted.
type userCache struct {
	api *slack.Client
	ttl time.Duration
	max int
	now func() time.Time

	mu  sync.Mutex
	m   map[string]*list.Element // of lru, whose values are *cachedUser
	lru list.List                // most recently used first
}

func newUserCache(api *slack.Client, ttl time.Duration, max int) *userCache {
	return &userCache{api: api, ttl: ttl, max: max, now: time.Now, m: map[string]*list.Element{}}
}

// get returns the user's name and flags, from the cache or users.info. An
// unknown user is cached as a nameless non-admin who reads English.
func (c *userCache) get(ctx context.Context, id string) (userInfo, error) {
	if info, ok := c.cached(id); ok {
		return info, nil
	}
	u, err := c.api.GetUserInfoContext(ctx, id)
	info := userInfo{lang: bot.English}
	switch {
	case err == nil:
		info = userInfo{name: displayName(u), admin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner, bot: u.IsBot, lang: localeLang(u.Locale)}
	case isSlackError(err, "user_not_found"):
	default:
		return userInfo{}, fmt.Errorf("users.info %s: %w", id, err)
	}
	c.put(id, info)
	return info, nil
}

// cached returns the unexpired entry of id, which becomes the most
// recently used.
func (c *userCache) cached(id string) (userInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[id]
	if !ok {
		return userInfo{}, false
	}
	e := el.Value.(*cachedUser)
	if !c.now().Before(e.expires) {
		return userInfo{}, false
	}
	c.lru.MoveToFront(el)
	return e.info, true
}

// put caches info for id, evicting the least recently used users beyond
// c.max.
func (c *userCache) put(id string, info userInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &cachedUser{id: id, info: info, expires: c.now().Add(c.ttl)}
	if el, ok := c.m[id]; ok {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.m[id] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.m, oldest.Value.(*cachedUser).id)
	}
}

// localeLang maps a Slack locale ("fr-FR") to the bot's languages,
// English when it speaks none of them.
func localeLang(locale string) bot.Lang {
	tag, _, _ := strings.Cut(locale, "-")
	if l, ok := bot.ParseLang(tag); ok {
		return l
	}
	return bot.English
}

// displayName is what Slack shows for u.
func displayName(u *slack.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.RealName, u.Name} {
		if n != "" {
			return n
		}
	}
	return u.ID
}

func isSlackError(err error, code string) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && se.Err == code
}

// groupCache knows which user groups each user is in, from one
// usergroups.list call refreshed after ttl. Lookups never wait for the
// refresh of a list they have: they answer from it, possibly stale, while
// one refresh runs beside them. Without the usergroups:read scope it turns
// itself off.
type groupCache struct {
	api *slack.Client
	log *slog.Logger
	ttl time.Duration

	mu       sync.Mutex
	byUser   map[string][]string // nil until a list was read
	expires  time.Time
	disabled bool
	// refreshed is closed when the running refresh ends; nil when none runs.
	refreshed chan struct{}
}

func newGroupCache(api *slack.Client, log *slog.Logger, ttl time.Duration) *groupCache {
	return &groupCache{api: api, log: log, ttl: ttl}
}

// groupsOf returns the ids of the user groups userID belongs to, as last
// listed. When the list is stale it starts one refresh with start (which
// runs its function in a goroutine, or reports false) unless one runs
// already, and answers from the stale list. Only when no list was ever read
// does it wait for the refresh, until ctx is done. The returned slice must
// not be modified.
func (g *groupCache) groupsOf(ctx context.Context, userID string, start func(func(context.Context)) bool) ([]string, error) {
	g.mu.Lock()
	if g.disabled {
		g.mu.Unlock()
		return nil, nil
	}
	if g.refreshed == nil && time.Now().After(g.expires) {
		done := make(chan struct{})
		g.refreshed = done
		g.mu.Unlock()
		started := start(func(ctx context.Context) { g.refresh(ctx, done) })
		g.mu.Lock()
		if !started {
			g.refreshed = nil
			close(done)
		}
	}
	byUser, wait := g.byUser, g.refreshed
	g.mu.Unlock()
	if byUser != nil || wait == nil {
		return byUser[userID], nil
	}
	select {
	case <-wait:
	case <-ctx.Done():
		return nil, fmt.Errorf("usergroups.list not answered yet: %w", ctx.Err())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byUser[userID], nil
}

// refresh reads the list with usergroups.list, then closes done. A failure
// keeps what was known and asks again a minute later.
func (g *groupCache) refresh(ctx context.Context, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(ctx, groupRefreshTimeout)
	defer cancel()
	groups, err := g.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
	byUser := map[string][]string{}
	for _, gr := range groups {
		for _, u := range gr.Users {
			byUser[u] = append(byUser[u], gr.ID)
		}
	}
	missingScope := isSlackError(err, "missing_scope")
	g.mu.Lock()
	now := time.Now()
	g.refreshed = nil
	switch {
	case missingScope:
		g.disabled = true
	case err != nil:
		g.expires = now.Add(time.Minute)
	default:
		g.byUser, g.expires = byUser, now.Add(g.ttl)
	}
	g.mu.Unlock()
	switch {
	case missingScope:
		g.log.Warn("usergroups.list: missing_scope usergroups:read; slack-role staff entries are ignored")
	case err != nil:
		g.log.Warn("user group refresh failed, keeping the last list", "err", err)
	}
}

// fillUser completes u with the name and admin flag from users.info and
// its user groups (Roles, for "slack-role:S…" staff entries), asking Slack
// for at most lookupTimeout; a stale group list is refreshed beside the
// event, by a goroutine of the session. If Slack cannot be asked, u keeps
// what the event said and is not admin.
func (s *session) fillUser(ctx context.Context, u *bot.UserRef) {
	if u.ID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	p := s.p
	info, err := p.users.get(ctx, u.ID)
	if err != nil {
		p.log.Warn("user lookup failed", "user", u.ID, "err", err)
		return
	}
	if info.name != "" {
		u.Name = info.name
	}
	u.Admin = info.admin
	u.Bot = u.Bot || info.bot
	groups, err := p.groups.groupsOf(ctx, u.ID, s.background)
	if err != nil {
		p.log.Warn("user group lookup failed", "user", u.ID, "err", err)
	}
	u.Roles = append(u.Roles[:0:0], groups...)
}
