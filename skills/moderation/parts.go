package moderation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// A rule is made of typed parts. Each part kind has a stored id, FROZEN once
// released: rules in a database name their parts by these ids, so an id is
// never reused or renumbered. The lists below are ordered and append-only,
// like storage's migrations: add a kind at the end with the next id.

// trigger decides whether a message matches; why says what matched.
type trigger interface {
	match(in *Input, words []string) (why string, ok bool)
}

// condition restricts where and to whom a rule applies.
type condition interface {
	allows(in *Input) bool
}

// triggerKind is one kind of trigger: its frozen id, its name as typed
// ("words" in "words:a,b") and how it reads its argument.
type triggerKind struct {
	id    int
	name  string
	parse func(arg string) (trigger, error)
	// argRequired says "name:arg" is needed; otherwise "name" alone works.
	argRequired bool
}

// triggerKinds is the ordered, append-only list of trigger kinds.
func triggerKinds() []triggerKind {
	return []triggerKind{
		{1, "words", parseWords, true},
		{2, "regex", parseRegex, true},
		{3, "links", parseLinks, false},
		{4, "invites", func(string) (trigger, error) { return invitesTrigger{}, nil }, false},
		{5, "mentions", countParser(func(n int) trigger { return mentionsTrigger(n) }), true},
		{6, "caps", parseCaps, true},
		{7, "zalgo", func(string) (trigger, error) { return zalgoTrigger{}, nil }, false},
		{8, "rate", parseRate, true},
		{9, "duplicates", parseDuplicates, true},
		{10, "newaccount", parseNewAccount, true},
		{11, "attachments", parseAttachments, true},
		{12, "emoji", countParser(func(n int) trigger { return emojiTrigger(n) }), true},
		{13, "lines", countParser(func(n int) trigger { return linesTrigger(n) }), true},
		{14, "length", countParser(func(n int) trigger { return lengthTrigger(n) }), true},
		{15, "toxic", parseToxic, false},
	}
}

// conditionKind is one kind of condition, like triggerKind.
type conditionKind struct {
	id    int
	name  string
	parse func(arg string, p bot.PlatformID) (condition, error)
}

// conditionKinds is the ordered, append-only list of condition kinds.
func conditionKinds() []conditionKind {
	return []conditionKind{
		{1, "in", parseChannelCond(true)},
		{2, "not-in", parseChannelCond(false)},
		{3, "exempt", parseRoleCond(false)},
		{4, "only", parseRoleCond(true)},
	}
}

// effectKind is one kind of action a rule takes.
type effectKind int

// Action kinds; their values are the frozen stored ids.
const (
	effDelete effectKind = iota + 1
	effWarn
	effTimeout
	effKick
	effBan
	effAlert
	effSlowmode
	effLog
)

// actionKind is one kind of action: its frozen id and name, whether it
// takes a duration and within which bounds, and whether Slack can do it.
type actionKind struct {
	id             effectKind
	name           string
	minDur, maxDur time.Duration // zero maxDur: takes no duration
	durOptional    bool
	slack          bool
}

// actionKinds is the ordered, append-only list of action kinds.
func actionKinds() []actionKind {
	const day = 24 * time.Hour
	return []actionKind{
		{effDelete, "delete", 0, 0, false, false},
		{effWarn, "warn", 0, 0, false, true},
		{effTimeout, "timeout", time.Minute, 365 * day, false, false},
		{effKick, "kick", 0, 0, false, true},
		{effBan, "ban", time.Hour, 365 * day, true, false},
		{effAlert, "alert", 0, 0, false, true},
		{effSlowmode, "slowmode", time.Second, 6 * time.Hour, false, false},
		{effLog, "log", 0, 0, false, true},
	}
}

func actionKindByID(id effectKind) (actionKind, bool) {
	for _, k := range actionKinds() {
		if k.id == id {
			return k, true
		}
	}
	return actionKind{}, false
}

// effect is one action of a compiled rule.
type effect struct {
	kind effectKind
	dur  time.Duration
}

// String renders the effect as typed: "timeout:10m", "ban:7d", "delete".
func (e effect) String() string {
	k, _ := actionKindByID(e.kind)
	if e.dur > 0 {
		return k.name + ":" + formatDuration(e.dur)
	}
	return k.name
}

// formatDuration renders d the way ParseDuration reads it, in the largest
// whole unit: "10m", "2h", "7d", "90s".
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.s
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// partError is a refused part: a catalogue key and its arguments.
type partError struct {
	key  string
	args []any
}

func (e *partError) Error() string { return e.key + fmt.Sprint(e.args...) }

