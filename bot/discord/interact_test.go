package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// skillRoutes registers a small skill: commands of every option type, a
// button that opens a form, the form's submission and a completer.
func skillRoutes(r *bot.Router, seen *recorder) {
	record := func(h bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, e bot.Event) (*bot.Reply, error) {
			seen.Add(e)
			return h(ctx, e)
		}
	}
	staff := r.Group(bot.StaffOnly)
	r.Command(bot.Command{Route: "help", Description: "What commpilot can do", Handler: record(reply("Commands: /cm inbox, /cm schedule"))})
	staff.Command(bot.Command{Route: "setup brand", Description: "Set the brand keywords",
		Options: []bot.Option{{Name: "keywords", Type: bot.OptText, Required: true, Description: "Comma-separated keywords"}},
		Handler: record(reply("Brand saved."))})
	staff.Command(bot.Command{Route: "setup staff-add", Description: "Add staff",
		Options: []bot.Option{
			{Name: "user", Type: bot.OptUser, Description: "A person"},
			{Name: "role", Type: bot.OptRole, Description: "A role"},
		},
		Handler: record(reply("Staff added."))})
	staff.Command(bot.Command{Route: "setup language", Description: "Language of the bot",
		Options: []bot.Option{{Name: "lang", Type: bot.OptChoice, Required: true, Choices: []string{"en", "fr", "nl"}, Description: "en, fr or nl"}},
		Handler: record(reply("Language saved."))})
	r.Command(bot.Command{Route: "inbox list", Default: true, Description: "Open items, newest first", Handler: record(func(context.Context, bot.Event) (*bot.Reply, error) {
		return nil, nil
	})})
	staff.Command(bot.Command{Route: "inbox close", Description: "Close an item",
		Options: []bot.Option{{Name: "item", Type: bot.OptInt, Required: true, Description: "Item number", Autocomplete: "inbox-items"}},
		Handler: record(reply("Closed."))})
	staff.Command(bot.Command{Route: "rule timeout", Description: "Time a member out",
		Options: []bot.Option{
			{Name: "user", Type: bot.OptUser, Required: true, Description: "Who"},
			{Name: "for", Type: bot.OptDuration, Required: true, Description: "How long: 10m, 2h, 1d"},
			{Name: "in", Type: bot.OptChannel, Description: "Where"},
		},
		Handler: record(reply("Timed out."))})
	r.Completer("inbox-items", func(_ context.Context, _ bot.Event, prefix string) ([]bot.Choice, error) {
		var out []bot.Choice
		for _, id := range []string{"4", "42", "43", "7"} {
			if strings.HasPrefix(id, prefix) {
				out = append(out, bot.Choice{Name: "#" + id + " order late", Value: id})
			}
		}
		return out, nil
	})
	edit := bot.NewPattern("inbox/edit/{id}/{version}")
	staff.Action(edit, record(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		return &bot.Reply{Form: &bot.Form{ID: edit.ID(e.Var("id"), e.Var("version")), Title: "Edit the reply",
			Fields: []bot.FormField{{ID: "text", Label: "Reply", Value: "Bonjour, votre commande arrive demain.", Multiline: true, Required: true}}}}, nil
	}))
	staff.Action(bot.NewPattern("inbox/send/{id}/{version}"), record(func(_ context.Context, e bot.Event) (*bot.Reply, error) {
		if strings.TrimSpace(e.Option("text")) == "" {
			return &bot.Reply{FieldErrors: map[string]string{"text": "The reply cannot be empty."}}, nil
		}
		return bot.Text("Sent: " + e.Option("text")), nil
	}))
	staff.Action(bot.NewPattern("inbox/ack/{id}"), record(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil }))
}

