// Package slack is commpilot's bot.Platform for Slack, over slack-go.
//
// # Transports
//
// With a bot token (xoxb-) and an app-level token (xapp-) the adapter uses
// Socket Mode: it opens a WebSocket with apps.connections.open, acknowledges
// every envelope, and reconnects on its own when Slack asks (disconnect
// messages) or the socket drops, with backoff. No public URL is needed.
//
// With a signing secret instead, it serves Slack's signed HTTP APIs through
// HTTPHandler: /slack/events, /slack/commands and /slack/interactivity.
// Every request's signature is verified and timestamps older than five
// minutes are refused.
//
// After a Socket Mode reconnect, what was posted meanwhile in the watched
// channels (Config.Watched) is fetched with conversations.history, bounded
// in time and count, and handled like the live messages, under the same
// event ids (see backfill.go). HTTP mode has no connection to lose.
//
// # Inbound
//
// Every request is acknowledged before any slow work starts. The one
// exception is a modal submission: its handler runs for up to 2.5 s before
// the acknowledgement, so that validation errors can be shown in the modal
// (response_action errors); a slower handler gets the modal closed and its
// answer posted ephemerally. An acknowledged event is handled and answered
// even when Run is stopping, since Slack will not send it again.
//
// Before an event is handled, its author's name, admin flag and user groups
// are looked up for at most a second (trigger ids expire after 3 s); the
// user-group list is refreshed beside the events, which read the last one
// meanwhile.
//
// Messages and app mentions become bot.EventMessage, /cm becomes
// bot.EventCommand with the text for the router to parse, button presses
// become bot.EventAction and modal submissions bot.EventSubmit. Event ids
// are derived from what Slack identifies (channel and ts for messages), so
// a redelivery, or a message that arrives both as message and app_mention,
// is handled once by the engine.
//
// # Outbound
//
// Do performs bot.Actions with the Web API. Cards render as Block Kit.
// Rate limits (HTTP 429) are waited out; posts to one channel are paced to
// one per second without holding up other channels. A failure after the
// request was sent, with no answer from Slack or with an error by which
// Slack says it may have partly done it (fatal_error, internal_error,
// request_timeout, service_unavailable), wraps bot.ErrUnknownOutcome.
// Replies (bot.ActReply: drafts to a member) ping no user group or channel
// broadcast; the bot's own texts may name user groups. Errors never show a
// response_url or upload URL.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Config configures the Slack platform.
type Config struct {
	// BotToken is the bot user token (xoxb-), SLACK_BOT_TOKEN. Required.
	BotToken string
	// AppToken is the app-level token (xapp-), SLACK_APP_TOKEN, for Socket
	// Mode. Required unless SigningSecret is set.
	AppToken string
	// SigningSecret, SLACK_SIGNING_SECRET, switches to the HTTP APIs served
	// by HTTPHandler instead of Socket Mode.
	SigningSecret string
	// APIURL replaces DefaultAPIURL (SLACK_API_URL); a trailing slash is added.
	APIURL string
	Logger *slog.Logger
	// HTTPClient carries Web API and response_url calls (default: a client
	// with a 30 s timeout).
	HTTPClient *http.Client
	// Watched lists the channels whose messages are fetched again after a
	// Socket Mode reconnect (see backfill.go); channels of other platforms
	// are skipped. Nil: nothing is fetched.
	Watched func(ctx context.Context) ([]bot.ChannelRef, error)
}

// Platform is Slack as a bot.Platform. Create it with New.
type Platform struct {
	cfg    Config
	api    *slack.Client
	http   *http.Client
	log    *slog.Logger
	users  *userCache
	groups *groupCache
	pacer  *pacer
	seen   lastSeen // the newest message delivered per channel, for backfills

	state   atomic.Value // bot.ConnState
	running atomic.Bool
	sess    atomic.Pointer[session]

	mu   sync.Mutex
	team team

	// Tunables; tests shorten them.
	submitWait   time.Duration // how long a modal submission may take before the ack
	concurrency  int           // events handled at once
	pingInterval time.Duration // longest silence from Slack before the socket is reopened
	backoffMin   time.Duration
	backoffMax   time.Duration
}

// team is what auth.test says about the workspace and the bot.
type team struct {
	url       string // https://acme.slack.com/
	teamID    string
	botUserID string
	botID     string
}

var (
	_ bot.Platform       = (*Platform)(nil)
	_ bot.StatusReporter = (*Platform)(nil)
	_ bot.Linker         = (*Platform)(nil)
)

