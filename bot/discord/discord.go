// Package discord makes commpilot a Discord bot: a bot.Platform over
// discordgo v0.29.0.
//
// # Connection
//
// Run opens the gateway with the guilds, guild messages, message content
// and direct messages intents (see Intents), registers the
// /cm command tree derived from the handler's routes (bot.CommandSource), and
// delivers every message and interaction to the handler as a bot.Event. It
// owns the reconnect loop: after any disconnect it opens the gateway again,
// and discordgo RESUMEs the session. After a RECONNECT or a connection cut
// without a close frame the RESUME succeeds and the events missed meanwhile
// are replayed. But when discordgo v0.29.0 gives up on a connection itself
// (a read error, missed heartbeat ACKs) it closes the websocket with code
// 1000, which invalidates the session if the frame reaches Discord: the
// RESUME is refused (INVALID_SESSION), discordgo IDENTIFYs anew, and
// Discord does not replay the events sent between the failure and the new
// session. So after every READY that follows an earlier one, a goroutine of
// Run fetches what was posted in the watched channels (Config.Watched) and
// their active threads since the last message seen in each (see
// backfill.go), and hands it over as the gateway would have. Event ids are
// stable across redeliveries and fetches ("m:"+message id,
// "u:"+message id+":"+edit time, interaction id), so the engine's dedupe
// handles an event it gets twice once. Edits, deletions and direct
// messages sent in that window are not fetched.
// Close codes Discord documents as final (4004, 4010–4014) end Run with an
// error naming the fix.
//
// # REST
//
// Every REST call goes through discordgo's request machinery with an
// explicit, bounded rate-limit bucket and without discordgo's own retries.
// The adapter's calls in one bucket take turns through its own gate, so none
// waits on discordgo's bucket lock, which ignores contexts: waiting for a
// turn, for X-RateLimit-* resets and for a 429's retry_after honours the
// caller's context. A 502 is never retried blindly, and interaction tokens
// never become bucket keys (discordgo keeps one bucket per token forever,
// issue #1333). Whether a failed request may have reached Discord is traced
// with net/http/httptrace: a failure after that wraps bot.ErrUnknownOutcome,
// as does a 2xx whose body cannot be read; a request that never left, a 4xx
// and a 429 discordgo cannot read are definite failures.
//
// # Base URL and API version
//
// discordgo computes its endpoint strings once, from https://discord.com/api/v9/.
// The session's HTTP client rewrites every request for discord.com to API
// v10 and, when Config.APIURL is set, to that base, so REST and gateway
// discovery (GET /api/v10/gateway) go there; the gateway itself is whatever
// URL that discovery returns.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/commpilot/commpilot/bot"
)

// Intents are the gateway intents commpilot identifies with, each for a
// built feature (docs/discord.md lists them):
//   - guilds: GUILD_CREATE and channel, thread and role updates, the state
//     cache behind thread parents, links, the bot's permissions and role
//     position (the bot's own GUILD_MEMBER_UPDATE comes without the guild
//     members intent);
//   - guild messages and message content (privileged): what members write
//     in watched channels and threads, with its text;
//   - direct messages: members writing to the bot.
//
// Server Members (privileged) is not requested: authors' roles and join
// times come with each message (its member field) and interaction, and no
// feature reacts to joins. Guild moderation is not either: no feature reads
// ban or audit-log events.
const Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent |
	discordgo.IntentDirectMessages

// Config configures the Discord platform.
type Config struct {
	// Token is the bot token (DISCORD_TOKEN), without the "Bot " prefix.
	Token string
	// GuildID, when set, registers /cm in that guild only (instant) instead
	// of globally.
	GuildID string
	// APIURL replaces https://discord.com for REST and gateway discovery.
	APIURL string
	Logger *slog.Logger
	// HTTPClient is used for REST; nil means a client with a 20 s timeout.
	HTTPClient *http.Client
	// Watched returns the channels whose messages must not be lost across
	// a reconnect (the settings' watch list; other platforms' channels are
	// ignored). After a new gateway session that follows an earlier one,
	// what was posted in them and their active threads meanwhile is fetched
	// and handed to the handler (see Run). Nil: nothing is fetched.
	Watched func(ctx context.Context) ([]bot.ChannelRef, error)
}

// Platform is Discord as a bot.Platform.
type Platform struct {
	s       *discordgo.Session
	log     *slog.Logger
	guildID string
	webBase string // "https://discord.com" or the configured base

	state  atomic.Value // bot.ConnState
	selfID atomic.Value // string: the bot user id, from READY
	appID  atomic.Value // string: the application id, from READY

	// deferAfter is how long an interaction handler may run before the
	// interaction is deferred (Discord allows 3 s for the first answer).
	deferAfter time.Duration

	// answering holds the ids of interactions being answered (see respond).
	answering sync.Map

	// gates serialises the adapter's calls per rate-limit bucket (see callRaw).
	gates gates

	// watched, seen, sessions and guilds drive the backfill after a new
	// session (see backfill.go): sessions counts READYs.
	watched  func(ctx context.Context) ([]bot.ChannelRef, error)
	seen     seen
	sessions atomic.Int64
	guilds   sessionGuilds
}

