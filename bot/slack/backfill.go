package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// Backfill after a Socket Mode reconnect.
//
// Slack does not replay the events it could not deliver while the socket
// was down. After a reconnect the adapter lists, with conversations.history,
// what was posted in each watched channel since the last message it saw
// there (or, in a channel it saw nothing from, since Run connected),
// and hands those messages to the handler as message events with the ids
// the live events have ("m:CHANNEL:TS"): one that arrives both ways is
// dropped by the engine's redelivery check. Thread replies are not listed
// by conversations.history and are not backfilled.
const (
	// backfillWindow is how far back a backfill looks at most.
	backfillWindow = 10 * time.Minute
	// backfillMax is how many messages a backfill hands over per channel;
	// backfillPage how many it asks for at once.
	backfillMax  = 200
	backfillPage = 100
	// backfillTimeout bounds one backfill, every channel included.
	backfillTimeout = time.Minute
	// maxSeenChannels bounds the channels whose last message is remembered;
	// beyond it a new channel is fetched as one nothing was seen from.
	maxSeenChannels = 10000
)

// lastSeen remembers the ts of the newest message delivered in each
// channel.
type lastSeen struct {
	mu sync.Mutex
	ts map[string]string
}

// see records that message m was delivered.
func (l *lastSeen) see(m bot.MessageRef) {
	ch, ts := m.Channel.ID, m.ID
	if ch == "" || ts == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ts == nil {
		l.ts = map[string]string{}
	}
	old, ok := l.ts[ch]
	if !ok && len(l.ts) >= maxSeenChannels {
		return
	}
	if !ok || tsAfter(ts, old) {
		l.ts[ch] = ts
	}
}

// snapshot returns a copy of what l knows.
func (l *lastSeen) snapshot() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.ts))
	for k, v := range l.ts {
		out[k] = v
	}
	return out
}

// tsAfter reports whether Slack timestamp a is later than b. Timestamps
// are decimal seconds with six decimals, so the longer is the later, and
// equal lengths compare as text.
func tsAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// slackTS writes t as a Slack timestamp.
func slackTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// backfillFrom returns the oldest ts to list a channel from: after the
// last message seen there, or after since when none was, and never before
// now minus backfillWindow.
func backfillFrom(lastTS string, since, now time.Time) string {
	floor := slackTS(now.Add(-backfillWindow))
	from := lastTS
	if from == "" {
		from = slackTS(since)
	}
	if tsAfter(floor, from) {
		return floor
	}
	return from
}

// backfill hands s's handler what was posted in the watched channels
// after the messages in seen (a snapshot of p.seen taken when the socket
// came back) or after since. It runs beside the events, in a background
// goroutine of the session, and stops with ctx; each message is handled
// like a live one, in the session's bounded slots (so it waits for one).
func (p *Platform) backfill(ctx context.Context, s *session, since time.Time, seen map[string]string) {
	if p.cfg.Watched == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, backfillTimeout)
	defer cancel()
	watched, err := p.cfg.Watched(ctx)
	if err != nil {
		p.log.Warn("slack backfill: watched channels unknown", "err", err)
		return
	}
	now, t := time.Now(), p.teamInfo()
	total := 0
	for _, ch := range watched {
		if ch.Platform != bot.Slack || ch.ID == "" {
			continue
		}
		msgs, err := p.history(ctx, ch.ID, backfillFrom(seen[ch.ID], since, now))
		if err != nil {
			p.log.Warn("slack backfill failed", "channel", ch.ID, "err", err)
			continue
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return // Run is stopping: the engine takes no new events
			}
			if !deliveredSubtype(m.SubType) {
				continue
			}
			ev, ok := personEvent(ch.ID, strings.HasPrefix(ch.ID, "D"), historyPost(m), t)
			if !ok {
				continue
			}
			p.seen.see(ev.Message)
			total++
			s.later(ev, responder{channel: ch.ID, user: ev.User.ID})()
		}
	}
	p.log.Info("slack backfill after reconnect", "channels", len(watched), "messages", total)
}

// history lists the messages of channel after oldest, oldest first, at
// most backfillMax of them (Slack lists the newest first: beyond that,
// the earliest are left out, and a warning says so). Rate limits are
// waited out.
func (p *Platform) history(ctx context.Context, channel, oldest string) ([]slack.Msg, error) {
	var out []slack.Msg
	cursor := ""
	for {
		var res *slack.GetConversationHistoryResponse
		err := p.call(ctx, "conversations.history", "", true, func(ctx context.Context) error {
			var err error
			res, err = p.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Limit: min(backfillPage, backfillMax-len(out)), Cursor: cursor,
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", channel, err)
		}
		for _, m := range res.Messages {
			out = append(out, m.Msg)
		}
		cursor = res.ResponseMetaData.NextCursor
		if !res.HasMore || cursor == "" {
			break
		}
		if len(out) >= backfillMax {
			p.log.Warn("slack backfill: more messages than it hands over; the earliest are left out",
				"channel", channel, "max", backfillMax)
			break
		}
	}
	if len(out) > backfillMax {
		out = out[:backfillMax]
	}
	slices.SortFunc(out, func(a, b slack.Msg) int {
		switch {
		case tsAfter(a.Timestamp, b.Timestamp):
			return 1
		case tsAfter(b.Timestamp, a.Timestamp):
			return -1
		}
		return 0
	})
	return out, nil
}
