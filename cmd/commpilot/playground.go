package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/web"
	"github.com/commpilot/commpilot/storage"
)

// The playground's world.
const (
	pgCommunity = "C1COMMUNITY"
	pgTeam      = "C2TEAM"
	pgAnnounce  = "C3ANNOUNCE"
	pgMember    = "U1SAM"
	pgStaff     = "U2ALEX"
	pgAdmin     = "U3ROBIN"
)

// playgroundWorld is the demo server: three channels, a member, a staff
// member, an admin and a few community voices for "Play a sample".
func playgroundWorld(public bool, logger *slog.Logger) web.Config {
	return web.Config{
		Server: "Acme Community",
		Channels: []web.Channel{
			{ID: pgCommunity, Name: "community"},
			{ID: pgTeam, Name: "team"},
			{ID: pgAnnounce, Name: "announcements"},
		},
		Users: []web.User{
			{ID: pgMember, Name: "Sam", Role: web.RoleMember},
			{ID: pgStaff, Name: "Alex", Role: web.RoleStaff},
			{ID: pgAdmin, Name: "Robin", Role: web.RoleAdmin},
			{ID: "U4CAMILLE", Name: "Camille", Role: web.RoleMember},
			{ID: "U5DAAN", Name: "Daan", Role: web.RoleMember},
			{ID: "U6JORDAN", Name: "Jordan", Role: web.RoleMember},
			{ID: "U7PROMO", Name: "promo_deals", Role: web.RoleMember},
		},
		Samples: []web.Sample{
			{User: "U6JORDAN", Channel: pgCommunity, Text: "Acme sync has been broken since yesterday's update and I lost two hours of work. This is really frustrating, is anyone looking at it?"},
			{User: "U4CAMILLE", Channel: pgCommunity, Text: "Bonjour ! Est-ce qu'Acme propose une réduction pour les associations ? Je ne trouve pas les tarifs sur le site."},
			{User: "U5DAAN", Channel: pgCommunity, Text: "Wat een fijne update van Acme, het nieuwe dashboard is echt een stuk sneller. Top werk!"},
			{User: "U7PROMO", Channel: pgCommunity, Text: "FREE NITRO for everyone!!! Claim it now at http://free-nitro.example/claim before it runs out @everyone"},
			{User: pgMember, Channel: pgCommunity, Text: "Does Acme work offline? I'm travelling next week with a bad connection."},
		},
		Public: public,
		Logger: logger,
	}
}

// playgroundFAQ grounds the drafted replies, in the three languages.
var playgroundFAQ = [][2]string{
	{"How do I reset my Acme password?", "Go to Settings → Account → Reset password; the link we email you is valid for 24 hours."},
	{"Does Acme work offline?", "Yes: the app keeps your work on your device and syncs as soon as you are back online."},
	{"Y a-t-il une réduction pour les associations ?", "Oui : les associations ont 50 % de réduction sur toutes les formules. Écrivez à hello@acme.example avec votre numéro RNA."},
	{"Hoe exporteer ik mijn gegevens?", "Ga naar Instellingen → Gegevens en klik op Exporteren: je krijgt binnen een paar minuten een CSV-bestand per e-mail."},
}

// newPlayground returns a Main that runs the web platform alone (platform
// tokens in the environment are ignored) with the demo world's settings.
func newPlayground(cfg Config, public bool, logger *slog.Logger) (*Main, error) {
	cfg.DiscordToken, cfg.DiscordGuildID = "", ""
	cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackSigningSecret = "", "", ""
	cfg.Initial.TeamChannel = web.Ref(pgTeam)
	cfg.Initial.Watch = []bot.ChannelRef{web.Ref(pgCommunity)}
	cfg.Initial.Brand = []string{"Acme"}
	cfg.Initial.Staff = []string{"web-role:" + web.StaffRole}
	p, err := web.New(playgroundWorld(public, logger))
	if err != nil {
		return nil, err
	}
	m := NewMain(cfg, logger)
	m.Platforms = []bot.Platform{p}
	m.Handler = p.Handler()
	return m, nil
}

// seedPlayground adds the FAQ to a database that has none.
func seedPlayground(ctx context.Context, m *Main) error {
	faq := storage.NewInbox(m.DB)
	have, err := faq.FAQ(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, e := range playgroundFAQ {
		if _, err := faq.AddFAQ(ctx, e[0], e[1]); err != nil {
			return fmt.Errorf("seed the FAQ: %w", err)
		}
	}
	return nil
}

// runPlayground is "commpilot playground": the bot on a local chat platform
// shown in the browser, with no tokens.
func runPlayground(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", DefaultHTTPAddr, "address to serve the page on (loopback unless --public)")
	dbPath := fs.String("db", "", "database file to keep (default: a fresh one, removed at exit)")
	public := fs.Bool("public", false, "allow a non-loopback --addr: anyone who can reach it can act as any user")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: commpilot playground [--addr HOST:PORT] [--db FILE] [--public]\n\n"+
			"Runs commpilot on a local chat platform in your browser: no Discord or Slack token needed.\n"+
			"With OPENAI_API_KEY or OPENAI_BASE_URL set, replies are drafted by the LLM.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "commpilot playground: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot playground: --addr %q must be host:port, such as 127.0.0.1:8080\n", *addr)
		return 2
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		if !*public {
			fmt.Fprintf(stderr, "commpilot playground: --addr %s is reachable from other machines; add --public if that is what you want\n", *addr)
			return 2
		}
		fmt.Fprintf(stderr, "WARNING: the playground is served on %s with --public: anyone who can reach it can post, approve and moderate as any user.\n", *addr)
	}
	cfg, err := LoadConfig(os.Getenv)
	if err != nil && !errors.Is(err, ErrNoPlatform) {
		fmt.Fprintf(stderr, "commpilot: configuration:\n%v\n", indent(err))
		return 2
	}
	cfg.HTTPAddr = *addr
	cfg.DBPath = *dbPath
	if cfg.DBPath == "" {
		dir, err := os.MkdirTemp("", "commpilot-playground-")
		if err != nil {
			fmt.Fprintf(stderr, "commpilot playground: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		cfg.DBPath = filepath.Join(dir, "commpilot.db")
	}
	logger := cfg.NewLogger(stderr)
	m, err := newPlayground(cfg, *public, logger)
	if err != nil {
		fmt.Fprintf(stderr, "commpilot playground: %v\n", err)
		return 1
	}
	return runUntilSignal(ctx, m, stderr, func(ctx context.Context) error {
		if err := seedPlayground(ctx, m); err != nil {
			return err
		}
		engine := "the offline engine (set OPENAI_API_KEY or OPENAI_BASE_URL for an LLM)"
		if cfg.HasLLM() {
			engine = "the LLM configured by OPENAI_*"
		}
		fmt.Fprintf(stdout, "commpilot playground is running: open http://%s/\nReplies are drafted by %s. Press Ctrl-C to stop.\n", m.HTTPAddr, engine)
		return nil
	})
}