var (
	_ bot.Platform       = (*Platform)(nil)
	_ bot.StatusReporter = (*Platform)(nil)
	_ bot.Linker         = (*Platform)(nil)
)

// New builds the platform; it does no I/O.
func New(cfg Config) (*Platform, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("discord: DISCORD_TOKEN is empty")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s, err := discordgo.New("Bot " + strings.TrimSpace(cfg.Token))
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	base := &url.URL{Scheme: "https", Host: "discord.com"}
	if cfg.APIURL != "" {
		b, err := url.Parse(strings.TrimRight(cfg.APIURL, "/"))
		if err != nil || b.Scheme == "" || b.Host == "" {
			return nil, fmt.Errorf("discord: DISCORD_API_URL %q: want an absolute URL such as https://proxy.example", cfg.APIURL)
		}
		base = b
	}
	c := *client
	c.Transport = rebase{base: base, next: transportOf(client)}
	client = &c
	webBase := base.Scheme + "://" + base.Host
	s.Client = client
	s.Identify.Intents = Intents
	s.Identify.Compress = false
	s.ShouldReconnectOnError = false // Run owns reconnection
	s.ShouldRetryOnRateLimit = false // call waits, honouring the context
	s.MaxRestRetries = 0             // a 502 after a POST is an unknown outcome, not a retry
	s.SyncEvents = true              // handlers only hand events to goroutines Run owns
	s.StateEnabled = true
	s.LogLevel = -1 // discordgo logs through the standard logger; Run logs what matters
	p := &Platform{
		s:          s,
		log:        cfg.Logger.With("component", "discord"),
		guildID:    cfg.GuildID,
		webBase:    webBase,
		deferAfter: 1500 * time.Millisecond,
		watched:    cfg.Watched,
	}
	p.state.Store(bot.StateDisconnected)
	p.selfID.Store("")
	p.appID.Store("")
	return p, nil
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// rebase sends requests for discord.com to base instead, and moves
// discordgo's API v9 paths to v10.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.roundTrip(req)
	if tr, ok := req.Context().Value(trackerKey{}).(*tracker); ok && resp != nil {
		tr.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

func (r rebase) roundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = r.base.Scheme, r.base.Host
	path := req.URL.Path
	if rest, ok := strings.CutPrefix(path, "/api/v"+discordgo.APIVersion+"/"); ok {
		path = "/api/v10/" + rest
	}
	u.Path = strings.TrimRight(r.base.Path, "/") + path
	u.RawPath = ""
	out.URL, out.Host = &u, ""
	return r.next.RoundTrip(out)
}

// ID returns bot.Discord.
func (p *Platform) ID() bot.PlatformID { return bot.Discord }

// Status reports the gateway connection state.
func (p *Platform) Status() bot.ConnState { return p.state.Load().(bot.ConnState) }

// Link returns the web link of m: <base>/channels/GUILD/CHANNEL/MSG, with
// @me for direct messages. The guild comes from the state cache (filled by
// GUILD_CREATE at connect), else DISCORD_GUILD_ID; a channel known to
// neither links as a DM would.
func (p *Platform) Link(m bot.MessageRef) string {
	guild := "@me"
	if ch, err := p.s.State.Channel(m.Channel.ID); err == nil {
		if ch.GuildID != "" {
			guild = ch.GuildID
		}
	} else if p.guildID != "" {
		guild = p.guildID
	}
	return p.webBase + "/channels/" + guild + "/" + m.Channel.ID + "/" + m.ID
}

// Errors Run returns when Discord refuses the connection for good; retrying
// would not help until the operator changes something.
var (
	// ErrTokenRejected: HTTP 401 or gateway close 4004.
	ErrTokenRejected = errors.New("discord: the DISCORD_TOKEN was rejected by Discord; check the bot token")
	// ErrIntentsDisallowed: gateway close 4014.
	ErrIntentsDisallowed = errors.New("discord: Discord refused the privileged intents (gateway close 4014): " +
		"enable Message Content Intent in the Developer Portal → your application → Bot → Privileged Gateway Intents")
	// ErrGatewayRefused: gateway close 4010–4013.
	ErrGatewayRefused = errors.New("discord: Discord refused the gateway connection")
)

// Run connects, registers /cm from h's commands when h is a
// bot.CommandSource, delivers events to h and reconnects on its own until
// ctx is done; then it closes the gateway, hands the messages already read
// to h, waits for the events in flight and their answers, and returns nil.
// It returns early only when the command tree is invalid or Discord refuses
// the connection for good: the token (ErrTokenRejected), the privileged
// intents (ErrIntentsDisallowed) or the shard, API version or intents
// (ErrGatewayRefused, gateway close 4010–4013).
func (p *Platform) Run(ctx context.Context, h bot.Handler) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var tree *discordgo.ApplicationCommand
	if src, ok := h.(bot.CommandSource); ok {
		var err error
		if tree, err = CommandTree(src.Commands()); err != nil {
			return fmt.Errorf("discord: register /cm: %w", err)
		}
	}
	if p.guildID == "" {
		p.log.Warn("DISCORD_GUILD_ID is unset: /cm works in every server the bot is added to, and the admins of each count as staff; " +
			"keep the bot private (Developer Portal → Bot → Public Bot off) or set DISCORD_GUILD_ID")
	}
	disconnected := make(chan struct{}, 1)
	in := newInbound(ctx, p, h, &wg)
	// The backfill goroutine queues into in: it ends before in.close.
	bf := newBackfiller()
	bctx, bcancel := context.WithCancel(ctx)
	bdone := make(chan struct{})
	go func() {
		defer close(bdone)
		bf.run(bctx, p, in)
	}()
	registered := tree == nil
	removers := []func(){
		p.s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			p.selfID.Store(r.User.ID)
			app := r.User.ID
			if r.Application != nil && r.Application.ID != "" {
				app = r.Application.ID
			}
			p.appID.Store(app)
			p.sessionStarted(bf, r)
		}),
		p.s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { p.guilds.created(g.ID) }),
		// Called after the typed handlers: READY reads the time of the
		// event before it.
		p.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Event) { p.seen.event(time.Now()) }),
		p.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			select {
			case disconnected <- struct{}{}:
			default:
			}
		}),
		p.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { in.message(m.Message, false) }),
		p.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) { in.message(m.Message, true) }),
		p.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageDelete) {
			in.deleted(m.ChannelID, m.GuildID, []string{m.ID})
		}),
		p.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageDeleteBulk) {
			in.deleted(m.ChannelID, m.GuildID, m.Messages)
		}),
		p.s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { in.interaction(i.Interaction) }),
	}
	defer func() {
		for _, rm := range removers {
			rm()
		}
		bcancel()
		<-bdone
		in.close() // nothing queues now: drain the queue (wg.Wait waits)
	}()

	backoff := time.Second
	for {
		p.state.Store(bot.StateConnecting)
		err := p.s.Open()
		if errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			// A second Disconnect from one failure (read error and missed
			// heartbeat both close) after the reconnect already happened.
			err = nil
		}
		if err != nil {
			p.state.Store(bot.StateDisconnected)
			if ferr := fatal(err); ferr != nil {
				return ferr
			}
			p.log.Warn("gateway connect failed", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Minute)
			continue
		}
		backoff = time.Second
		p.state.Store(bot.StateConnected)
		p.log.Info("gateway connected")
		if !registered { // READY, handled during Open, set the application id
			// A failure here is retried after the next reconnect; the
			// commands registered last time keep working meanwhile.
			if err := p.register(ctx, tree); err != nil {
				p.log.Error("registering /cm failed", "err", err)
			} else {
				registered = true
			}
		}
		select {
		case <-ctx.Done():
			p.state.Store(bot.StateDisconnected)
			// A gateway session left without a close frame can be resumed
			// by another process; close it properly.
			if err := p.s.Close(); err != nil {
				p.log.Debug("gateway close", "err", err)
			}
			return nil
		case <-disconnected:
			p.state.Store(bot.StateDisconnected)
			p.log.Warn("gateway disconnected; reconnecting")
		}
	}
}