func TestCommandTreeMatchesRouter(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{GuildID: discordtest.GuildID}, skillRoutes)
	body, path := e.srv.Commands()
	if path != "/applications/"+discordtest.BotID+"/guilds/"+discordtest.GuildID+"/commands" {
		t.Errorf("registered at %s, want the guild's commands", path)
	}
	if n := len(e.srv.RequestsTo("PUT", "/applications/")); n != 1 {
		t.Errorf("%d registration requests, want one bulk overwrite", n)
	}
	type opt struct {
		Type         int    `json:"type"`
		Name         string `json:"name"`
		Required     bool   `json:"required"`
		Autocomplete bool   `json:"autocomplete"`
		Choices      []struct {
			Value string `json:"value"`
		} `json:"choices"`
		Options []opt `json:"options"`
	}
	var cmds []struct {
		Name    string `json:"name"`
		Type    int    `json:"type"`
		Options []opt  `json:"options"`
	}
	if err := json.Unmarshal(body, &cmds); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0].Name != "cm" || cmds[0].Type != 1 {
		t.Fatalf("registered %+v, want one chat command /cm", cmds)
	}
	// Render the tree as lines: group/sub name(type,flags).
	var lines []string
	var walk func(prefix string, os []opt)
	walk = func(prefix string, os []opt) {
		for _, o := range os {
			l := prefix + o.Name + ":" + map[int]string{1: "sub", 2: "group", 3: "string", 4: "integer", 6: "user", 7: "channel", 8: "role"}[o.Type]
			if o.Required {
				l += ",required"
			}
			if o.Autocomplete {
				l += ",autocomplete"
			}
			for _, c := range o.Choices {
				l += "," + c.Value
			}
			lines = append(lines, l)
			walk(prefix+o.Name+"/", o.Options)
		}
	}
	walk("", cmds[0].Options)
	want := []string{
		"help:sub",
		"setup:group",
		"setup/brand:sub",
		"setup/brand/keywords:string,required",
		"setup/staff-add:sub",
		"setup/staff-add/user:user",
		"setup/staff-add/role:role",
		"setup/language:sub",
		"setup/language/lang:string,required,en,fr,nl",
		"inbox:group",
		"inbox/list:sub",
		"inbox/close:sub",
		"inbox/close/item:integer,required,autocomplete",
		"rule:group",
		"rule/timeout:sub",
		"rule/timeout/user:user,required",
		"rule/timeout/for:string,required",
		"rule/timeout/in:channel",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("registered tree:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestGlobalRegistrationWithoutGuild(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	if _, path := e.srv.Commands(); path != "/applications/"+discordtest.BotID+"/commands" {
		t.Errorf("registered at %s, want global commands", path)
	}
}

func TestCommandTreeRefusesWhatDiscordRejects(t *testing.T) {
	t.Parallel()
	h := bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) { return nil, nil })
	long := strings.Repeat("x", 101)
	tests := []struct {
		name string
		cmds []bot.Command
		want string
	}{
		{"upper-case name", []bot.Command{{Route: "setup Brand", Description: "d", Handler: h}}, "must match"},
		{"no description", []bot.Command{{Route: "help", Handler: h}}, "1..100"},
		{"long description", []bot.Command{{Route: "help", Description: long, Handler: h}}, "1..100"},
		{"option without description", []bot.Command{{Route: "help", Description: "d", Handler: h,
			Options: []bot.Option{{Name: "topic", Type: bot.OptWord}}}}, `option "topic"`},
		{"required after optional", []bot.Command{{Route: "rule add", Description: "d", Handler: h, Options: []bot.Option{
			{Name: "name", Type: bot.OptWord, Description: "d"},
			{Name: "trigger", Type: bot.OptWord, Required: true, Description: "d"}}}}, "required option \"trigger\" comes after optional \"name\""},
		{"group and command", []bot.Command{
			{Route: "inbox", Description: "d", Handler: h},
			{Route: "inbox close", Description: "d", Handler: h}}, "Discord cannot have both"},
		{"bad option name", []bot.Command{{Route: "help", Description: "d", Handler: h,
			Options: []bot.Option{{Name: "two words", Type: bot.OptWord, Description: "d"}}}}, "must match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := discord.CommandTree(tt.cmds)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CommandTree error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestHelpIsAnsweredEphemerally(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	_, res, err := e.srv.Command(testCtx(t), discordtest.Bob, discordtest.ChannelID, "help")
	if err != nil {
		t.Fatal(err)
	}
	if res.Callback.Type != 4 {
		t.Fatalf("callback type %d, want 4 (message)", res.Callback.Type)
	}
	ans := res.Answer()
	if !ans.Ephemeral() || ans.Content != "Commands: /cm inbox, /cm schedule" {
		t.Errorf("answer = %+v, want the help text, ephemeral", ans)
	}
	ev := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Kind == bot.EventCommand })[0]
	if ev.Command != "help" || ev.User.ID != discordtest.Bob.ID || ev.Message.Channel != channel(discordtest.ChannelID) || ev.User.Admin {
		t.Errorf("event = %+v", ev)
	}
	// Nothing public was posted.
	for _, m := range e.srv.Messages(discordtest.ChannelID) {
		if m.FromBot() {
			t.Errorf("a public message was posted: %+v", m)
		}
	}

	// In a DM the interaction carries a user instead of a member.
	dm := e.srv.DMChannel(discordtest.Bob.ID)
	_, res, err = e.srv.Command(testCtx(t), discordtest.Bob, dm, "help")
	if err != nil {
		t.Fatal(err)
	}
	if res.Answer().Content != "Commands: /cm inbox, /cm schedule" {
		t.Errorf("DM answer = %+v", res.Answer())
	}
	ev = e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Kind == bot.EventCommand && ev.DM })[0]
	if ev.User.ID != discordtest.Bob.ID || ev.Message.Channel != channel(dm) {
		t.Errorf("DM command event = %+v", ev)
	}
}

