// Package setup is the /cm setup and /cm help skill: the team-wide
// settings (team channel, watched channels, brand and competitor keywords,
// staff, time zone, language), each change validated, refused to non-staff
// and audited. Other skills register their own /cm setup verbs and their
// own lines of /cm setup show (bot.Router.SettingLine); this skill lists
// them all without knowing them.
package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Skill serves /cm help and /cm setup.
type Skill struct {
	settings bot.SettingsStore
	catalog  *bot.Catalog
	edit     bot.SettingsEditor
	// channels tells whether the bot can read or post in a channel; nil
	// when nothing can tell.
	channels bot.ChannelChecker
	// commands and lines list every skill's commands (for /cm help) and
	// setting lines (for /cm setup show); set by Register.
	commands func() []bot.Command
	lines    func() []bot.SettingLine
}

var (
	_ bot.Skill     = (*Skill)(nil)
	_ bot.Localized = (*Skill)(nil)
)

// New returns the setup skill. channels (the engine, which asks each
// platform) vets the team channel and the watched channels; nil vets
// nothing.
func New(settings bot.SettingsStore, audit bot.Auditor, catalog *bot.Catalog, channels bot.ChannelChecker, logger *slog.Logger) *Skill {
	if logger == nil {
		logger = slog.Default()
	}
	return &Skill{settings: settings, catalog: catalog, channels: channels, edit: bot.SettingsEditor{Store: settings, Audit: audit,
		Catalog: catalog, Logger: logger.With("component", "setup"), Now: time.Now}}
}

// Name is "setup".
func (s *Skill) Name() string { return "setup" }

// Messages are the skill's words in every language.
func (s *Skill) Messages() bot.Messages { return Messages() }

// Register adds /cm help, /cm setup show and the team-wide /cm setup verbs
// with their lines of /cm setup show.
func (s *Skill) Register(r *bot.Router) {
	s.commands, s.lines = r.Commands, r.SettingLines
	r.Command(bot.Command{Route: "help", Description: "What commpilot can do and how to ask it",
		Options: []bot.Option{{Name: "topic", Type: bot.OptWord, Description: "A command group, e.g. setup"}},
		Handler: bot.HandlerFunc(s.help)})
	r.Command(bot.Command{Route: "setup show", Description: "Show the current settings",
		Handler: bot.HandlerFunc(s.show)})
	staff := r.Group(bot.StaffOnly)
	staff.Command(bot.Command{Route: "setup team-channel", Description: "Make this channel (or the given one) the team channel",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Description: "Channel for cards and digests (default: here)"}},
		Handler: bot.HandlerFunc(s.teamChannel)})
	staff.Command(bot.Command{Route: "setup watch", Description: "Watch a channel for mentions, questions and complaints",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true, Description: "Community channel to watch"}},
		Handler: bot.HandlerFunc(s.watch)})
	staff.Command(bot.Command{Route: "setup unwatch", Description: "Stop watching a channel",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true, Description: "Channel to stop watching"}},
		Handler: bot.HandlerFunc(s.unwatch)})
	staff.Command(bot.Command{Route: "setup brand", Description: "Set the brand keywords, comma-separated",
		Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true, Description: "e.g. Acme, ACME Cloud"}},
		Handler: bot.HandlerFunc(s.keywords("setup.brand", func(st *bot.Settings) *[]string { return &st.Brand }))})
	staff.Command(bot.Command{Route: "setup competitors", Description: "Set watched competitor keywords, comma-separated (- to clear)",
		Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true, Description: "e.g. Globex, Initech"}},
		Handler: bot.HandlerFunc(s.keywords("setup.competitors", func(st *bot.Settings) *[]string { return &st.Competitors }))})
	staff.Command(bot.Command{Route: "setup staff", Description: "Add or remove staff (users or roles), or list them",
		Options: []bot.Option{
			{Name: "op", Type: bot.OptChoice, Required: true, Choices: []string{"add", "remove", "list"}, Description: "add, remove or list"},
			{Name: "who", Type: bot.OptMentionable, Description: "A user or a role"},
		},
		Handler: bot.HandlerFunc(s.staff)})
	staff.Command(bot.Command{Route: "setup timezone", Description: "Set the team's time zone (IANA name)",
		Options: []bot.Option{{Name: "zone", Type: bot.OptWord, Required: true, Description: "e.g. Europe/Paris", Autocomplete: "setup.timezones"}},
		Handler: bot.HandlerFunc(s.timezone)})
	r.Completer("setup.timezones", s.completeZones)
	staff.Command(bot.Command{Route: "setup language", Description: "Set the language of the bot's messages",
		Options: []bot.Option{{Name: "lang", Type: bot.OptChoice, Required: true, Choices: []string{"en", "fr", "nl"}, Description: "en, fr or nl"}},
		Handler: bot.HandlerFunc(s.language)})
	s.registerLines(r)
}

