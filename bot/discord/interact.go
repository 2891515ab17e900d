package discord

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// Messages returns the adapter's own words. The adapter reads them itself, in
// the language of the person's Discord client; add them to the engine's
// catalogue too so the error keys Do returns render.
func Messages() bot.Messages { return messages.Clone() }

var messages = bot.Messages{
	bot.English: {
		"discord.done":           "Done.",
		"discord.form_late":      "That took too long to open the form. Press the button again.",
		"discord.form_in_form":   "A form cannot open from another form. Use the button again.",
		"discord.form_errors":    "Nothing was saved. Please fix:",
		"discord.failed":         "Something went wrong on our side. Nothing was changed.",
		"discord.no_ephemeral":   "On Discord, only an answer to a command or a button can be shown to one person alone.",
		"discord.no_permission":  "The bot is missing a Discord permission to do that.",
		"discord.not_in_guild":   "That channel is not in a Discord server.",
		"discord.nothing_to_say": "There is nothing to send.",
		"discord.other_guild":    "commpilot is not set up for this server.",
	},
	bot.French: {
		"discord.done":           "C'est fait.",
		"discord.form_late":      "Le formulaire a mis trop de temps à s'ouvrir. Appuyez de nouveau sur le bouton.",
		"discord.form_in_form":   "Un formulaire ne peut pas s'ouvrir depuis un autre formulaire. Utilisez de nouveau le bouton.",
		"discord.form_errors":    "Rien n'a été enregistré. À corriger :",
		"discord.failed":         "Un problème est survenu de notre côté. Rien n'a été modifié.",
		"discord.no_ephemeral":   "Sur Discord, seule la réponse à une commande ou à un bouton peut être visible par une seule personne.",
		"discord.no_permission":  "Il manque au bot une permission Discord pour faire cela.",
		"discord.not_in_guild":   "Ce salon n'appartient pas à un serveur Discord.",
		"discord.nothing_to_say": "Il n'y a rien à envoyer.",
		"discord.other_guild":    "commpilot n'est pas configuré pour ce serveur.",
	},
	bot.Dutch: {
		"discord.done":           "Klaar.",
		"discord.form_late":      "Het formulier deed er te lang over om te openen. Druk nogmaals op de knop.",
		"discord.form_in_form":   "Een formulier kan niet vanuit een ander formulier worden geopend. Gebruik de knop opnieuw.",
		"discord.form_errors":    "Er is niets opgeslagen. Pas het volgende aan:",
		"discord.failed":         "Er ging iets mis aan onze kant. Er is niets gewijzigd.",
		"discord.no_ephemeral":   "Op Discord kan alleen een antwoord op een opdracht of een knop voor één persoon zichtbaar zijn.",
		"discord.no_permission":  "De bot heeft daarvoor niet de nodige Discord-rechten.",
		"discord.not_in_guild":   "Dat kanaal hoort niet bij een Discord-server.",
		"discord.nothing_to_say": "Er is niets te versturen.",
		"discord.other_guild":    "commpilot is niet ingesteld voor deze server.",
	},
}

// autocompleteBudget bounds an autocomplete handler: Discord drops answers
// after 3 s and autocomplete cannot be deferred.
const autocompleteBudget = 2500 * time.Millisecond

// answerBudget bounds the REST calls of one answer (the initial response,
// or the deferral, edits and follow-ups). Answers are sent under it rather
// than under Run's context, so a handler that finishes while Run stops is
// still answered; an initial response is refused after 3 s anyway.
const answerBudget = 5 * time.Second

// answerContext returns the context to send an answer under: ctx's values
// without its cancellation, for at most answerBudget.
func answerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), answerBudget)
}

// localeLang maps a Discord client locale to the bot's languages.
func localeLang(l discordgo.Locale) bot.Lang {
	switch {
	case strings.HasPrefix(string(l), "fr"):
		return bot.French
	case strings.HasPrefix(string(l), "nl"):
		return bot.Dutch
	}
	return bot.English
}

type handled struct {
	reply *bot.Reply
	err   error
}

// interactionCall is one interaction being answered.
type interactionCall struct {
	p      *Platform
	i      *discordgo.Interaction
	ev     bot.Event
	lang   bot.Lang
	bucket string
}

