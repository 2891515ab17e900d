package moderation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// TestPartIDsFrozen pins the stored ids of every part kind: they are in
// databases and must never change.
func TestPartIDsFrozen(t *testing.T) {
	var got []string
	for _, k := range triggerKinds() {
		got = append(got, k.name)
	}
	want := "words regex links invites mentions caps zalgo rate duplicates newaccount attachments emoji lines length toxic"
	if strings.Join(got, " ") != want {
		t.Errorf("trigger kinds = %q, want %q (append only)", strings.Join(got, " "), want)
	}
	for i, k := range triggerKinds() {
		if k.id != i+1 {
			t.Errorf("trigger %s has id %d, want %d", k.name, k.id, i+1)
		}
	}
	for i, k := range conditionKinds() {
		if k.id != i+1 {
			t.Errorf("condition %s has id %d, want %d", k.name, k.id, i+1)
		}
	}
	for i, k := range actionKinds() {
		if int(k.id) != i+1 {
			t.Errorf("action %s has id %d, want %d", k.name, k.id, i+1)
		}
	}
	if effDelete != 1 || effLog != 8 {
		t.Errorf("action ids moved: delete %d, log %d", effDelete, effLog)
	}
}

func TestParseRuleRefused(t *testing.T) {
	for _, tc := range []struct {
		p         bot.PlatformID
		name, src string
		key       string
	}{
		{bot.Discord, "Bad Name", "invites delete", "mod.err.bad_name"},
		{bot.Discord, "x", "", "mod.err.no_trigger"},
		{bot.Discord, "x", "swear delete", "mod.err.unknown_trigger"},
		{bot.Discord, "x", "invites", "mod.err.no_actions"},
		{bot.Discord, "x", "invites explode", "mod.err.unknown_part"},
		{bot.Discord, "x", "words:,, delete", "mod.err.empty_words"},
		{bot.Discord, "x", "words delete", "mod.err.needs_arg"},
		{bot.Discord, "x", "regex:a(b delete", "mod.err.bad_regex"},
		{bot.Discord, "x", "regex:" + strings.Repeat("a", 301) + " delete", "mod.err.regex_long"},
		{bot.Discord, "x", "rate:5 delete", "mod.err.want_rate"},
		{bot.Discord, "x", "rate:5/2d delete", "mod.err.want_rate"},
		{bot.Discord, "x", "duplicates:1/60s delete", "mod.err.want_duplicates"},
		{bot.Discord, "x", "caps:70 warn", "mod.err.want_percent"},
		{bot.Discord, "x", "mentions:zero delete", "mod.err.want_count"},
		{bot.Discord, "x", "links:maybe:x.com delete", "mod.err.want_domains"},
		{bot.Discord, "x", "invites timeout delete", "mod.err.needs_duration"},
		{bot.Discord, "x", "invites timeout:5s", "mod.err.duration_range"},
		{bot.Discord, "x", "invites timeout:400d", "mod.err.duration_range"},
		{bot.Discord, "x", "invites slowmode:7h", "mod.err.duration_range"},
		{bot.Discord, "x", "invites delete:5m", "mod.err.no_arg"},
		{bot.Discord, "x", "invites in:general delete", "mod.err.want_channel"},
		{bot.Discord, "x", "invites exempt:mods delete", "mod.err.want_role"},
		{bot.Discord, "x", "invites delete strikes:-1", "mod.err.want_strikes"},
		{bot.Discord, "x", `invites warn:"unclosed`, "mod.err.unclosed_quote"},
		{bot.Discord, "x", "words:a words:b delete", "mod.err.two_word_lists"},
		{bot.Discord, "x", "toxic:maybe alert", "mod.err.toxic_arg"},
		{bot.Slack, "x", "invites delete,warn", "mod.err.slack_unsupported"},
		{bot.Slack, "x", "rate:5/10s timeout:5m", "mod.err.slack_unsupported"},
		{bot.Slack, "x", "invites ban", "mod.err.slack_unsupported"},
	} {
		_, err := ParseRule(tc.p, tc.name, tc.src)
		var be *bot.Error
		if !errors.As(err, &be) || be.Key != tc.key {
			t.Errorf("ParseRule(%s, %q, %q) = %v, want %s", tc.p, tc.name, tc.src, err, tc.key)
		}
	}
}