// register bulk-overwrites the application's commands with the /cm tree.
func (p *Platform) register(ctx context.Context, cmd *discordgo.ApplicationCommand) error {
	app := p.appID.Load().(string)
	endpoint := discordgo.EndpointApplicationGlobalCommands(app)
	if p.guildID != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(app, p.guildID)
	}
	if err := p.call(ctx, http.MethodPut, endpoint, "commands", []*discordgo.ApplicationCommand{cmd}, nil); err != nil {
		return fmt.Errorf("discord: register /cm: %w", err)
	}
	p.log.Info("registered /cm", "guild", p.guildID, "options", len(cmd.Options))
	return nil
}

// fatal returns the error Run returns for a connection failure that
// retrying cannot fix, or nil: a 401 from REST, or a gateway close code
// Discord documents as not to be reconnected after.
func fatal(err error) error {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
		return ErrTokenRejected
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch ce.Code {
	case 4004:
		return ErrTokenRejected
	case 4014:
		return ErrIntentsDisallowed
	case 4010:
		return fmt.Errorf("%w: invalid shard (close 4010)", ErrGatewayRefused)
	case 4011:
		return fmt.Errorf("%w: sharding required (close 4011); commpilot runs one connection, for bots in fewer than 2,500 servers", ErrGatewayRefused)
	case 4012:
		return fmt.Errorf("%w: invalid API version (close 4012)", ErrGatewayRefused)
	case 4013:
		return fmt.Errorf("%w: invalid intents %d (close 4013)", ErrGatewayRefused, Intents)
	}
	return nil
}