func TestCommandOptionsReachTheRouter(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	ctx := testCtx(t)
	_, res, err := e.srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "rule timeout",
		discordtest.UserOpt("user", discordtest.Bob.ID), discordtest.Str("for", "2h"), discordtest.ChannelOpt("in", discordtest.TeamChannelID))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer().Content; got != "Timed out." {
		t.Errorf("answer %q", got)
	}
	ev := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Command == "rule timeout" })[0]
	want := map[string]string{"user": "discord:" + discordtest.Bob.ID, "for": "2h", "in": "discord:" + discordtest.TeamChannelID}
	for k, v := range want {
		if ev.Options[k] != v {
			t.Errorf("option %s = %q, want %q (all: %v)", k, ev.Options[k], v, ev.Options)
		}
	}

	_, _, err = e.srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "inbox close", discordtest.Int("item", 42))
	if err != nil {
		t.Fatal(err)
	}
	if ev := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Command == "inbox close" })[0]; ev.Options["item"] != "42" {
		t.Errorf("integer option = %q, want 42", ev.Options["item"])
	}

	// A nil reply to a command still answers, ephemerally.
	_, res, err = e.srv.Command(ctx, discordtest.Bob, discordtest.ChannelID, "inbox list")
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); a.Content != "Done." || !a.Ephemeral() {
		t.Errorf("nil reply answered %+v", a)
	}
}

func TestBadOptionGetsSpecificEphemeralError(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	_, res, err := e.srv.Command(testCtx(t), discordtest.Alice, discordtest.ChannelID, "rule timeout",
		discordtest.UserOpt("user", discordtest.Bob.ID), discordtest.Str("for", "soon"))
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer()
	if !a.Ephemeral() || !strings.Contains(a.Content, `"soon" is not a duration`) || !strings.Contains(a.Content, "Usage: /cm rule timeout <user> <for> [in]") {
		t.Errorf("answer = %+v, want the duration error and the usage line, ephemeral", a)
	}
	if n := e.seen.Count(func(ev bot.Event) bool { return ev.Command == "rule timeout" }); n != 0 {
		t.Errorf("the handler ran %d times for a bad value", n)
	}
}

func TestStaffOnlyCommandRefusesMembers(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	ctx := testCtx(t)
	_, res, err := e.srv.Command(ctx, discordtest.Bob, discordtest.ChannelID, "setup brand", discordtest.Str("keywords", "Acme"))
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); !a.Ephemeral() || !strings.Contains(a.Content, "Only staff") {
		t.Errorf("member got %+v", a)
	}
	// Administrators count as staff without being listed.
	_, res, err = e.srv.Command(ctx, discordtest.Owner, discordtest.ChannelID, "setup brand", discordtest.Str("keywords", "Acme"))
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); a.Content != "Brand saved." {
		t.Errorf("admin got %+v", a)
	}
}