// TestSpecExamples parses the /cm rule add lines of the SPEC as written.
func TestSpecExamples(t *testing.T) {
	for _, tc := range []struct{ name, src, effects string }{
		{"no-invites", "invites delete,warn", "delete warn"},
		{"no-slurs", "words:idiot,crétin delete,timeout:10m,alert", "delete timeout:10m alert"},
		{"flood", "rate:5/10s timeout:5m", "timeout:5m"},
		{"shouting", "caps:70% warn dry-run", "warn"},
	} {
		r, err := ParseRule(bot.Discord, tc.name, tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c, _, err := compileRule(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.Effects(), " "); got != tc.effects {
			t.Errorf("%s effects = %q, want %q", tc.name, got, tc.effects)
		}
		if tc.name == "shouting" && !r.DryRun {
			t.Error("shouting: dry-run not set")
		}
	}
	if _, err := ParseRule(bot.Slack, "slack-ok", "invites warn,kick,alert,log"); err != nil {
		t.Errorf("Slack rule with what Slack allows: %v", err)
	}
}

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func input(text string) *Input {
	return &Input{
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: "100"}, ID: "9"},
		Channel: bot.ChannelRef{Platform: bot.Discord, ID: "100"},
		Author:  bot.UserRef{Platform: bot.Discord, ID: "7", Name: "bob", Roles: []string{"55"}},
		Time:    t0, Norm: Normalize(text),
	}
}