// respond runs the handler for one interaction and answers it. If the
// handler has not finished after deferAfter, the interaction is deferred
// (commands: an ephemeral "thinking" message; components and modal submits:
// a deferred update) and the reply is delivered as an edit or follow-up.
// respond returns once the handler has returned and the answer was sent.
// The handler gets ctx without its cancellation, and answers are sent under
// answerContext: an interaction that arrived before Run's context ended is
// still answered.
func (p *Platform) respond(ctx context.Context, h bot.Handler, i *discordgo.Interaction) {
	ev, ok := interactionEvent(i)
	if !ok {
		return
	}
	// A copy of an interaction redelivered while the first is still being
	// answered is dropped here: answering it ("Done." for the engine's
	// duplicate) could take the one acknowledgement Discord allows.
	if _, busy := p.answering.LoadOrStore(i.ID, struct{}{}); busy {
		p.log.Debug("redelivered interaction ignored while answering", "interaction", i.ID)
		return
	}
	defer p.answering.Delete(i.ID)
	ctx = context.WithoutCancel(ctx)
	c := &interactionCall{p: p, i: i, ev: ev, lang: localeLang(i.Locale), bucket: interactionBucket(i.ID)}
	// With DISCORD_GUILD_ID set, other servers the bot was added to get no
	// /cm at all: their admins must not count as this team's staff.
	if p.guildID != "" && i.GuildID != "" && i.GuildID != p.guildID {
		p.log.Warn("interaction from another server refused", "guild", i.GuildID)
		if ev.Kind != bot.EventAutocomplete {
			actx, cancel := answerContext(ctx)
			defer cancel()
			c.send(actx, false, bot.Text(c.t("discord.other_guild")))
		}
		return
	}
	if ev.Kind == bot.EventAutocomplete {
		hctx, cancel := context.WithTimeout(ctx, autocompleteBudget)
		reply, err := h.HandleEvent(hctx, ev)
		cancel()
		var choices []bot.Choice
		if err != nil {
			p.log.Warn("autocomplete failed", "focus", ev.Focus, "err", err)
		} else if reply != nil {
			choices = reply.Choices
		}
		actx, cancel := answerContext(ctx)
		defer cancel()
		c.callback(actx, discordgo.InteractionApplicationCommandAutocompleteResult,
			&discordgo.InteractionResponseData{Choices: renderChoices(choices)})
		return
	}

	done := make(chan handled, 1)
	go func() { // owned by respond, which always receives from done
		r, err := h.HandleEvent(ctx, ev)
		done <- handled{r, err}
	}()
	timer := time.NewTimer(p.deferAfter)
	defer timer.Stop()
	deferred := false
	var res handled
	select {
	case res = <-done:
	case <-timer.C:
		dctx, cancel := answerContext(ctx)
		deferred = c.deferResponse(dctx)
		cancel()
		res = <-done
	}
	actx, cancel := answerContext(ctx)
	defer cancel()
	c.answer(actx, res, deferred)
}

// deferResponse acknowledges the interaction before the handler is done.
func (c *interactionCall) deferResponse(ctx context.Context) bool {
	if c.ev.Kind == bot.EventCommand {
		return c.callback(ctx, discordgo.InteractionResponseDeferredChannelMessageWithSource,
			&discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral})
	}
	return c.callback(ctx, discordgo.InteractionResponseDeferredMessageUpdate, nil)
}

// answer delivers the handler's result; deferred says the interaction was
// already acknowledged by deferResponse.
func (c *interactionCall) answer(ctx context.Context, res handled, deferred bool) {
	reply := res.reply
	if res.err != nil {
		c.p.log.Error("interaction handling failed", "event", c.ev.ID, "kind", c.ev.Kind.String(), "err", res.err)
		reply = bot.Text(c.t("discord.failed"))
	}
	switch {
	case reply == nil:
		if c.ev.Kind == bot.EventCommand {
			c.send(ctx, deferred, bot.Text(c.t("discord.done")))
		} else if !deferred {
			c.callback(ctx, discordgo.InteractionResponseDeferredMessageUpdate, nil)
		}
	case reply.Form != nil:
		switch {
		case deferred:
			c.send(ctx, true, bot.Text(c.t("discord.form_late")))
		case c.ev.Kind == bot.EventSubmit:
			c.send(ctx, false, bot.Text(c.t("discord.form_in_form")))
		default:
			data, err := renderModal(reply.Form)
			if err != nil {
				c.p.log.Error("form cannot be shown on Discord", "form", reply.Form.ID, "err", err)
				c.send(ctx, false, bot.Text(c.t("discord.failed")))
				return
			}
			c.callback(ctx, discordgo.InteractionResponseModal, data)
		}
	case len(reply.FieldErrors) > 0:
		// Discord closes a modal when it is submitted: list the errors.
		c.send(ctx, deferred, &bot.Reply{Text: fieldErrorText(c.t("discord.form_errors"), reply)})
	default:
		c.send(ctx, deferred, reply)
	}
}

