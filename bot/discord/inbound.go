package discord

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// Messages are handled by messageWorkers goroutines from a queue of
// messageQueue, so a burst of slow messages (an LLM taking seconds) neither
// spawns unbounded goroutines nor holds up the gateway reader, which also
// carries interactions that must be answered within 3 s. Only a full queue
// makes the reader wait. Edits and deletions share the queue: an edit or a
// deletion that follows its message within milliseconds may be handled
// before it (see docs/history.md).
const (
	messageWorkers = 32
	messageQueue   = 4096
)

// inbound hands gateway events to the handler on goroutines that Run owns;
// Run waits for all of them. An event read from the gateway is handled even
// when Run's context ends meanwhile: queued messages are drained and
// interactions answered before Run returns. The handler gets Run's context
// without its cancellation and bounds its own work (the engine runs
// handlers under its own lifetime and deadline).
type inbound struct {
	p        *Platform
	h        bot.Handler
	ctx      context.Context
	wg       *sync.WaitGroup
	messages chan bot.Event
}

func newInbound(ctx context.Context, p *Platform, h bot.Handler, wg *sync.WaitGroup) *inbound {
	in := &inbound{p: p, h: h, ctx: ctx, wg: wg, messages: make(chan bot.Event, messageQueue)}
	for range messageWorkers {
		wg.Go(in.work)
	}
	return in
}

// work handles queued messages until close, then returns once the queue
// is empty.
func (in *inbound) work() {
	ctx := context.WithoutCancel(in.ctx)
	for ev := range in.messages {
		if _, err := in.h.HandleEvent(ctx, ev); err != nil {
			in.p.log.Error("message handling failed", "event", ev.ID, "err", err)
		}
	}
}

// close ends the queue: the workers handle what it holds and return. Call it
// once, after the gateway handlers were removed: discordgo runs handlers
// under a lock that removing one waits for, so none can queue afterwards.
func (in *inbound) close() { close(in.messages) }

// ours reports whether an event of guildID concerns commpilot: a DM, or a
// message of the configured server (all servers when none is configured).
func (in *inbound) ours(guildID string) bool {
	return in.p.guildID == "" || guildID == "" || guildID == in.p.guildID
}

// message queues a MESSAGE_CREATE (or MESSAGE_UPDATE with edited set). A
// full queue makes the gateway reader wait.
func (in *inbound) message(m *discordgo.Message, edited bool) {
	if !in.ours(m.GuildID) {
		return // another server the bot was added to
	}
	if !edited {
		in.p.seen.message(m.ChannelID, m.ID)
	}
	ev, ok := messageEvent(m, in.p.selfID.Load().(string), edited, in.p.threadOf)
	if !ok {
		return
	}
	in.messages <- ev
}

// deleted queues one Deleted event per id of a MESSAGE_DELETE or
// MESSAGE_DELETE_BULK.
func (in *inbound) deleted(channelID, guildID string, ids []string) {
	if !in.ours(guildID) {
		return
	}
	for _, id := range ids {
		in.messages <- deleteEvent(channelID, guildID, id, time.Now(), in.p.threadOf)
	}
}

// interaction answers one INTERACTION_CREATE (see respond).
func (in *inbound) interaction(i *discordgo.Interaction) {
	in.wg.Go(func() { in.p.respond(in.ctx, in.h, i) })
}

// threadOf returns the channel a thread belongs to when the state cache
// knows channelID as a thread, else "".
func (p *Platform) threadOf(channelID string) string {
	if ch, err := p.s.State.Channel(channelID); err == nil && ch.IsThread() {
		return ch.ParentID
	}
	return ""
}

