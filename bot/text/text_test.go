package text_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot/text"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"hello", "hello"},
		{"Réçu", "recu"},
		{"RÉÇU", "recu"},
		{"Re\u0301c\u0327u", "recu"}, // combining accent and cedilla
		{"Straße", "strasse"},
		{"STRAẞE", "strasse"},
		{"Œuvre cœur Æther", "oeuvre coeur aether"},
		{"Søren Łódź Đorđe ı", "soren lodz dorde i"},
		{"aujourd’hui l‘offre ʼt", "aujourd'hui l'offre 't"},
		{"Ĳssel", "ĳssel"},
		{"ПРИВЕТ", "привет"},
		{"ΚΑΛΗΜΕΡΑ", "καλημερα"},
		{"👍🏽 ok!", "👍 ok!"},
		{"a\u200db\ufe0fc", "abc"},
		{"K-Ohm \u212a", "k-ohm k"},
		{"\xff bad", "\ufffd bad"},
	} {
		if got := text.Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if !text.ContainsFold("Votre commande est ARRIVÉE", "arrivee") || text.ContainsFold("arrive", "arrivee") {
		t.Error("ContainsFold does not fold both sides")
	}
}

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"Hello, world!", []string{"Hello", "world"}},
		{"l'offre don't aujourd’hui", []string{"l'offre", "don't", "aujourd’hui"}},
		{"'quoted' end' 'start", []string{"quoted", "end", "start"}},
		{"rock'n'roll", []string{"rock'n'roll"}},
		{"e\u0301te\u0301 #42 café-crème", []string{"e\u0301te\u0301", "42", "café", "crème"}},
		{"\u0301lone mark", []string{"lone", "mark"}},
		{"@alice:hi", []string{"alice", "hi"}},
		{"日本語 テキスト", []string{"日本語", "テキスト"}},
		{"a\xffb", []string{"a", "b"}},
		{"emoji👍word", []string{"emoji", "word"}},
	} {
		toks := text.Tokens(c.in)
		var got []string
		for _, tok := range toks {
			if c.in[tok.Start:tok.End] != tok.Text {
				t.Errorf("Tokens(%q): token %q at %d:%d is %q", c.in, tok.Text, tok.Start, tok.End, c.in[tok.Start:tok.End])
			}
			got = append(got, tok.Text)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := (text.Token{Text: "Élan"}).Folded(); got != "elan" {
		t.Errorf("Folded = %q", got)
	}
}

func TestLinks(t *testing.T) {
	type L struct{ Text, Host string }
	for _, c := range []struct {
		in   string
		want []L
	}{
		{"no links here, e.g. file.txt or 3.14", nil},
		{"see https://acme.example/help.", []L{{"https://acme.example/help", "acme.example"}}},
		{"(HTTPS://Acme.Example:443/a?b=1)", []L{{"HTTPS://Acme.Example:443/a?b=1", "acme.example"}}},
		{"go to www.acme.io!", []L{{"www.acme.io", "www.acme.io"}}},
		{"bit.ly/x1 and acme.com, also evil.xyz/path?q", []L{{"bit.ly/x1", "bit.ly"}, {"acme.com", "acme.com"}, {"evil.xyz/path?q", "evil.xyz"}}},
		{"mail help@acme.com please", []L{{"help@acme.com", "acme.com"}}},
		{"ｈｔｔｐ://ｗｗｗ.ａｃｍｅ.ｃｏｍ/x", []L{{"ｈｔｔｐ://ｗｗｗ.ａｃｍｅ.ｃｏｍ/x", "ｗｗｗ.ａｃｍｅ.ｃｏｍ"}}},
		{"ftp://user:pw@files.acme.net/f", []L{{"ftp://user:pw@files.acme.net/f", "files.acme.net"}}},
		{"https://en.wikipedia.org/wiki/Go_(language)).", []L{{"https://en.wikipedia.org/wiki/Go_(language)", "en.wikipedia.org"}}},
		{"«https://acme.fr/»", []L{{"https://acme.fr/", "acme.fr"}}},
		{"http://[::1]:8080/x", []L{{"http://[::1]:8080/x", "[::1]"}}},
		{"discord.gg/abc", []L{{"discord.gg/abc", "discord.gg"}}},
	} {
		var got []L
		for _, l := range text.Links(c.in) {
			if c.in[l.Start:l.End] != l.Text {
				t.Errorf("Links(%q): %q at %d:%d is %q", c.in, l.Text, l.Start, l.End, c.in[l.Start:l.End])
			}
			got = append(got, L{l.Text, l.Host})
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Links(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if ls := text.Links("a@b.io https://b.io"); len(ls) != 2 || !ls[0].Email || ls[1].Email {
		t.Errorf("Email flags wrong: %+v", ls)
	}
	if ls := text.Links("join https://discord.com/invite/AbC and https://acme.io"); len(ls) != 2 || !ls[0].Invite || ls[1].Invite {
		t.Errorf("Invite flags wrong: %+v", ls)
	}
}

func TestHostMatches(t *testing.T) {
	for _, c := range []struct {
		host, domain string
		want         bool
	}{
		{"acme.io", "acme.io", true},
		{"cdn.acme.io", "acme.io", true},
		{"CDN.Acme.IO", ".acme.io", true},
		{"notacme.io", "acme.io", false},
		{"acme.io.evil.com", "acme.io", false},
		{"acme.io", "", false},
	} {
		if got := text.HostMatches(c.host, c.domain); got != c.want {
			t.Errorf("HostMatches(%q, %q) = %v", c.host, c.domain, got)
		}
	}
}

func TestInvites(t *testing.T) {
	for _, c := range []struct {
		in    string
		codes []string
	}{
		{"join discord.gg/AbC12 now", []string{"AbC12"}},
		{"https://discord.com/invite/xyz-9", []string{"xyz-9"}},
		{"HTTPS://DISCORDAPP.COM/INVITE/Q1w2", []string{"Q1w2"}},
		{"discord . gg / spam99", []string{"spam99"}},
		{"d i s c o r d . g g/spam", []string{"spam"}},
		{"d.i.s.c.o.r.d.g.g/spam", []string{"spam"}},
		{"discord dot gg/free", []string{"free"}},
		{"discord(.)gg\\nitro", []string{"nitro"}},
		{"ｄｉｓｃｏｒｄ．ｇｇ/wide", []string{"wide"}},
		{"discord.me/server", []string{"server"}},
		{"two: discord.gg/aa and discord.gg/bb", []string{"aa", "bb"}},
		{"I love discord, good game", nil},
		{"discord.gg/", nil},
		{"discord.gg/x", nil},
		{"discord.com/channels/1/2", nil},
		{"dd", nil},
	} {
		var got []string
		for _, inv := range text.Invites(c.in) {
			if inv.Start < 0 || inv.End > len(c.in) || inv.Start >= inv.End {
				t.Errorf("Invites(%q): bad span %d:%d", c.in, inv.Start, inv.End)
			}
			got = append(got, inv.Code)
		}
		if !reflect.DeepEqual(got, c.codes) {
			t.Errorf("Invites(%q) = %q, want %q", c.in, got, c.codes)
		}
	}
}

func TestMentions(t *testing.T) {
	type M struct {
		Kind      text.MentionKind
		Ref, ID   string
		Label     string
		Raw       bool
		Text, Plt string
	}
	for _, c := range []struct {
		in   string
		want []M
	}{
		{"plain text, a < b > c, <:pepe:123>", nil},
		{"<@slack:U1> <@discord-role:42|mods> <#slack:C1|team>", []M{
			{text.MentionUser, "slack:U1", "U1", "", false, "<@slack:U1>", "slack"},
			{text.MentionRole, "discord-role:42", "42", "mods", false, "<@discord-role:42|mods>", "discord"},
			{text.MentionChannel, "slack:C1", "C1", "team", false, "<#slack:C1|team>", "slack"},
		}},
		{"<@123> <@!456> <@&789> <#321>", []M{
			{text.MentionUser, "", "123", "", true, "<@123>", ""},
			{text.MentionUser, "", "456", "", true, "<@!456>", ""},
			{text.MentionRole, "", "789", "", true, "<@&789>", ""},
			{text.MentionChannel, "", "321", "", true, "<#321>", ""},
		}},
		{"<@U0A|alice> <!subteam^S0M|@mods> <!here> <!channel> <!everyone|@everyone>", []M{
			{text.MentionUser, "", "U0A", "alice", true, "<@U0A|alice>", ""},
			{text.MentionRole, "", "S0M", "@mods", true, "<!subteam^S0M|@mods>", ""},
			{text.MentionHere, "", "", "", true, "<!here>", ""},
			{text.MentionEveryone, "", "", "", true, "<!channel>", ""},
			{text.MentionEveryone, "", "", "@everyone", true, "<!everyone|@everyone>", ""},
		}},
		{"hey @everyone, @HERE! @channel mail@here.com @heretic @everyone's", []M{
			{text.MentionEveryone, "", "", "", true, "@everyone", ""},
			{text.MentionHere, "", "", "", true, "@HERE", ""},
			{text.MentionEveryone, "", "", "", true, "@channel", ""},
			{text.MentionEveryone, "", "", "", true, "@everyone", ""},
		}},
		{"<@slack-role:> <@Slack:U1> <#slack-role:S1> <@slack:U 1> <!nobody> <@>", nil},
		{"<<@slack:U1>>", []M{{text.MentionUser, "slack:U1", "U1", "", false, "<@slack:U1>", "slack"}}},
	} {
		var got []M
		for _, m := range text.Mentions(c.in) {
			got = append(got, M{m.Kind, m.Ref, m.ID, m.Label, m.Raw, c.in[m.Start:m.End], m.Platform()})
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Mentions(%q) =\n%+v\nwant\n%+v", c.in, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	got := text.Count("<@slack:U1> <@U2> <@&3> <@slack-role:S1> <#slack:C1> <#4> hi")
	if want := (text.Counts{Users: 2, Roles: 2, Channels: 2}); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	if !text.Count("hi @here").Everyone || !text.Count("<!channel>").Everyone || text.Count("me@here.io").Everyone {
		t.Error("Count.Everyone is wrong")
	}
}

func TestRender(t *testing.T) {
	markup := func(m text.Mention) string {
		if m.Kind == text.MentionChannel {
			return "[#" + m.ID + "]"
		}
		return "[@" + m.ID + "]"
	}
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"no mentions < here >", "no mentions < here >"},
		{"to " + text.MentionOf("slack:U1") + " in " + text.ChannelMention("slack:C1") + ".", "to [@U1] in [#C1]."},
		{"raw <@U1> <!here> stays, <@discord-role:9|mods> goes", "raw <@U1> <!here> stays, [@9] goes"},
	} {
		if got := text.Render(c.in, markup); got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseMention(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind text.MentionKind
		ref  string
		ok   bool
	}{
		{"<@slack:U1>", text.MentionUser, "slack:U1", true},
		{"<@slack-role:S1|@mods>", text.MentionRole, "slack-role:S1", true},
		{"<#discord:300000000000000001>", text.MentionChannel, "discord:300000000000000001", true},
		{"<@U1>", text.MentionUser, "", true},
		{"<@slack:U1> extra", 0, "", false},
		{"slack:U1", 0, "", false},
		{"", 0, "", false},
	} {
		m, ok := text.ParseMention(c.in)
		if ok != c.ok || (ok && (m.Kind != c.kind || m.Ref != c.ref)) {
			t.Errorf("ParseMention(%q) = %+v, %v", c.in, m, ok)
		}
	}
}

func TestMentionPlain(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"<@slack:U1>", "@slack:U1"},
		{"<@slack-role:S1|@mods>", "@mods"},
		{"<#discord:42|general>", "#general"},
		{"<#slack:C1>", "#slack:C1"},
	} {
		m, _ := text.ParseMention(c.in)
		if got := m.Plain(); got != c.want {
			t.Errorf("Plain(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDefuse(t *testing.T) {
	for _, in := range []string{"<@slack-role:S1> and <!subteam^S2|@mods>, <#slack:C1>, <@123>, <!here>"} {
		out := text.Defuse(in)
		if ms := text.Mentions(out); len(ms) != 0 {
			t.Errorf("Defuse(%q) = %q still has mentions %+v", in, out, ms)
		}
		if strings.ReplaceAll(out, "\u2060", "") != in {
			t.Errorf("Defuse(%q) = %q changes more than mentions", in, out)
		}
	}
	if got := text.Defuse("a < b, @everyone"); got != "a < b, @everyone" {
		t.Errorf("Defuse changed plain text: %q", got)
	}
}

func TestIsReference(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"<@slack:U1>", true}, {"<@123>,", true}, {"<#C1|general>", true}, {"<!here>", true},
		{"<:pepe:123>", true}, {"<a:dance:123>", true}, {"<3", false}, {"<b>bold</b>", false}, {"<@", false},
	} {
		if got := text.IsReference(c.in); got != c.want {
			t.Errorf("IsReference(%q) = %v", c.in, got)
		}
	}
}

func TestShortenKeepsWholeRunes(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ééééé", 4, "ééé…"},
		{"🙂🙂🙂", 2, "🙂…"},
		{"abc", 0, "…"},
	} {
		got := text.Shorten(c.in, c.limit)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}
