package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// maxCachedUsers bounds the user cache; expired entries are dropped when it
// is full.
const maxCachedUsers = 10000

// userInfo is what the adapter needs to know about a Slack user.
type userInfo struct {
	name  string
	admin bool // workspace admin or owner
	bot   bool
}

type cachedUser struct {
	info    userInfo
	expires time.Time
}

// userCache answers users.info from memory for ttl after each lookup.
type userCache struct {
	api *slack.Client
	ttl time.Duration

	mu sync.Mutex
	m  map[string]cachedUser
}

func newUserCache(api *slack.Client, ttl time.Duration) *userCache {
	return &userCache{api: api, ttl: ttl, m: map[string]cachedUser{}}
}

// get returns the user's name and flags, from the cache or users.info. An
// unknown user is cached as a nameless non-admin.
func (c *userCache) get(ctx context.Context, id string) (userInfo, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.info, nil
	}
	u, err := c.api.GetUserInfoContext(ctx, id)
	var info userInfo
	switch {
	case err == nil:
		info = userInfo{name: displayName(u), admin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner, bot: u.IsBot}
	case isSlackError(err, "user_not_found"):
	default:
		return userInfo{}, fmt.Errorf("users.info %s: %w", id, err)
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedUsers {
		for k, v := range c.m {
			if now.After(v.expires) {
				delete(c.m, k)
			}
		}
	}
	if len(c.m) < maxCachedUsers {
		c.m[id] = cachedUser{info: info, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return info, nil
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
// usergroups.list call refreshed after ttl. Without the usergroups:read
// scope it turns itself off.
type groupCache struct {
	api *slack.Client
	ttl time.Duration

	mu       sync.Mutex // held during a refresh, so one call refreshes
	byUser   map[string][]string
	expires  time.Time
	disabled bool
}

func newGroupCache(api *slack.Client, ttl time.Duration) *groupCache {
	return &groupCache{api: api, ttl: ttl}
}

// groupsOf returns the ids of the user groups userID belongs to. The
// returned slice must not be modified.
func (g *groupCache) groupsOf(ctx context.Context, userID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.disabled {
		return nil, nil
	}
	if now := time.Now(); now.After(g.expires) {
		groups, err := g.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
		switch {
		case isSlackError(err, "missing_scope"):
			g.disabled = true
			return nil, errors.New("usergroups.list: missing_scope usergroups:read; slack-role staff entries are ignored")
		case err != nil:
			g.expires = now.Add(time.Minute) // keep what we knew; ask again later
			return g.byUser[userID], fmt.Errorf("usergroups.list: %w", err)
		}
		g.byUser = map[string][]string{}
		for _, gr := range groups {
			for _, u := range gr.Users {
				g.byUser[u] = append(g.byUser[u], gr.ID)
			}
		}
		g.expires = now.Add(g.ttl)
	}
	return g.byUser[userID], nil
}

// fillUser completes u with the name and admin flag from users.info and
// its user groups (Roles, for "slack-role:S…" staff entries). If Slack
// cannot be asked, u keeps what the event said and is not admin.
func (p *Platform) fillUser(ctx context.Context, u *bot.UserRef) {
	if u.ID == "" {
		return
	}
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
	groups, err := p.groups.groupsOf(ctx, u.ID)
	if err != nil {
		p.log.Warn("user group lookup failed", "err", err)
	}
	u.Roles = append(u.Roles[:0:0], groups...)
}