// New checks cfg and returns a platform ready to Run. It does no I/O. The
// first call registers the adapter's slim event types with slack-go (see
// registerSlimEvents).
func New(cfg Config) (*Platform, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: SLACK_BOT_TOKEN is required")
	}
	if !strings.HasPrefix(cfg.BotToken, "xoxb-") {
		return nil, errors.New("slack: SLACK_BOT_TOKEN must be a bot token (xoxb-…)")
	}
	if cfg.SigningSecret == "" {
		if cfg.AppToken == "" {
			return nil, errors.New("slack: SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) is required")
		}
		if !strings.HasPrefix(cfg.AppToken, "xapp-") {
			return nil, errors.New("slack: SLACK_APP_TOKEN must be an app-level token (xapp-…)")
		}
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	registerSlimEvents()
	log := cfg.Logger.With("component", "slack")
	api := slack.New(cfg.BotToken,
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionLog(logWriter{log}),
	)
	p := &Platform{
		cfg:          cfg,
		api:          api,
		http:         cfg.HTTPClient,
		log:          log,
		users:        newUserCache(api, 10*time.Minute, maxCachedUsers),
		groups:       newGroupCache(api, log, 10*time.Minute),
		pacer:        newPacer(time.Second),
		submitWait:   2500 * time.Millisecond,
		concurrency:  defaultConcurrency,
		pingInterval: 30 * time.Second,
		backoffMin:   time.Second,
		backoffMax:   time.Minute,
	}
	p.state.Store(bot.StateDisconnected)
	return p, nil
}

// ID returns bot.Slack.
func (p *Platform) ID() bot.PlatformID { return bot.Slack }

// Status reports the connection: connecting until auth.test succeeded and
// (Socket Mode) the socket is open, connected, or disconnected while Slack
// cannot be reached or Run is not running.
func (p *Platform) Status() bot.ConnState { return p.state.Load().(bot.ConnState) }

func (p *Platform) setState(s bot.ConnState) {
	if old := p.state.Swap(s); old != s {
		p.log.Debug("connection state", "from", old, "to", s)
	}
}

// HTTPMode reports whether the platform serves the HTTP APIs (a signing
// secret was given) rather than Socket Mode.
func (p *Platform) HTTPMode() bool { return p.cfg.SigningSecret != "" }

// Link returns the web link of m without I/O:
// https://TEAM.slack.com/archives/CHANNEL/pTS, with thread_ts and cid for a
// reply in a thread. It is "" until Run has learnt the workspace URL.
func (p *Platform) Link(m bot.MessageRef) string {
	p.mu.Lock()
	base := p.team.url
	p.mu.Unlock()
	if base == "" || m.ID == "" || m.Channel.ID == "" {
		return ""
	}
	link := strings.TrimSuffix(base, "/") + "/archives/" + m.Channel.ID + "/p" + strings.ReplaceAll(m.ID, ".", "")
	if m.ThreadID != "" && m.ThreadID != m.ID {
		link += "?thread_ts=" + m.ThreadID + "&cid=" + m.Channel.ID
	}
	return link
}

func (p *Platform) teamInfo() team {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.team
}

// Run authenticates, connects (Socket Mode) or starts accepting requests on
// HTTPHandler (HTTP mode), hands every event to h and blocks until ctx is
// done. It then waits for the events it acknowledged to be handled and
// answered, which the engine bounds with its deadline. Network failures are
// retried with backoff. Run returns an error only when Slack rejects a token
// (the message names the variable, never the token) or when called twice.
func (p *Platform) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("slack: run: nil handler")
	}
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("slack: run: already running")
	}
	defer p.running.Store(false)
	defer p.setState(bot.StateDisconnected)
	p.setState(bot.StateConnecting)

	if err := p.authenticate(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	s := newSession(ctx, p, h)
	defer s.close()
	defer cancel() // first: background work stops, then s.close waits for the events
	if p.HTTPMode() {
		p.sess.Store(s)
		defer p.sess.Store(nil)
		p.setState(bot.StateConnected)
		p.log.Info("slack HTTP mode ready", "team", p.teamInfo().teamID)
		<-ctx.Done()
		return nil
	}
	return p.runSocket(ctx, s)
}

// fatalAuth reports whether err is Slack refusing a token.
func fatalAuth(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
			return se.Err, true
		}
	}
	// socketmode reports apps.connections.open refusals as plain errors.
	switch msg := err.Error(); msg {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
		return msg, true
	}
	return "", false
}

// authenticate calls auth.test until it succeeds, Slack rejects the token,
// or ctx is done (then it returns nil).
func (p *Platform) authenticate(ctx context.Context) error {
	delay := p.backoffMin
	for {
		res, err := p.api.AuthTestContext(ctx)
		if err == nil {
			p.mu.Lock()
			p.team = team{url: res.URL, teamID: res.TeamID, botUserID: res.UserID, botID: res.BotID}
			p.mu.Unlock()
			p.log.Info("slack authenticated", "team", res.TeamID, "bot_user", res.UserID)
			return nil
		}
		if code, ok := fatalAuth(err); ok {
			return fmt.Errorf("slack: SLACK_BOT_TOKEN was rejected by Slack (%s)", code)
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) && rl.RetryAfter > delay {
			delay = rl.RetryAfter
		}
		if ctx.Err() != nil {
			return nil
		}
		p.setState(bot.StateDisconnected)
		p.log.Warn("slack auth.test failed, retrying", "err", err, "in", delay)
		if !bot.Sleep(ctx, delay) {
			return nil
		}
		delay = min(delay*2, p.backoffMax)
	}
}