func TestSlowHandlerIsDeferredThenEdited(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	e := start(t, discord.Config{}, func(r *bot.Router, seen *recorder) {
		r.Command(bot.Command{Route: "digest now", Description: "Post the digest now", Handler: bot.HandlerFunc(func(ctx context.Context, ev bot.Event) (*bot.Reply, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return bot.Text("Digest posted."), nil
		})})
	})
	ctx := testCtx(t)
	ix, err := e.srv.SendCommand(discordtest.Alice, discordtest.ChannelID, "digest now")
	if err != nil {
		t.Fatal(err)
	}
	// The fake refuses a first answer after 3 s, so a deferral it accepted
	// was in time; only then does the handler finish.
	first, err := ix.WaitCallback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Callback.Type != 5 || !first.Callback.Message.Ephemeral() {
		t.Fatalf("first answer = type %d flags %d, want a deferred ephemeral message (5, 64)", first.Callback.Type, first.Callback.Message.Flags)
	}
	close(release)
	res, err := ix.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Edits) != 1 || res.Edits[0].Content != "Digest posted." {
		t.Errorf("edits = %+v, want the reply as an edit of the deferred message", res.Edits)
	}
	if a := res.Answer(); !a.Ephemeral() || a.Content != "Digest posted." {
		t.Errorf("answer = %+v", a)
	}
}

func TestButtonOpensFormAndSubmitReachesRouter(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	ctx := testCtx(t)
	card, err := e.p.Do(ctx, bot.Action{Kind: bot.ActPost, Channel: channel(discordtest.TeamChannelID), Card: &bot.Card{
		Title: "Complaint", Body: "Draft", Buttons: []bot.Button{{Label: "Edit", ID: "inbox/edit/42/3"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := e.srv.Click(ctx, discordtest.Alice, discordtest.TeamChannelID, card.ID, "inbox/edit/42/3")
	if err != nil {
		t.Fatal(err)
	}
	click := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Kind == bot.EventAction })[0]
	if click.Action != "inbox/edit/42/3" || click.Message != card || click.Var("id") != "42" || click.Var("version") != "3" || click.User.ID != discordtest.Alice.ID {
		t.Errorf("click event = %+v, want action inbox/edit/42/3 on %+v", click, card)
	}
	if res.Callback.Type != 9 || res.Callback.Modal == nil {
		t.Fatalf("click answered type %d, want a modal (9)", res.Callback.Type)
	}
	m := res.Callback.Modal
	in := m.Inputs()
	if m.CustomID != "inbox/edit/42/3" || m.Title != "Edit the reply" || len(in) != 1 || in[0].CustomID != "text" ||
		in[0].Value != "Bonjour, votre commande arrive demain." || in[0].Style != 2 {
		t.Errorf("modal = %+v", m)
	}

	_, res, err = e.srv.Submit(ctx, discordtest.Alice, discordtest.TeamChannelID, "inbox/send/42/3", map[string]string{"text": "Bonjour !"})
	if err != nil {
		t.Fatal(err)
	}
	sub := e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Kind == bot.EventSubmit })[0]
	if sub.Action != "inbox/send/42/3" || sub.Options["text"] != "Bonjour !" {
		t.Errorf("submit event = %+v", sub)
	}
	if a := res.Answer(); !a.Ephemeral() || a.Content != "Sent: Bonjour !" {
		t.Errorf("submit answered %+v", a)
	}

	// Field errors cannot keep a Discord modal open: they are listed.
	_, res, err = e.srv.Submit(ctx, discordtest.Alice, discordtest.TeamChannelID, "inbox/send/42/3", map[string]string{"text": "  "})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); !a.Ephemeral() || !strings.Contains(a.Content, "text: The reply cannot be empty.") {
		t.Errorf("field errors answered %+v", a)
	}

	// A nil reply to a button acknowledges without a message.
	_, res, err = e.srv.Click(ctx, discordtest.Alice, discordtest.TeamChannelID, card.ID, "inbox/ack/42")
	if err != nil {
		t.Fatal(err)
	}
	if res.Callback.Type != 6 {
		t.Errorf("nil reply to a button answered type %d, want 6", res.Callback.Type)
	}

	// Members cannot press staff buttons.
	_, res, err = e.srv.Click(ctx, discordtest.Bob, discordtest.TeamChannelID, card.ID, "inbox/edit/42/3")
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); res.Callback.Type != 4 || !a.Ephemeral() || !strings.Contains(a.Content, "Only staff") {
		t.Errorf("member click answered type %d %+v", res.Callback.Type, a)
	}
}

