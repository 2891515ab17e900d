package slack

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// golden compares got (indented JSON) with testdata/name.golden.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	bottest.Golden(t, filepath.Join("testdata", name+".golden.json"), buf.Bytes())
}

func TestCardGolden(t *testing.T) {
	long := strings.Repeat("très long texte ", 300)
	tests := []struct {
		name string
		card bot.Card
	}{
		{"inbox_card", bot.Card{
			Title:   "Complaint · #community",
			URL:     "https://discord.com/channels/1/2/3",
			Context: "@bob on Discord · 10:41 · <@U0ALICE> assigned",
			Quote:   "Ma commande n°42 n'est toujours pas arrivée !!\nC'est inadmissible <!channel> & <@U0ALICE>",
			Fields: []bot.Field{
				{Name: "Kind", Value: "complaint", Inline: true},
				{Name: "Sentiment", Value: "-0.8", Inline: true},
				{Name: "Urgency", Value: "high", Inline: true},
				{Name: "Language", Value: "fr", Inline: true},
			},
			Body:   "Bonjour Bob, nous sommes désolés <b>vraiment</b> — nous regardons votre commande.",
			Footer: "Draft v2 · offline",
			Tone:   bot.ToneDanger,
			Buttons: []bot.Button{
				{Label: "Approve", ID: "inbox/approve/42/2", Style: bot.StylePrimary},
				{Label: "Edit", ID: "inbox/edit/42/2"},
				{Label: "Regenerate", ID: "inbox/regen/42"},
				{Label: "Reject", ID: "inbox/reject/42", Style: bot.StyleDanger, Confirm: "Close this item without replying?"},
				{Label: "Assign to me", ID: "inbox/assign/42"},
				{Label: "Open", URL: "https://discord.com/channels/1/2/3"},
			},
		}},
		{"sent_card", bot.Card{Title: "Question · #general", Footer: "Sent by @alice at 10:42", Tone: bot.ToneGood}},
		{"limits_card", bot.Card{
			Title:  strings.Repeat("T", 200),
			Quote:  long,
			Body:   long,
			Fields: manyFields(12, strings.Repeat("v", 2100)),
			Buttons: []bot.Button{{Label: strings.Repeat("L", 80), ID: "x/1",
				Confirm: strings.Repeat("c", 400)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, renderCard(&tt.card))
		})
	}
}

func manyFields(n int, value string) []bot.Field {
	out := make([]bot.Field, n)
	for i := range out {
		out[i] = bot.Field{Name: "Field " + string(rune('A'+i)), Value: value}
	}
	return out
}

func TestFormGolden(t *testing.T) {
	f := &bot.Form{ID: "inbox/edit/42/2", Title: "Edit the reply before sending", Submit: "Send", Fields: []bot.FormField{
		{ID: "draft", Label: "Reply", Value: "Bonjour Bob, nous regardons.", Multiline: true, Required: true, MaxLen: 4000},
		{ID: "note", Label: "Internal note", Placeholder: "optional"},
	}}
	golden(t, "edit_form", renderForm(f, "C0TEAM"))
}

func TestRenderedLimits(t *testing.T) {
	long := strings.Repeat("é", 50000)
	m := renderMessage(long, nil)
	if n := utf8.RuneCountInString(m.text); n != maxMessageText || !strings.HasSuffix(m.text, truncMarker) {
		t.Errorf("long text: %d characters, marker %v", n, strings.HasSuffix(m.text, truncMarker))
	}
	blocks := renderCard(&bot.Card{Fields: manyFields(25, "v")})
	if len(blocks) != 3 {
		t.Errorf("25 fields rendered as %d sections, want 3 (10+10+5)", len(blocks))
	}
}

func TestTextCodec(t *testing.T) {
	decode := []struct{ in, want string }{
		{"plain", "plain"},
		{"<https://x.test/a?b=1&amp;c=2|x.test>", "https://x.test/a?b=1&c=2"},
		{"<mailto:bob@x.test|bob@x.test>", "mailto:bob@x.test"},
		{"<#C123|general> <@U123> <@U123|bob> <!subteam^S1|@mods>", "<#C123|general> <@U123> <@U123|bob> <!subteam^S1|@mods>"},
		{"<!here> <!channel>", "@here @channel"},
		{"a &lt; b &amp;&amp; c &gt; d &nbsp;", "a < b && c > d &nbsp;"},
		{"unclosed <http://x", "unclosed <http://x"},
	}
	for _, tt := range decode {
		if got := decodeText(tt.in); got != tt.want {
			t.Errorf("decodeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	escape := []struct{ in, keep, all string }{
		{"a < b & c", "a &lt; b &amp; c", "a &lt; b &amp; c"},
		{"hi <@U123> in <#C9|gen>", "hi <@U123> in <#C9|gen>", "hi &lt;@U123&gt; in &lt;#C9|gen&gt;"},
		{"<!channel> <http://evil|google.com>", "&lt;!channel&gt; &lt;http://evil|google.com&gt;", "&lt;!channel&gt; &lt;http://evil|google.com&gt;"},
	}
	for _, tt := range escape {
		if got := escapeKeepRefs(tt.in); got != tt.keep {
			t.Errorf("escapeKeepRefs(%q) = %q, want %q", tt.in, got, tt.keep)
		}
		if got := escapeAll(tt.in); got != tt.all {
			t.Errorf("escapeAll(%q) = %q, want %q", tt.in, got, tt.all)
		}
	}
	if got := truncate("abcdef", 4); got != "abc"+truncMarker {
		t.Errorf("truncate = %q", got)
	}
	if !mentions("hey <@UBOT>", "UBOT") || !mentions("<@UBOT|commpilot> hi", "UBOT") || mentions("<@UBOTX>", "UBOT") {
		t.Error("mentions")
	}
}