func (s *Skill) lang(ctx context.Context) bot.Lang {
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return bot.English
	}
	return st.Lang()
}

func (s *Skill) teamChannel(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch := e.Message.Channel
	if e.Option("channel") != "" {
		var err error
		if ch, err = channelOption(e); err != nil {
			return nil, err
		}
	}
	if e.DM {
		return nil, bot.Invalid("setup.err.dm_team_channel")
	}
	if err := s.check(ctx, ch, post); err != nil {
		return nil, err
	}
	return s.edit.Change(ctx, e, "setup.team-channel", ch.String(), func(st *bot.Settings) error {
		st.TeamChannel = ch
		return nil
	}, "setup.ok.team_channel", mention(ch))
}

func (s *Skill) watch(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := channelOption(e)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, ch, read); err != nil {
		return nil, err
	}
	return s.edit.Change(ctx, e, "setup.watch", ch.String(), func(st *bot.Settings) error {
		if st.IsWatched(ch) {
			return bot.Invalid("setup.err.already_watched", mention(ch))
		}
		st.Watch = append(st.Watch, ch)
		return nil
	}, "setup.ok.watch", mention(ch))
}

func (s *Skill) unwatch(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := channelOption(e)
	if err != nil {
		return nil, err
	}
	return s.edit.Change(ctx, e, "setup.unwatch", ch.String(), func(st *bot.Settings) error {
		i := slices.Index(st.Watch, ch)
		if i < 0 {
			return bot.Invalid("setup.err.not_watched", mention(ch))
		}
		st.Watch = slices.Delete(st.Watch, i, i+1)
		return nil
	}, "setup.ok.unwatch", mention(ch))
}

// use is what the bot must be able to do in a channel.
type use int

const (
	read use = iota // watch it
	post            // post cards and digests in it
)

// check refuses ch when its platform says it does not exist, or that the
// bot cannot do u there; a platform that cannot tell lets it through.
func (s *Skill) check(ctx context.Context, ch bot.ChannelRef, u use) error {
	if s.channels == nil {
		return nil
	}
	var err error
	if u == read {
		err = s.channels.CanRead(ctx, ch)
	} else {
		err = s.channels.CanPost(ctx, ch)
	}
	slack := ch.Platform == bot.Slack
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bot.ErrUnknownChannel):
		return bot.Invalid("setup.err.unknown_channel", mention(ch))
	case errors.Is(err, bot.ErrCannotRead) && slack:
		return bot.Invalid("setup.err.not_invited_watch", mention(ch))
	case errors.Is(err, bot.ErrCannotRead):
		return bot.Invalid("setup.err.cannot_read", mention(ch))
	case errors.Is(err, bot.ErrCannotPost) && slack:
		return bot.Invalid("setup.err.not_invited_team", mention(ch))
	case errors.Is(err, bot.ErrCannotPost):
		return bot.Invalid("setup.err.cannot_post", mention(ch))
	}
	return fmt.Errorf("check channel %s: %w", ch, err)
}

// channelOption reads the channel option of e; a value that is not a
// channel reference is err.bad_channel.
func channelOption(e bot.Event) (bot.ChannelRef, error) {
	v := e.Option("channel")
	ch, err := bot.ParseChannelRef(v)
	if err != nil {
		return bot.ChannelRef{}, bot.Invalid("err.bad_channel", v)
	}
	return ch, nil
}

