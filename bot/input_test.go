package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/bottest"
)

// Bytes that are not UTF-8 (a Slack request in HTTP mode can carry them)
// never reach a handler: the reply names the option or the form field.
func TestInvalidUTF8IsRefusedNamingTheOption(t *testing.T) {
	var ran atomic.Int32
	handler := bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
		ran.Add(1)
		return bot.Text("saved"), nil
	})
	env := bottest.MustEngine(t, nil, nil, skillFunc(func(r *bot.Router) {
		r.Command(bot.Command{Route: "setup brand", Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true}}, Handler: handler})
		r.Command(bot.Command{Route: "setup timezone", Options: []bot.Option{{Name: "zone", Type: bot.OptWord, Required: true}}, Handler: handler})
		r.Action(bot.NewPattern("faq/edit/{id}"), handler)
	}))
	for _, c := range []struct{ text, want string }{
		{"setup brand Acme, \xff\xfeCloud", "keywords: this is not valid text (some bytes are not UTF-8). Type it again."},
		{"setup timezone Europe/\xc3", "zone: this is not valid text"},
	} {
		if got := bottest.ReplyText(env.Command(t, bottest.Staff, c.text)); !strings.HasPrefix(got, c.want) || !utf8.ValidString(got) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
	// The same over a slash command's typed options (Discord) and a form.
	got := bottest.ReplyText(env.Send(t, bot.Event{Kind: bot.EventCommand, User: bottest.Staff, Command: "setup brand",
		Options: map[string]string{"keywords": "Ac\x80me"}}))
	if !strings.HasPrefix(got, "keywords: this is not valid text") {
		t.Errorf("typed option: %q", got)
	}
	got = bottest.ReplyText(env.Send(t, bot.Event{Kind: bot.EventSubmit, User: bottest.Staff, Action: "faq/edit/1",
		Options: map[string]string{"question": "ok", "answer": "bad \xe9"}}))
	if !strings.HasPrefix(got, "answer: this is not valid text") {
		t.Errorf("form: %q", got)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("a handler ran %d times on invalid UTF-8", n)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "setup brand Café, Crème")); got != "saved" {
		t.Errorf("valid accented text: %q", got)
	}
}

// An error that echoes a huge argument keeps its reason: the echoed
// argument is shortened, whole runes only, and the reply stays far under
// Discord's 2,000 characters.
func TestErrorRepliesShortenEchoedArguments(t *testing.T) {
	env := bottest.MustEngine(t, nil, nil, skillFunc(func(r *bot.Router) {
		r.Command(bot.Command{Route: "echo", Options: []bot.Option{{Name: "text", Type: bot.OptText, Required: true}},
			Handler: bot.HandlerFunc(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
				return nil, bot.Invalid("err.bad_number", e.Option("text"))
			})})
	}))
	long := strings.Repeat("é", 4000)
	got := bottest.ReplyText(env.Command(t, bottest.Staff, "echo "+long))
	if !strings.HasSuffix(got, `…" is not a number.`) || utf8.RuneCountInString(got) > 200 || !utf8.ValidString(got) {
		t.Errorf("reply of %d runes: %.300q", utf8.RuneCountInString(got), got)
	}
	if got := bottest.ReplyText(env.Command(t, bottest.Staff, "echo short")); got != `"short" is not a number.` {
		t.Errorf("short argument: %q", got)
	}
	// Extra words are echoed too.
	got = bottest.ReplyText(env.Command(t, bottest.Staff, "help "+strings.Repeat("x", 3000)))
	if utf8.RuneCountInString(got) > 200 {
		t.Errorf("unknown command reply of %d runes", utf8.RuneCountInString(got))
	}
}