// messageEvent translates a gateway message, with its attachments, mention
// counts (mentions, mention_roles, mention_everyone), the author's account
// creation time (from their snowflake) and server join time (member
// joined_at). It returns false for messages commpilot ignores: its own,
// other bots', webhooks', system messages, and updates that are not edits
// of the text. threadOf, when given, returns the parent channel of a thread
// channel.
func messageEvent(m *discordgo.Message, selfID string, edited bool, threadOf func(string) string) (bot.Event, bool) {
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" || m.Author.ID == selfID {
		return bot.Event{}, false
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return bot.Event{}, false
	}
	ev := bot.Event{
		ID:   "m:" + m.ID,
		Kind: bot.EventMessage,
		Message: bot.MessageRef{
			Channel: bot.ChannelRef{Platform: bot.Discord, ID: m.ChannelID},
			ID:      m.ID,
		},
		User: userRef(m.Author, m.Member),
		Text: m.Content,
		DM:   m.GuildID == "",
		Time: m.Timestamp,
	}
	setThread(&ev, threadOf)
	if t, err := discordgo.SnowflakeTimestamp(m.Author.ID); err == nil {
		ev.AuthorCreated = t
	}
	if m.Member != nil {
		ev.AuthorJoined = m.Member.JoinedAt
	}
	for _, a := range m.Attachments {
		if a != nil {
			ev.Attachments = append(ev.Attachments, bot.Attachment{Name: a.Filename, Type: a.ContentType, Size: int64(a.Size)})
		}
	}
	ev.Mentions = bot.MentionCount{
		Users: len(m.Mentions), Roles: len(m.MentionRoles),
		// mention_everyone is only set when the author may ping everyone;
		// an attempt counts too.
		Everyone: m.MentionEveryone || strings.Contains(m.Content, "@everyone") || strings.Contains(m.Content, "@here"),
	}
	if edited {
		if m.EditedTimestamp == nil {
			return bot.Event{}, false
		}
		ev.ID = "u:" + m.ID + ":" + m.EditedTimestamp.UTC().Format(time.RFC3339Nano)
		ev.Edited = true
		ev.Time = *m.EditedTimestamp
	}
	if r := m.MessageReference; r != nil && r.MessageID != "" {
		ch := r.ChannelID
		if ch == "" {
			ch = m.ChannelID
		}
		ev.ReplyTo = bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: ch}, ID: r.MessageID}
	}
	for _, u := range m.Mentions {
		if u != nil && u.ID == selfID && selfID != "" {
			ev.Mentioned = true
			break
		}
	}
	return ev, true
}

// deleteEvent is the Deleted event of message id in channelID, deleted at
// t (Discord does not say when). Its id is the message's: a message is
// deleted once.
func deleteEvent(channelID, guildID, id string, t time.Time, threadOf func(string) string) bot.Event {
	ev := bot.Event{
		ID:      "d:" + id,
		Kind:    bot.EventMessage,
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: channelID}, ID: id},
		Deleted: true,
		DM:      guildID == "",
		Time:    t,
	}
	setThread(&ev, threadOf)
	return ev
}

// setThread names the thread and its parent channel when ev's channel is a
// thread (threadOf, when given, returns a thread channel's parent).
func setThread(ev *bot.Event, threadOf func(string) string) {
	if threadOf == nil {
		return
	}
	if parent := threadOf(ev.Message.Channel.ID); parent != "" {
		ev.Message.ThreadID = ev.Message.Channel.ID
		ev.Within = bot.ChannelRef{Platform: bot.Discord, ID: parent}
	}
}

// userRef builds the user of an event: Name is the global display name, else
// the username; member (may be nil) adds roles and, for interactions, Admin
// from the member's permissions (Administrator or Manage Server).
func userRef(u *discordgo.User, member *discordgo.Member) bot.UserRef {
	ref := bot.UserRef{Platform: bot.Discord}
	if u == nil && member != nil {
		u = member.User
	}
	if u != nil {
		ref.ID = u.ID
		ref.Name = u.Username
		if u.GlobalName != "" {
			ref.Name = u.GlobalName
		}
		ref.Bot = u.Bot
	}
	if member != nil {
		ref.Roles = member.Roles
		ref.Admin = member.Permissions&(discordgo.PermissionAdministrator|discordgo.PermissionManageGuild) != 0
	}
	return ref
}