func refuse(key string, args ...any) error { return &partError{key: key, args: args} }

// Limits on what a rule may hold.
const (
	maxWords       = 2000 // words of one rule
	maxWordLen     = 64
	maxRegexLen    = 300
	maxRegexRules  = 50 // regex rules per platform
	maxRateCount   = 50
	maxRateWindow  = time.Hour
	maxCount       = 10000
	defaultCapsMin = 10 // letters
)

func parseWords(arg string) (trigger, error) {
	var words []string
	for _, w := range strings.Split(arg, ",") {
		w = strings.TrimSpace(w)
		if w == "" || w == "*" {
			continue
		}
		if len([]rune(w)) > maxWordLen {
			return nil, refuse("mod.err.word_long", w, maxWordLen)
		}
		if normalizeWord(strings.TrimSuffix(w, "*")) == "" {
			return nil, refuse("mod.err.word_empty", w)
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return nil, refuse("mod.err.empty_words")
	}
	if len(words) > maxWords {
		return nil, refuse("mod.err.too_many_words", len(words), maxWords)
	}
	return wordsTrigger(words), nil
}

// wordsTrigger matches when the shared word index found one of its words.
type wordsTrigger []string

func (wordsTrigger) match(_ *Input, words []string) (string, bool) {
	if len(words) == 0 {
		return "", false
	}
	return "words: " + strings.Join(words, ", "), true
}

func parseRegex(arg string) (trigger, error) {
	if arg == "" {
		return nil, refuse("mod.err.empty_regex")
	}
	if len(arg) > maxRegexLen {
		return nil, refuse("mod.err.regex_long", len(arg), maxRegexLen)
	}
	re, err := regexp.Compile("(?i)" + arg)
	if err != nil {
		return nil, refuse("mod.err.bad_regex", arg, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return regexTrigger{re}, nil
}

// regexTrigger matches a user's RE2 expression, case-insensitive, on the
// normalised text and on the text as typed.
type regexTrigger struct{ re *regexp.Regexp }

func (t regexTrigger) match(in *Input, _ []string) (string, bool) {
	if m := t.re.FindString(in.Norm.Text); m != "" {
		return "regex: " + strconv.Quote(m), true
	}
	if m := t.re.FindString(in.Norm.Original); m != "" {
		return "regex: " + strconv.Quote(m), true
	}
	return "", false
}

func countParser(mk func(int) trigger) func(string) (trigger, error) {
	return func(arg string) (trigger, error) {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > maxCount {
			return nil, refuse("mod.err.want_count", arg, maxCount)
		}
		return mk(n), nil
	}
}

// mentionsTrigger matches N or more user and role mentions; an @everyone
// or @here (or an attempt at it) counts as N.
type mentionsTrigger int

func (t mentionsTrigger) match(in *Input, _ []string) (string, bool) {
	// What the platform says, or what the text holds when it says nothing.
	c := text.Count(in.Norm.Original)
	n := max(in.Mentions.Users+in.Mentions.Roles, c.Users+c.Roles)
	if in.Mentions.Everyone || c.Everyone {
		return "mentions: @everyone", true
	}
	if n >= int(t) {
		return fmt.Sprintf("mentions: %d", n), true
	}
	return "", false
}

func parseCaps(arg string) (trigger, error) {
	pct, minLen, hasMin := strings.Cut(arg, "/")
	p, err := strconv.Atoi(strings.TrimSuffix(pct, "%"))
	if err != nil || !strings.HasSuffix(pct, "%") || p < 1 || p > 100 {
		return nil, refuse("mod.err.want_percent", arg)
	}
	t := capsTrigger{pct: p, min: defaultCapsMin}
	if hasMin {
		if t.min, err = strconv.Atoi(minLen); err != nil || t.min < 1 || t.min > maxCount {
			return nil, refuse("mod.err.want_percent", arg)
		}
	}
	return t, nil
}

// capsTrigger matches when at least pct% of the letters are capitals, in a
// message of at least min letters.
type capsTrigger struct{ pct, min int }

func (t capsTrigger) match(in *Input, _ []string) (string, bool) {
	letters, upper := 0, 0
	for _, r := range in.Norm.Original {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if letters >= t.min && upper*100 >= t.pct*letters {
		return fmt.Sprintf("caps: %d%% of %d letters", upper*100/letters, letters), true
	}
	return "", false
}

// zalgoTrigger matches characters buried under stacked combining marks.
type zalgoTrigger struct{}

// zalgoStack is the most marks on one character that ordinary text carries
// (Vietnamese stacks two).
const zalgoStack = 3

func (zalgoTrigger) match(in *Input, _ []string) (string, bool) {
	if in.Norm.Stack >= zalgoStack {
		return fmt.Sprintf("zalgo: %d marks on one character", in.Norm.Stack), true
	}
	return "", false
}

// parseCountWindow reads "5/10s".
func parseCountWindow(arg, key string) (int, time.Duration, error) {
	c, w, ok := strings.Cut(arg, "/")
	n, err := strconv.Atoi(c)
	if !ok || err != nil || n < 2 || n > maxRateCount {
		return 0, 0, refuse(key, arg, maxRateCount)
	}
	d, err := bot.ParseDuration(w)
	if err != nil || d < time.Second || d > maxRateWindow {
		return 0, 0, refuse(key, arg, maxRateCount)
	}
	return n, d, nil
}

func parseRate(arg string) (trigger, error) {
	n, d, err := parseCountWindow(arg, "mod.err.want_rate")
	return rateTrigger{n, d}, err
}

// rateTrigger matches the n-th message of a member within window.
type rateTrigger struct {
	n      int
	window time.Duration
}

func (t rateTrigger) match(in *Input, _ []string) (string, bool) {
	count := 1
	for _, r := range in.Recent {
		if in.Time.Sub(r.At) < t.window {
			count++
		}
	}
	if count >= t.n {
		return fmt.Sprintf("rate: %d messages in %s", count, formatDuration(t.window)), true
	}
	return "", false
}

func parseDuplicates(arg string) (trigger, error) {
	n, d, err := parseCountWindow(arg, "mod.err.want_duplicates")
	return duplicatesTrigger{n, d}, err
}

// duplicatesTrigger matches the n-th copy of one text by a member within
// window, across channels.
type duplicatesTrigger struct {
	n      int
	window time.Duration
}

func (t duplicatesTrigger) match(in *Input, _ []string) (string, bool) {
	h := textHash(in.Norm.Collapsed)
	if h == 0 {
		return "", false
	}
	count := 1
	for _, r := range in.Recent {
		if r.Hash == h && in.Time.Sub(r.At) < t.window {
			count++
		}
	}
	if count >= t.n {
		return fmt.Sprintf("duplicates: %d copies in %s", count, formatDuration(t.window)), true
	}
	return "", false
}

func parseNewAccount(arg string) (trigger, error) {
	d, err := bot.ParseDuration(arg)
	if err != nil || d < time.Hour || d > 365*24*time.Hour {
		return nil, refuse("mod.err.duration_range", arg, "1h", "365d")
	}
	return newAccountTrigger(d), nil
}

// newAccountTrigger matches authors whose account, or whose membership of
// the server, is younger than the duration (unknown ages do not match).
type newAccountTrigger time.Duration

func (t newAccountTrigger) match(in *Input, _ []string) (string, bool) {
	d := time.Duration(t)
	if !in.AuthorCreated.IsZero() && in.Time.Sub(in.AuthorCreated) < d {
		return "newaccount: account created " + formatDuration(in.Time.Sub(in.AuthorCreated).Truncate(time.Minute)+time.Minute) + " ago", true
	}
	if !in.AuthorJoined.IsZero() && in.Time.Sub(in.AuthorJoined) < d {
		return "newaccount: joined " + formatDuration(in.Time.Sub(in.AuthorJoined).Truncate(time.Minute)+time.Minute) + " ago", true
	}
	return "", false
}

func parseAttachments(arg string) (trigger, error) {
	if n, err := strconv.Atoi(arg); err == nil {
		if n < 1 || n > maxCount {
			return nil, refuse("mod.err.want_count", arg, maxCount)
		}
		return attachmentsTrigger{count: n}, nil
	}
	var exts []string
	for _, e := range strings.Split(arg, ",") {
		e = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), "."))
		if e == "" {
			continue
		}
		if strings.ContainsAny(e, " /\\") || len(e) > 16 {
			return nil, refuse("mod.err.want_extensions", arg)
		}
		exts = append(exts, e)
	}
	if len(exts) == 0 {
		return nil, refuse("mod.err.want_extensions", arg)
	}
	return attachmentsTrigger{exts: exts}, nil
}

// attachmentsTrigger matches files with one of exts, or count files or more.
type attachmentsTrigger struct {
	exts  []string
	count int
}

func (t attachmentsTrigger) match(in *Input, _ []string) (string, bool) {
	if t.count > 0 {
		if len(in.Attachments) >= t.count {
			return fmt.Sprintf("attachments: %d files", len(in.Attachments)), true
		}
		return "", false
	}
	for _, a := range in.Attachments {
		name := strings.ToLower(a.Name)
		for _, e := range t.exts {
			if strings.HasSuffix(name, "."+e) {
				return "attachments: " + a.Name, true
			}
		}
	}
	return "", false
}

// emojiTrigger matches N or more emoji (Unicode or custom).
type emojiTrigger int

func (t emojiTrigger) match(in *Input, _ []string) (string, bool) {
	if n := countEmoji(in.Norm.Original); n >= int(t) {
		return fmt.Sprintf("emoji: %d", n), true
	}
	return "", false
}

var customEmoji = regexp.MustCompile(`<a?:\w{2,32}:\d{5,20}>`)

func countEmoji(s string) int {
	n := len(customEmoji.FindAllStringIndex(s, -1))
	for _, r := range customEmoji.ReplaceAllString(s, "") {
		if text.IsEmoji(r) {
			n++
		}
	}
	return n
}

// linesTrigger matches N lines or more.
type linesTrigger int

func (t linesTrigger) match(in *Input, _ []string) (string, bool) {
	if n := strings.Count(strings.TrimRight(in.Norm.Original, "\n"), "\n") + 1; n >= int(t) {
		return fmt.Sprintf("lines: %d", n), true
	}
	return "", false
}

// lengthTrigger matches N characters or more.
type lengthTrigger int

func (t lengthTrigger) match(in *Input, _ []string) (string, bool) {
	if n := len([]rune(in.Norm.Original)); n >= int(t) {
		return fmt.Sprintf("length: %d characters", n), true
	}
	return "", false
}

// channelCond keeps (in) or drops (not-in) messages of the listed channels.
type channelCond struct {
	in       bool
	channels []bot.ChannelRef
}

func parseChannelCond(in bool) func(string, bot.PlatformID) (condition, error) {
	return func(arg string, p bot.PlatformID) (condition, error) {
		c := channelCond{in: in}
		for _, s := range strings.Split(arg, ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			ch, ok := parseChannel(s, p)
			if !ok {
				return nil, refuse("mod.err.want_channel", s)
			}
			c.channels = append(c.channels, ch)
		}
		if len(c.channels) == 0 {
			return nil, refuse("mod.err.want_channel", arg)
		}
		return c, nil
	}
}

func (c channelCond) allows(in *Input) bool {
	hit := false
	for _, ch := range c.channels {
		if ch == in.Channel || (!in.Parent.IsZero() && ch == in.Parent) {
			hit = true
		}
	}
	return hit == c.in
}

// parseChannel reads "<#123>", "<#C123|name>", "#123" or "discord:123".
func parseChannel(s string, p bot.PlatformID) (bot.ChannelRef, bool) {
	s = strings.TrimSpace(s)
	if ch, err := bot.ParseChannelRef(s); err == nil {
		return ch, ch.Platform == p
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	s = strings.TrimPrefix(s, "#")
	s, _, _ = strings.Cut(s, "|")
	if ch, err := bot.ParseChannelRef(s); err == nil { // neutral <#discord:123>
		return ch, ch.Platform == p
	}
	if s == "" || !isID(s) {
		return bot.ChannelRef{}, false
	}
	return bot.ChannelRef{Platform: p, ID: s}, true
}

func isID(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return len(s) >= 2
}

// roleCond exempts members with one of the roles, or (only) applies to them only.
type roleCond struct {
	only  bool
	roles []string
}

func parseRoleCond(only bool) func(string, bot.PlatformID) (condition, error) {
	return func(arg string, _ bot.PlatformID) (condition, error) {
		c := roleCond{only: only}
		for _, s := range strings.Split(arg, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			id, ok := parseRole(s)
			if !ok {
				return nil, refuse("mod.err.want_role", s)
			}
			c.roles = append(c.roles, id)
		}
		if len(c.roles) == 0 {
			return nil, refuse("mod.err.want_role", arg)
		}
		return c, nil
	}
}

func (c roleCond) allows(in *Input) bool {
	has := false
	for _, r := range c.roles {
		for _, mine := range in.Author.Roles {
			if r == mine {
				has = true
			}
		}
	}
	return has == c.only
}

// parseRole reads "<@&123>" (Discord), "<!subteam^S123|@x>" (Slack),
// "discord-role:123", or a bare id.
func parseRole(s string) (string, bool) {
	if _, id, ok := strings.Cut(s, "-role:"); ok {
		s = id
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "@&"), "!subteam^")
	s, _, _ = strings.Cut(s, "|")
	return s, isID(s)
}