// maxKeywords bounds a keyword list; each keyword is 2..64 characters.
const maxKeywords = 50

// ParseKeywords splits "Acme, ACME Cloud" into trimmed keywords,
// de-duplicated the way triage matches them: case and accents folded
// (text.Fold), so "Café" and "cafe" are one keyword. "-" alone means none.
func ParseKeywords(s string) ([]string, *bot.Error) {
	if strings.TrimSpace(s) == "-" {
		return nil, nil
	}
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.Join(strings.Fields(k), " ")
		if k == "" {
			continue
		}
		if n := len([]rune(k)); n < 2 || n > 64 {
			return nil, bot.Invalid("setup.err.keyword_len", k)
		}
		if !slices.ContainsFunc(out, func(o string) bool { return text.Fold(o) == text.Fold(k) }) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, bot.Invalid("setup.err.no_keywords")
	}
	if len(out) > maxKeywords {
		return nil, bot.Invalid("setup.err.too_many_keywords", len(out), maxKeywords)
	}
	return out, nil
}

func (s *Skill) keywords(action string, field func(*bot.Settings) *[]string) bot.HandlerFunc {
	return func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
		kw, verr := ParseKeywords(e.Option("keywords"))
		if verr != nil {
			return nil, verr
		}
		shown := strings.Join(kw, ", ")
		if len(kw) == 0 {
			shown = "—"
		}
		return s.edit.Change(ctx, e, action, strings.Join(kw, ","), func(st *bot.Settings) error {
			*field(st) = kw
			return nil
		}, "setup.ok.keywords", shown)
	}
}

func (s *Skill) staff(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	op, who := e.Option("op"), e.Option("who")
	if op == "list" {
		st, err := s.settings.Settings(ctx)
		if err != nil {
			return nil, err
		}
		return bot.Text(s.catalog.T(st.Lang(), "setup.staff_list", staffList(st.Staff))), nil
	}
	if who == "" {
		return nil, bot.Invalid("err.missing_option", "who")
	}
	if op == "add" {
		return s.edit.Change(ctx, e, "setup.staff.add", who, func(st *bot.Settings) error {
			if slices.Contains(st.Staff, who) {
				return bot.Invalid("setup.err.already_staff", staffName(who))
			}
			st.Staff = append(st.Staff, who)
			return nil
		}, "setup.ok.staff_add", staffName(who))
	}
	return s.edit.Change(ctx, e, "setup.staff.remove", who, func(st *bot.Settings) error {
		i := slices.Index(st.Staff, who)
		if i < 0 {
			return bot.Invalid("setup.err.not_staff", staffName(who))
		}
		st.Staff = slices.Delete(st.Staff, i, i+1)
		return nil
	}, "setup.ok.staff_remove", staffName(who))
}

func (s *Skill) timezone(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	name := e.Option("zone")
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, bot.Invalid("setup.err.timezone", name)
	}
	now := s.edit.Now().In(loc).Format("15:04")
	return s.edit.Change(ctx, e, "setup.timezone", loc.String(), func(st *bot.Settings) error {
		st.Timezone = loc.String()
		return nil
	}, "setup.ok.timezone", loc.String(), now)
}

func (s *Skill) completeZones(_ context.Context, _ bot.Event, prefix string) ([]bot.Choice, error) {
	var out []bot.Choice
	for _, z := range commonZones {
		if text.ContainsFold(z, prefix) {
			out = append(out, bot.Choice{Name: z, Value: z})
		}
	}
	return out, nil
}

// commonZones are suggested while typing a time zone; any IANA name is accepted.
var commonZones = []string{"UTC", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam", "Europe/London",
	"Europe/Berlin", "Europe/Madrid", "Europe/Zurich", "Europe/Luxembourg", "America/Montreal",
	"America/New_York", "America/Chicago", "America/Los_Angeles", "Africa/Casablanca", "Africa/Dakar",
	"Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Pacific/Noumea", "Indian/Reunion"}