func TestAutocompleteSuggestsIDs(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	choices, err := e.srv.Autocomplete(testCtx(t), discordtest.Alice, discordtest.ChannelID, "inbox close", "item", "4")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range choices {
		got = append(got, c.Name+"="+c.Value.(string))
	}
	if strings.Join(got, ";") != "#4 order late=4;#42 order late=42;#43 order late=43" {
		t.Errorf("choices = %v", got)
	}
	ev := e.calls.wait(t, 1, func(ev bot.Event) bool { return ev.Kind == bot.EventAutocomplete })[0]
	if ev.Command != "inbox close" || ev.Focus != "item" || ev.Options["item"] != "4" {
		t.Errorf("autocomplete event = %+v", ev)
	}
}

func TestInteractionAnswersInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, skillRoutes)
	u := discordtest.Bob
	u.Locale = "fr"
	_, res, err := e.srv.Command(testCtx(t), u, discordtest.ChannelID, "inbox list")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Answer().Content; got != "C'est fait." {
		t.Errorf("answer = %q, want the French acknowledgement", got)
	}
}

func TestPublicAndLongReplies(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("un mot, puis un autre\n", 130) // 2,860 characters
	e := start(t, discord.Config{}, func(r *bot.Router, _ *recorder) {
		r.Command(bot.Command{Route: "digest now", Description: "Post the digest now", Handler: bot.HandlerFunc(func(context.Context, bot.Event) (*bot.Reply, error) {
			return &bot.Reply{Text: "Digest for everyone", Public: true}, nil
		})})
		r.Command(bot.Command{Route: "faq list", Description: "List the FAQ", Handler: reply(long)})
	})
	ctx := testCtx(t)
	_, res, err := e.srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "digest now")
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); a.Ephemeral() || a.Content != "Digest for everyone" {
		t.Errorf("public reply = %+v", a)
	}
	if msgs := e.srv.Messages(discordtest.ChannelID); len(msgs) != 1 || msgs[0].Content != "Digest for everyone" {
		t.Errorf("channel holds %+v, want the public reply", msgs)
	}

	ix, res, err := e.srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "faq list")
	if err != nil {
		t.Fatal(err)
	}
	if res, err = ix.WaitFollowups(ctx, 1); err != nil {
		t.Fatal(err)
	}
	first, rest := res.Callback.Message, res.Followups[0]
	if !first.Ephemeral() || !rest.Ephemeral() || first.Content+rest.Content != long {
		t.Errorf("long reply: %d + %d characters, ephemeral %v/%v", len(first.Content), len(rest.Content), first.Ephemeral(), rest.Ephemeral())
	}
}