// interactionEvent translates an interaction. It returns false for kinds
// commpilot does not handle (ping, other commands).
func interactionEvent(i *discordgo.Interaction) (bot.Event, bool) {
	ev := bot.Event{
		ID:      i.ID,
		Message: bot.MessageRef{Channel: bot.ChannelRef{Platform: bot.Discord, ID: i.ChannelID}},
		User:    userRef(i.User, i.Member),
		DM:      i.GuildID == "",
		Time:    time.Now(),
	}
	if t, err := discordgo.SnowflakeTimestamp(i.ID); err == nil {
		ev.Time = t
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		data := i.ApplicationCommandData()
		if data.Name != CommandName {
			return bot.Event{}, false
		}
		ev.Kind = bot.EventCommand
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			ev.Kind = bot.EventAutocomplete
		}
		ev.Command, ev.Options, ev.Focus = commandOptions(data.Options, data.Resolved, i.GuildID)
	case discordgo.InteractionMessageComponent:
		ev.Kind = bot.EventAction
		ev.Action = i.MessageComponentData().CustomID
		if i.Message != nil {
			ev.Message.ID = i.Message.ID
		}
	case discordgo.InteractionModalSubmit:
		data := i.ModalSubmitData()
		ev.Kind = bot.EventSubmit
		ev.Action = data.CustomID
		ev.Options = map[string]string{}
		collectInputs(data.Components, ev.Options)
		if i.Message != nil {
			ev.Message.ID = i.Message.ID
		}
	default:
		return bot.Event{}, false
	}
	return ev, true
}

// commandOptions walks /cm's options: subcommand groups and subcommands
// build the route, the leaves are the values (ids as given, integers in
// decimal; a mentionable as the neutral reference "discord:ID" or, for a
// role, "discord-role:ID", so the router can tell them apart; the
// @everyone role, whose id is the server's, as "@everyone", the form the
// router refuses where a role or a person is wanted). focus is the option
// being typed in an autocomplete.
func commandOptions(opts []*discordgo.ApplicationCommandInteractionDataOption, resolved *discordgo.ApplicationCommandInteractionDataResolved, guildID string) (route string, values map[string]string, focus string) {
	var words []string
	values = map[string]string{}
	for len(opts) > 0 {
		o := opts[0]
		if o.Type != discordgo.ApplicationCommandOptionSubCommandGroup && o.Type != discordgo.ApplicationCommandOptionSubCommand {
			break
		}
		words = append(words, o.Name)
		opts = o.Options
	}
	for _, o := range opts {
		if o.Focused {
			focus = o.Name
		}
		values[o.Name] = optionString(o)
		switch {
		case (o.Type == discordgo.ApplicationCommandOptionRole || o.Type == discordgo.ApplicationCommandOptionMentionable) &&
			guildID != "" && values[o.Name] == guildID:
			values[o.Name] = "@everyone"
		case o.Type == discordgo.ApplicationCommandOptionMentionable:
			values[o.Name] = mentionable(values[o.Name], resolved)
		}
	}
	return strings.Join(words, " "), values, focus
}

// mentionable turns a mentionable option's id into the neutral reference
// of a role or a user.
func mentionable(id string, resolved *discordgo.ApplicationCommandInteractionDataResolved) string {
	if id == "" {
		return ""
	}
	if resolved != nil && resolved.Roles[id] != nil {
		return string(bot.Discord) + "-role:" + id
	}
	return bot.UserRef{Platform: bot.Discord, ID: id}.Key()
}

func optionString(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// collectInputs reads text input values from a modal's components.
func collectInputs(cs []discordgo.MessageComponent, out map[string]string) {
	for _, c := range cs {
		switch c := c.(type) {
		case *discordgo.ActionsRow:
			collectInputs(c.Components, out)
		case *discordgo.TextInput:
			out[c.CustomID] = c.Value
		}
	}
}
