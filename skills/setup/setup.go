// Package setup is the /cm setup and /cm help skill: the team's settings,
// each change validated, refused to non-staff and audited.
package setup

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Skill serves /cm help and /cm setup.
type Skill struct {
	log      *slog.Logger
	settings bot.SettingsStore
	audit    bot.Auditor
	catalog  *bot.Catalog
	// commands lists the registered commands for /cm help; set by Register.
	commands func() []bot.Command
	now      func() time.Time
}

var _ bot.Skill = (*Skill)(nil)

// New returns the setup skill.
func New(settings bot.SettingsStore, audit bot.Auditor, catalog *bot.Catalog, logger *slog.Logger) *Skill {
	if logger == nil {
		logger = slog.Default()
	}
	return &Skill{log: logger.With("component", "setup"), settings: settings, audit: audit, catalog: catalog, now: time.Now}
}

// Name is "setup".
func (s *Skill) Name() string { return "setup" }

// Register adds /cm help and every /cm setup verb.
func (s *Skill) Register(r *bot.Router) {
	s.commands = r.Commands
	r.Command(bot.Command{Route: "help", Description: "What commpilot can do and how to ask it",
		Options: []bot.Option{{Name: "topic", Type: bot.OptWord, Description: "A command group, e.g. setup"}},
		Handler: bot.HandlerFunc(s.help)})
	r.Command(bot.Command{Route: "setup show", Description: "Show the current settings",
		Handler: bot.HandlerFunc(s.show)})
	r.Command(bot.Command{Route: "setup team-channel", Staff: true, Description: "Make this channel (or the given one) the team channel",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Description: "Channel for cards and digests (default: here)"}},
		Handler: bot.HandlerFunc(s.teamChannel)})
	r.Command(bot.Command{Route: "setup watch", Staff: true, Description: "Watch a channel for mentions, questions and complaints",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true, Description: "Community channel to watch"}},
		Handler: bot.HandlerFunc(s.watch)})
	r.Command(bot.Command{Route: "setup unwatch", Staff: true, Description: "Stop watching a channel",
		Options: []bot.Option{{Name: "channel", Type: bot.OptChannel, Required: true, Description: "Channel to stop watching"}},
		Handler: bot.HandlerFunc(s.unwatch)})
	r.Command(bot.Command{Route: "setup brand", Staff: true, Description: "Set the brand keywords, comma-separated",
		Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true, Description: "e.g. Acme, ACME Cloud"}},
		Handler: bot.HandlerFunc(s.keywords("setup.brand", func(st *bot.Settings) *[]string { return &st.Brand }))})
	r.Command(bot.Command{Route: "setup competitors", Staff: true, Description: "Set watched competitor keywords, comma-separated (- to clear)",
		Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true, Description: "e.g. Globex, Initech"}},
		Handler: bot.HandlerFunc(s.keywords("setup.competitors", func(st *bot.Settings) *[]string { return &st.Competitors }))})
	r.Command(bot.Command{Route: "setup staff", Staff: true, Description: "Add or remove staff (users or roles), or list them",
		Options: []bot.Option{
			{Name: "op", Type: bot.OptChoice, Required: true, Choices: []string{"add", "remove", "list"}, Description: "add, remove or list"},
			{Name: "who", Type: bot.OptMentionable, Description: "A user or a role"},
		},
		Handler: bot.HandlerFunc(s.staff)})
	r.Command(bot.Command{Route: "setup timezone", Staff: true, Description: "Set the team's time zone (IANA name)",
		Options: []bot.Option{{Name: "zone", Type: bot.OptWord, Required: true, Description: "e.g. Europe/Paris", Autocomplete: "setup.timezones"}},
		Handler: bot.HandlerFunc(s.timezone)})
	r.Completer("setup.timezones", s.completeZones)
	r.Command(bot.Command{Route: "setup language", Staff: true, Description: "Set the language of the bot's messages",
		Options: []bot.Option{{Name: "lang", Type: bot.OptChoice, Required: true, Choices: []string{"en", "fr", "nl"}, Description: "en, fr or nl"}},
		Handler: bot.HandlerFunc(s.language)})
	r.Command(bot.Command{Route: "setup voice", Staff: true, Description: "Describe the team's voice for drafted replies (- to clear)",
		Options: []bot.Option{{Name: "voice", Type: bot.OptText, Required: true, Description: "e.g. friendly, informal, no emoji"}},
		Handler: bot.HandlerFunc(s.voice)})
	r.Command(bot.Command{Route: "setup send-delay", Staff: true, Description: "Delay approved replies to allow Undo (off, or e.g. 30s)",
		Options: []bot.Option{{Name: "delay", Type: bot.OptWord, Required: true, Description: "off, or a duration up to 10m"}},
		Handler: bot.HandlerFunc(s.sendDelay)})
	r.Command(bot.Command{Route: "setup retention", Staff: true, Description: "How long community messages are kept (1d to 365d)",
		Options: []bot.Option{{Name: "period", Type: bot.OptDuration, Required: true, Description: "e.g. 30d"}},
		Handler: bot.HandlerFunc(s.retention)})
}

