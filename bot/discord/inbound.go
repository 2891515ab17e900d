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
// makes the reader wait.
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

// message queues a MESSAGE_CREATE (or MESSAGE_UPDATE with edited set). A
// full queue makes the gateway reader wait.
func (in *inbound) message(m *discordgo.Message, edited bool) {
	if in.p.guildID != "" && m.GuildID != "" && m.GuildID != in.p.guildID {
		return // another server the bot was added to
	}
	ev, ok := messageEvent(m, in.p.selfID.Load().(string), edited, in.p.threadOf)
	if !ok {
		return
	}
	in.messages <- ev
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

// messageEvent translates a gateway message. It returns false for messages
// commpilot ignores: its own, other bots', webhooks', system messages, and
// updates that are not edits of the text.
// threadOf, when given, returns the parent channel of a thread channel.
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
	if threadOf != nil {
		if parent := threadOf(m.ChannelID); parent != "" {
			ev.Message.ThreadID = m.ChannelID
			ev.Within = bot.ChannelRef{Platform: bot.Discord, ID: parent}
		}
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
		ev.Command, ev.Options, ev.Focus = commandOptions(data.Options, data.Resolved)
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
// role, "discord-role:ID", so the router can tell them apart). focus is the option being typed in an autocomplete.
func commandOptions(opts []*discordgo.ApplicationCommandInteractionDataOption, resolved *discordgo.ApplicationCommandInteractionDataResolved) (route string, values map[string]string, focus string) {
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
		if o.Type == discordgo.ApplicationCommandOptionMentionable {
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