func (s *Skill) language(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	l, ok := bot.ParseLang(e.Option("lang"))
	if !ok {
		return nil, bot.Invalid("err.bad_choice", e.Option("lang"), "en, fr, nl")
	}
	return s.edit.Change(ctx, e, "setup.language", string(l), func(st *bot.Settings) error {
		st.Language = l
		return nil
	}, "setup.ok.language")
}

// registerLines adds the team-wide lines of /cm setup show.
func (s *Skill) registerLines(r *bot.Router) {
	line := func(order int, render func(st bot.Settings, t func(string, ...any) string) string) {
		r.SettingLine(bot.SettingLine{Order: order, Render: func(_ context.Context, st bot.Settings, l bot.Lang) (string, error) {
			return render(st, func(k string, a ...any) string { return s.catalog.T(l, k, a...) }), nil
		}})
	}
	line(10, func(st bot.Settings, t func(string, ...any) string) string {
		return t("setup.show.team_channel", orNone(t, mention(st.TeamChannel)))
	})
	line(20, func(st bot.Settings, t func(string, ...any) string) string {
		var watched []string
		for _, c := range st.Watch {
			watched = append(watched, mention(c))
		}
		return t("setup.show.watch", orNone(t, strings.Join(watched, ", ")))
	})
	line(30, func(st bot.Settings, t func(string, ...any) string) string {
		return t("setup.show.brand", orNone(t, strings.Join(st.Brand, ", ")))
	})
	line(40, func(st bot.Settings, t func(string, ...any) string) string {
		return t("setup.show.competitors", orNone(t, strings.Join(st.Competitors, ", ")))
	})
	line(50, func(st bot.Settings, t func(string, ...any) string) string {
		return t("setup.show.staff", orNone(t, staffList(st.Staff)))
	})
	line(60, func(st bot.Settings, t func(string, ...any) string) string {
		tz := st.Timezone
		if tz == "" {
			tz = "UTC"
		}
		return t("setup.show.timezone", tz)
	})
	line(70, func(st bot.Settings, t func(string, ...any) string) string {
		return t("setup.show.language", string(st.Lang()))
	})
}

// orNone is v, or "none" in the listing's language.
func orNone(t func(string, ...any) string, v string) string {
	if v == "" {
		return t("setup.none")
	}
	return v
}

// show lists every skill's setting lines under a title.
func (s *Skill) show(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	l := st.Lang()
	lines := []string{s.catalog.T(l, "setup.show.title")}
	for _, sl := range s.lines() {
		line, err := sl.Render(ctx, st, l)
		if err != nil {
			return nil, fmt.Errorf("setup show: %w", err)
		}
		lines = append(lines, line)
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

func (s *Skill) help(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	l := s.lang(ctx)
	topic := strings.ToLower(e.Option("topic"))
	var b strings.Builder
	b.WriteString(s.catalog.T(l, "help.title"))
	found := false
	for _, c := range s.commands() {
		if topic != "" && c.Group() != topic {
			continue
		}
		found = true
		desc := s.catalog.T(l, HelpKey(c.Route))
		if desc == HelpKey(c.Route) {
			desc = c.Description
		}
		b.WriteString("\n• `" + c.Usage() + "` — " + desc)
		if c.Scope() == bot.StaffOnly {
			b.WriteString(" " + s.catalog.T(l, "help.staff_only"))
		}
	}
	if !found {
		return nil, bot.Invalid("help.err.topic", topic)
	}
	return bot.Text(b.String()), nil
}

// HelpKey is the catalogue key of a command's one-line help: "help.setup.brand".
func HelpKey(route string) string { return "help." + strings.ReplaceAll(route, " ", ".") }

// mention names a channel, with its platform: "<#slack:C1> (slack)".
func mention(c bot.ChannelRef) string {
	if c.IsZero() {
		return ""
	}
	return c.Mention() + " (" + string(c.Platform) + ")"
}

// staffName names a staff reference (a user or a role), with its platform:
// "<@slack-role:S1> (slack)".
func staffName(ref string) string {
	kind, _, _ := strings.Cut(ref, ":")
	return text.MentionOf(ref) + " (" + strings.TrimSuffix(kind, "-role") + ")"
}

func staffList(refs []string) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = staffName(r)
	}
	return strings.Join(names, ", ")
}