func TestFormAfterDeferralAsksToPressAgain(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	e := start(t, discord.Config{}, func(r *bot.Router, _ *recorder) {
		r.Action(bot.NewPattern("inbox/edit/{id}"), bot.HandlerFunc(func(ctx context.Context, _ bot.Event) (*bot.Reply, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return &bot.Reply{Form: &bot.Form{ID: "inbox/send/1", Title: "Edit", Fields: []bot.FormField{{ID: "text", Label: "Reply"}}}}, nil
		}))
	})
	ctx := testCtx(t)
	ix, res, err := e.srv.Click(ctx, discordtest.Bob, discordtest.ChannelID, "1310000000000000077", "inbox/edit/1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Callback.Type != 6 {
		t.Fatalf("slow button answered type %d first, want a deferred update (6)", res.Callback.Type)
	}
	close(release)
	if res, err = ix.WaitFollowups(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if f := res.Followups[0]; !f.Ephemeral() || !strings.Contains(f.Content, "Press the button again") {
		t.Errorf("follow-up = %+v", f)
	}
}

func TestInteractionRedeliveredWhileAnsweringIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var runs atomic.Int32
	e := start(t, discord.Config{}, func(r *bot.Router, seen *recorder) {
		r.Command(bot.Command{Route: "digest now", Description: "Post the digest now", Handler: bot.HandlerFunc(func(ctx context.Context, ev bot.Event) (*bot.Reply, error) {
			runs.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return bot.Text("Digest posted."), nil
		})})
	})
	ctx := testCtx(t)
	ix, err := e.srv.SendCommand(discordtest.Alice, discordtest.ChannelID, "digest now")
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the handler runs, then deliver the same interaction again.
	for runs.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ix.Redeliver()
	time.Sleep(100 * time.Millisecond)
	close(release)
	res, err := ix.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); a.Content != "Digest posted." {
		t.Errorf("answer = %q, want the handler's reply (not a duplicate's)", a.Content)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("handler ran %d times", n)
	}
}

// A handler that finishes while Run is stopping is still answered.
func TestInteractionFinishedDuringShutdownIsAnswered(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	e := start(t, discord.Config{}, func(r *bot.Router, seen *recorder) {
		r.Command(bot.Command{Route: "digest now", Description: "Post the digest now", Handler: bot.HandlerFunc(func(ctx context.Context, ev bot.Event) (*bot.Reply, error) {
			seen.Add(ev)
			<-release
			return bot.Text("Digest posted."), nil
		})})
	})
	ix, err := e.srv.SendCommand(discordtest.Alice, discordtest.ChannelID, "digest now")
	if err != nil {
		t.Fatal(err)
	}
	e.seen.wait(t, 1, func(ev bot.Event) bool { return ev.Command == "digest now" })
	e.stop()
	close(release)
	if err := e.wait(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	// Run waited for the answer.
	res := ix.Result()
	if a := res.Answer(); res.Callback == nil || a.Content != "Digest posted." {
		t.Errorf("answer after shutdown = %+v, want the handler's reply", res)
	}
}

// An answer echoing a 4,000-character argument is one message that keeps
// its reason: the echo is shortened in its middle, not the message cut at
// 2,000 characters; a long answer of many lines still continues in
// follow-ups, whole lines each.
func TestLongAnswerKeepsItsEnd(t *testing.T) {
	t.Parallel()
	e := start(t, discord.Config{}, func(r *bot.Router, _ *recorder) {
		r.Command(bot.Command{Route: "setup brand", Description: "Set brand keywords",
			Options: []bot.Option{{Name: "keywords", Description: "Keywords", Required: true}},
			Handler: bot.HandlerFunc(func(_ context.Context, ev bot.Event) (*bot.Reply, error) {
				return bot.Text("Keyword \"" + ev.Options["keywords"] + "\" was not added.\nA keyword has at most 100 characters."), nil
			})})
	})
	ctx := testCtx(t)
	arg := strings.Repeat("acme", 1000) // 4,000 characters
	ix, res, err := e.srv.Command(ctx, discordtest.Alice, discordtest.ChannelID, "setup brand", discordtest.Str("keywords", arg))
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer()
	if n := utf8.RuneCountInString(a.Content); n > 2000 || !a.Ephemeral() {
		t.Fatalf("answer of %d characters, ephemeral %v", n, a.Ephemeral())
	}
	if !strings.HasPrefix(a.Content, "Keyword \"acmeacme") || !strings.Contains(a.Content, "acme […] acme") ||
		!strings.HasSuffix(a.Content, "acme\" was not added.\nA keyword has at most 100 characters.") {
		t.Errorf("answer = %q…%q, want the echo shortened in its middle and the reason kept", a.Content[:40], a.Content[len(a.Content)-80:])
	}
	if got := ix.Result().Followups; len(got) != 0 {
		t.Errorf("%d follow-ups, want the answer in one message", len(got))
	}
}
