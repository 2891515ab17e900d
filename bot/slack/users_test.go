package slack

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot/slack/slacktest"
)

// userCacheOn is a cache of at most max users, over the fake Slack, whose
// clock the test moves; lookups lists the users.info calls made.
func userCacheOn(t *testing.T, max int, users ...string) (c *userCache, now *time.Time, lookups func() []string) {
	srv := slacktest.New(t)
	for _, u := range users {
		srv.AddUser(u, "name of "+u, false)
	}
	api := slack.New(slacktest.BotToken, slack.OptionAPIURL(srv.APIURL()))
	c = newUserCache(api, time.Minute, max)
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return clock }
	return c, &clock, func() []string {
		var ids []string
		for _, call := range srv.CallsTo("users.info") {
			ids = append(ids, call.Params.Get("user"))
		}
		return ids
	}
}

func getUsers(t *testing.T, c *userCache, ids ...string) {
	t.Helper()
	for _, id := range ids {
		info, err := c.get(context.Background(), id)
		if err != nil || info.name != "name of "+id {
			t.Fatalf("get %s = %+v, %v", id, info, err)
		}
	}
}

// When full, the cache evicts the user used least recently (a hit counts
// as a use), and keeps caching new users.
func TestUserCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c, _, lookups := userCacheOn(t, 2, "UA", "UB", "UC")
	getUsers(t, c, "UA", "UB", "UA") // UA is now the most recently used
	getUsers(t, c, "UC")             // evicts UB
	getUsers(t, c, "UA")             // still cached
	getUsers(t, c, "UB")             // looked up again; evicts UC
	getUsers(t, c, "UA", "UB")       // both cached
	if got, want := lookups(), []string{"UA", "UB", "UC", "UB"}; !slices.Equal(got, want) {
		t.Errorf("users.info calls = %v, want %v", got, want)
	}
}

// However many users come, the cache holds at most its bound, and the
// newest are cached.
func TestUserCacheBound(t *testing.T) {
	var ids []string
	for i := range 50 {
		ids = append(ids, fmt.Sprintf("U%02d", i))
	}
	c, _, lookups := userCacheOn(t, 10, ids...)
	getUsers(t, c, ids...)
	if len(c.m) != 10 || c.lru.Len() != 10 {
		t.Errorf("cache holds %d users (%d in order), want 10", len(c.m), c.lru.Len())
	}
	getUsers(t, c, ids[40:]...) // the ten newest: no call
	if n := len(lookups()); n != 50 {
		t.Errorf("%d users.info calls, want 50", n)
	}
}

// An entry is used for the TTL after its lookup, then looked up again.
func TestUserCacheExpires(t *testing.T) {
	c, now, lookups := userCacheOn(t, 10, "UA")
	getUsers(t, c, "UA")
	*now = now.Add(59 * time.Second)
	getUsers(t, c, "UA")
	*now = now.Add(time.Second)
	getUsers(t, c, "UA")
	if got := lookups(); len(got) != 2 {
		t.Errorf("users.info calls = %v, want two (before and after the TTL)", got)
	}
}