// TestTriggersAndConditions runs one table over every trigger and condition.
func TestTriggersAndConditions(t *testing.T) {
	recent := func(n int, every time.Duration, text string) []Recent {
		var out []Recent
		for i := n; i > 0; i-- {
			out = append(out, Recent{At: t0.Add(-time.Duration(i) * every), Hash: textHash(Normalize(text).Collapsed)})
		}
		return out
	}
	for _, tc := range []struct {
		src   string
		text  string
		edit  func(*Input)
		match bool
	}{
		{"words:idiot", "what an 1d1ot", nil, true},
		{"words:idiot", "idiotic", nil, false},
		{"words:idio*", "idiotic", nil, true},
		{"regex:free\\s+nitro", "FREE   nitro here", nil, true},
		{"regex:free\\s+nitro", "nitro is free", nil, false},
		{"links", "see https://example.com/x", nil, true},
		{"links", "no link here.", nil, false},
		{"links:allow:github.com", "https://gist.github.com/x", nil, false},
		{"links:allow:github.com", "https://evil.example/x", nil, true},
		{"links:block:bit.ly", "go to bit.ly/abc", nil, true},
		{"links:block:bit.ly", "go to https://example.com", nil, false},
		{"invites", "Rejoins mon serveur discord.gg/abc", nil, true},
		{"invites", "join discord . gg / abc123", nil, true},
		{"invites", "d i s c o r d . g g/xyz", nil, true},
		{"invites", "https://discord.com/invite/xyz", nil, true},
		{"invites", "discordapp.com/invite/xyz", nil, true},
		{"invites", "disc%6Frd.gg/abc", nil, true},
		{"invites", "I love discord, great app", nil, false},
		{"mentions:3", "hi", func(in *Input) { in.Mentions.Users = 2; in.Mentions.Roles = 1 }, true},
		{"mentions:3", "hi", func(in *Input) { in.Mentions.Users = 2 }, false},
		{"mentions:3", "@everyone look", nil, true},
		{"caps:70%", "WHY IS NOBODY ANSWERING ME", nil, true},
		{"caps:70%", "OK", nil, false},
		{"caps:70%", "Why is nobody answering me", nil, false},
		{"zalgo", "z\u0301\u0302\u0303\u0304algo", nil, true},
		{"zalgo", "Tiếng Việt có dấu", nil, false},
		{"rate:5/10s", "hi", func(in *Input) { in.Recent = recent(4, 2*time.Second, "x") }, true},
		{"rate:5/10s", "hi", func(in *Input) { in.Recent = recent(4, 5*time.Second, "x") }, false},
		{"duplicates:3/60s", "buy now", func(in *Input) { in.Recent = recent(2, 10*time.Second, "BUY NOW") }, true},
		{"duplicates:3/60s", "buy now", func(in *Input) { in.Recent = recent(2, 10*time.Second, "other") }, false},
		{"newaccount:7d", "hi", func(in *Input) { in.AuthorCreated = t0.Add(-2 * 24 * time.Hour) }, true},
		{"newaccount:7d", "hi", func(in *Input) { in.AuthorJoined = t0.Add(-time.Hour) }, true},
		{"newaccount:7d", "hi", func(in *Input) { in.AuthorCreated = t0.Add(-30 * 24 * time.Hour) }, false},
		{"newaccount:7d", "hi", nil, false},
		{"attachments:exe,scr", "file", func(in *Input) { in.Attachments = []bot.Attachment{{Name: "Setup.EXE"}} }, true},
		{"attachments:exe,scr", "file", func(in *Input) { in.Attachments = []bot.Attachment{{Name: "cat.png"}} }, false},
		{"attachments:3", "files", func(in *Input) { in.Attachments = make([]bot.Attachment, 3) }, true},
		{"emoji:3", "😀😀 <:pog:123456789012>", nil, true},
		{"emoji:3", "😀 ok", nil, false},
		{"lines:3", "a\nb\nc", nil, true},
		{"lines:3", "a\nb", nil, false},
		{"length:10", "0123456789", nil, true},
		{"length:10", "short", nil, false},
		{"toxic", "you are a worthless idiot", nil, true},
		{"toxic", "this is fucking great", nil, false},
		{"links newaccount:7d", "https://x.com", func(in *Input) { in.AuthorJoined = t0.Add(-time.Hour) }, true},
		{"links newaccount:7d", "https://x.com", nil, false},
		// Conditions.
		{"invites in:<#100>", "discord.gg/abc", nil, true},
		{"invites in:<#101>", "discord.gg/abc", nil, false},
		{"invites in:<#200>", "discord.gg/abc", func(in *Input) { in.Parent = bot.ChannelRef{Platform: bot.Discord, ID: "200"} }, true},
		{"invites not-in:<#100>", "discord.gg/abc", nil, false},
		{"invites not-in:<#101>", "discord.gg/abc", nil, true},
		{"invites exempt:<@&55>", "discord.gg/abc", nil, false},
		{"invites exempt:<@&56>", "discord.gg/abc", nil, true},
		{"invites only:<@&55>", "discord.gg/abc", nil, true},
		{"invites only:<@&56>", "discord.gg/abc", nil, false},
	} {
		r, err := ParseRule(bot.Discord, "r", tc.src+" log")
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		set, err := Compile([]bot.ModRule{r})
		if err != nil {
			t.Fatal(err)
		}
		in := input(tc.text)
		if tc.edit != nil {
			tc.edit(in)
		}
		m := set.Evaluate(in, false)
		if (len(m) == 1) != tc.match {
			t.Errorf("%s on %q: matched %v, want %v", tc.src, tc.text, len(m) == 1, tc.match)
		}
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"invites delete,warn", "words:idiot,crétin delete,timeout:10m,alert", "rate:5/10s timeout:5m",
		"caps:70% warn dry-run", `regex:"a b" in:<#1> warn:"stop \"it\""`, "links:allow:x.com,y.org ban:7d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := ParseRule(bot.Discord, "fuzz", src)
		if err != nil {
			var be *bot.Error
			if !errors.As(err, &be) || be.Code != bot.CodeInvalid {
				t.Fatalf("ParseRule(%q) error %v is not a user error", src, err)
			}
			return
		}
		if _, err := Compile([]bot.ModRule{r}); err != nil {
			t.Fatalf("parsed rule %q does not compile: %v", src, err)
		}
	})
}

func TestToxicCues(t *testing.T) {
	for _, tc := range []struct {
		text         string
		toxic, flagd bool // flagd: the plain word list flags it
	}{
		{"you are a worthless idiot", true, true},
		{"sale con", true, true},
		{"vuile klootzak", true, true},
		{"I would love to kill all immigrants", true, false},
		{"Women are disgusting.", true, false},
		{"this is fucking great", false, true},
		{"putain c'est beau", false, true},
		{"he called me an \"idiot\" and that is not okay", false, true},
		{"saying immigrants are vermin is wrong", false, false},
		{"the idiot box is on", false, true},
	} {
		n := Normalize(tc.text)
		v := scoreToxic(&n)
		if v.Toxic != tc.toxic || v.Profane != tc.flagd {
			t.Errorf("%q: toxic %v (%s), word list %v; want %v, %v", tc.text, v.Toxic, v.Why, v.Profane, tc.toxic, tc.flagd)
		}
	}
}

func TestMessagesInEveryLanguage(t *testing.T) {
	if missing := bot.NewCatalog(Messages()).Missing(); len(missing) > 0 {
		t.Errorf("catalogue keys missing: %v", missing)
	}
}