// change applies fn to the settings, audits the change and answers with the
// confirmation key rendered in the (possibly new) language.
func (s *Skill) change(ctx context.Context, e bot.Event, action, detail string, fn func(*bot.Settings) error, okKey string, args ...any) (*bot.Reply, error) {
	st, err := s.settings.UpdateSettings(ctx, fn)
	if err != nil {
		return nil, err
	}
	// The change is saved: a failed audit write must not tell the user
	// that nothing changed.
	if err := s.audit.Audit(ctx, bot.AuditEntry{Time: s.now(), Actor: e.User, Action: action, Detail: detail}); err != nil {
		s.log.Error("audit entry lost", "action", action, "actor", e.User.Key(), "err", err)
	}
	return bot.Text(s.catalog.T(st.Lang(), okKey, args...)), nil
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
	if v := e.Option("channel"); v != "" {
		var err error
		if ch, err = bot.ParseChannelRef(v); err != nil {
			return nil, bot.Invalid("err.bad_channel", v)
		}
	}
	if e.DM {
		return nil, bot.Invalid("setup.err.dm_team_channel")
	}
	return s.change(ctx, e, "setup.team-channel", ch.String(), func(st *bot.Settings) error {
		st.TeamChannel = ch
		return nil
	}, "setup.ok.team_channel", mention(ch))
}

func (s *Skill) watch(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := bot.ParseChannelRef(e.Option("channel"))
	if err != nil {
		return nil, bot.Invalid("err.bad_channel", e.Option("channel"))
	}
	return s.change(ctx, e, "setup.watch", ch.String(), func(st *bot.Settings) error {
		if st.IsWatched(ch) {
			return bot.Invalid("setup.err.already_watched", mention(ch))
		}
		st.Watch = append(st.Watch, ch)
		return nil
	}, "setup.ok.watch", mention(ch))
}

func (s *Skill) unwatch(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	ch, err := bot.ParseChannelRef(e.Option("channel"))
	if err != nil {
		return nil, bot.Invalid("err.bad_channel", e.Option("channel"))
	}
	return s.change(ctx, e, "setup.unwatch", ch.String(), func(st *bot.Settings) error {
		i := slices.Index(st.Watch, ch)
		if i < 0 {
			return bot.Invalid("setup.err.not_watched", mention(ch))
		}
		st.Watch = slices.Delete(st.Watch, i, i+1)
		return nil
	}, "setup.ok.unwatch", mention(ch))
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
		return s.change(ctx, e, action, strings.Join(kw, ","), func(st *bot.Settings) error {
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
		return s.change(ctx, e, "setup.staff.add", who, func(st *bot.Settings) error {
			if slices.Contains(st.Staff, who) {
				return bot.Invalid("setup.err.already_staff", staffName(who))
			}
			st.Staff = append(st.Staff, who)
			return nil
		}, "setup.ok.staff_add", staffName(who))
	}
	return s.change(ctx, e, "setup.staff.remove", who, func(st *bot.Settings) error {
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
	now := s.now().In(loc).Format("15:04")
	return s.change(ctx, e, "setup.timezone", loc.String(), func(st *bot.Settings) error {
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
	return s.change(ctx, e, "setup.language", string(l), func(st *bot.Settings) error {
		st.Language = l
		return nil
	}, "setup.ok.language")
}

// maxVoice bounds the voice description passed to the drafter.
const maxVoice = 500

func (s *Skill) voice(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	v := strings.TrimSpace(e.Option("voice"))
	if v == "-" {
		v = ""
	}
	if len([]rune(v)) > maxVoice {
		return nil, bot.Invalid("setup.err.voice_len", maxVoice)
	}
	return s.change(ctx, e, "setup.voice", v, func(st *bot.Settings) error {
		st.Voice = v
		return nil
	}, "setup.ok.voice")
}

// maxSendDelay bounds the Undo window of approved replies.
const maxSendDelay = 10 * time.Minute

func (s *Skill) sendDelay(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	raw := e.Option("delay")
	var d time.Duration
	if !strings.EqualFold(raw, "off") && raw != "0" {
		var err error
		d, err = bot.ParseDuration(raw)
		if err != nil || d < time.Second || d > maxSendDelay {
			return nil, bot.Invalid("setup.err.send_delay", raw)
		}
	}
	return s.change(ctx, e, "setup.send-delay", d.String(), func(st *bot.Settings) error {
		st.SendDelay = bot.Duration(d)
		return nil
	}, "setup.ok.send_delay", delayText(d))
}

func (s *Skill) retention(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	d, err := time.ParseDuration(e.Option("period"))
	if err != nil || d < 24*time.Hour || d > 365*24*time.Hour {
		return nil, bot.Invalid("setup.err.retention", e.Option("period"))
	}
	return s.change(ctx, e, "setup.retention", d.String(), func(st *bot.Settings) error {
		st.Retention = bot.Duration(d)
		return nil
	}, "setup.ok.retention", int(d.Hours()/24))
}

func (s *Skill) show(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	l := st.Lang()
	t := func(k string, a ...any) string { return s.catalog.T(l, k, a...) }
	none := t("setup.none")
	orNone := func(v string) string {
		if v == "" {
			return none
		}
		return v
	}
	var watched []string
	for _, c := range st.Watch {
		watched = append(watched, mention(c))
	}
	tz := st.Timezone
	if tz == "" {
		tz = "UTC"
	}
	lines := []string{
		t("setup.show.title"),
		t("setup.show.team_channel", orNone(mention(st.TeamChannel))),
		t("setup.show.watch", orNone(strings.Join(watched, ", "))),
		t("setup.show.brand", orNone(strings.Join(st.Brand, ", "))),
		t("setup.show.competitors", orNone(strings.Join(st.Competitors, ", "))),
		t("setup.show.staff", orNone(staffList(st.Staff))),
		t("setup.show.timezone", tz),
		t("setup.show.language", string(l)),
		t("setup.show.voice", orNone(st.Voice)),
		t("setup.show.send_delay", delayText(time.Duration(st.SendDelay))),
		t("setup.show.retention", int(st.RetentionOrDefault().Hours()/24)),
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
		if c.Staff {
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

func delayText(d time.Duration) string {
	if d <= 0 {
		return "off"
	}
	return d.String()
}