func fieldErrorText(heading string, r *bot.Reply) string {
	var b strings.Builder
	if r.Text != "" {
		b.WriteString(r.Text + "\n")
	}
	b.WriteString(heading)
	ids := make([]string, 0, len(r.FieldErrors))
	for id := range r.FieldErrors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString("\n- " + id + ": " + r.FieldErrors[id])
	}
	return b.String()
}

// send shows a text/card reply: ephemeral unless Public; text over 2,000
// characters continues in follow-up messages, split at line ends, and a
// line too long for one message is shortened in its middle (renderAnswer).
func (c *interactionCall) send(ctx context.Context, deferred bool, r *bot.Reply) {
	if r.Text == "" && r.Card == nil {
		r = &bot.Reply{Text: c.t("discord.done"), Public: r.Public}
	}
	bodies, err := renderAnswer(r.Text, r.Card)
	if err != nil {
		c.p.log.Error("reply cannot be shown on Discord", "event", c.ev.ID, "err", err)
		bodies, _ = renderAnswer(c.t("discord.failed"), nil)
		r = &bot.Reply{}
	}
	var flags discordgo.MessageFlags
	if !r.Public {
		flags = discordgo.MessageFlagsEphemeral
	}
	for i := range bodies {
		bodies[i].Flags = flags
	}
	first, rest := bodies[0], bodies[1:]
	switch {
	case !deferred:
		data := &discordgo.InteractionResponseData{
			Content: first.Content, Embeds: first.Embeds, Components: first.Components,
			AllowedMentions: first.AllowedMentions, Flags: first.Flags,
		}
		if !c.callback(ctx, discordgo.InteractionResponseChannelMessageWithSource, data) {
			return
		}
	case c.ev.Kind == bot.EventCommand && !r.Public:
		// The deferred "thinking" message becomes the reply.
		first.Flags = 0
		if !c.webhook(ctx, http.MethodPatch, discordgo.EndpointInteractionResponseActions(c.i.AppID, c.i.Token), first) {
			return
		}
	default:
		if c.ev.Kind == bot.EventCommand {
			// The deferred message is ephemeral; a public reply replaces it.
			c.webhook(ctx, http.MethodDelete, discordgo.EndpointInteractionResponseActions(c.i.AppID, c.i.Token), nil)
		}
		rest = bodies
	}
	for _, b := range rest {
		if !c.webhook(ctx, http.MethodPost, discordgo.EndpointWebhookToken(c.i.AppID, c.i.Token), b) {
			return
		}
	}
}

// callback sends the interaction's initial response; it reports success.
func (c *interactionCall) callback(ctx context.Context, typ discordgo.InteractionResponseType, data *discordgo.InteractionResponseData) bool {
	body := discordgo.InteractionResponse{Type: typ, Data: data}
	err := c.p.call(ctx, http.MethodPost, discordgo.EndpointInteractionResponse(c.i.ID, c.i.Token), c.bucket, body, nil)
	if err != nil {
		// 40060: already acknowledged (a redelivery); 10062: too late.
		c.p.log.Warn("interaction response failed", "event", c.ev.ID, "type", int(typ), "err", err)
		return false
	}
	return true
}

// webhook edits, deletes or follows up the interaction's messages.
func (c *interactionCall) webhook(ctx context.Context, method, endpoint string, body any) bool {
	if err := c.p.call(ctx, method, endpoint, c.bucket, body, nil); err != nil {
		c.p.log.Warn("interaction follow-up failed", "event", c.ev.ID, "method", method, "err", err)
		return false
	}
	return true
}

func (c *interactionCall) t(key string) string { return translate(c.lang, key) }

// translate renders one of the adapter's messages, falling back to English.
func translate(lang bot.Lang, key string) string {
	if s, ok := messages[lang][key]; ok {
		return s
	}
	if s, ok := messages[bot.English][key]; ok {
		return s
	}
	return key
}
