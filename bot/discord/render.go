package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Discord's limits, in characters unless said otherwise.
const (
	maxContent      = 2000
	maxEmbedTitle   = 256
	maxEmbedDesc    = 4096
	maxEmbedAuthor  = 256
	maxFieldName    = 256
	maxFieldValue   = 1024
	maxFooter       = 2048
	maxEmbedTotal   = 6000
	maxFields       = 25
	maxButtonLabel  = 80
	maxButtonsInRow = 5
	maxRows         = 5
	maxModalTitle   = 45
	maxInputLabel   = 45
	maxInputs       = 5
	maxPlaceholder  = 100
	maxInputValue   = 4000
	maxChoices      = 25
	maxChoiceName   = 100
)

// truncMarker ends text cut to fit a limit, so readers see it was cut.
const truncMarker = "… [truncated]"

// Tone colours (Discord's brand palette).
var toneColours = map[bot.Tone]int{
	bot.ToneNeutral: 0x5865F2,
	bot.ToneGood:    0x57F287,
	bot.ToneWarning: 0xFEE75C,
	bot.ToneDanger:  0xED4245,
}

// messageBody is the JSON of a message create or edit, an interaction
// response's data, or a webhook message. Embeds and components are always
// sent, so an edit replaces them.
type messageBody struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.MessageComponent      `json:"components"`
	Reference       *discordgo.MessageReference       `json:"message_reference,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	Attachments     []attachment                      `json:"attachments,omitempty"`
	// Nonce and EnforceNonce make a message create idempotent (see nonceFor).
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

type attachment struct {
	ID       int    `json:"id"`
	Filename string `json:"filename"`
}

// safeMentions lets the bot's messages ping users it names and the author of
// the message it replies to, never @everyone, @here or roles (a draft may
// quote them).
func safeMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{
		Parse:       []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers},
		RepliedUser: true,
	}
}

// renderMentions turns the neutral mentions of the bot's texts (see
// bot/text) into Discord markup: <@discord:1> into <@1>,
// <@discord-role:2> into <@&2>, <#discord:3> into <#3>. Mentions of another
// platform's users or channels become plain text (text.Mention.Plain).
// What pings is still limited by safeMentions.
func renderMentions(s string) string {
	return text.Render(s, func(m text.Mention) string {
		if m.Platform() != string(bot.Discord) {
			return m.Plain()
		}
		switch m.Kind {
		case text.MentionRole:
			return "<@&" + m.ID + ">"
		case text.MentionChannel:
			return "<#" + m.ID + ">"
		}
		return "<@" + m.ID + ">"
	})
}

// renderMessages turns text and an optional card into one or more message
// bodies: text longer than 2,000 characters is split at line or word
// boundaries; the card rides on the last body. Each body has its embeds and
// components set (possibly empty). Neutral mentions in text are rendered
// (renderMentions).
func renderMessages(msg string, card *bot.Card) ([]messageBody, error) {
	return renderBodies(splitText(renderMentions(msg), maxContent), card)
}

// renderAnswer renders the answer to an interaction like renderMessages,
// except that lines too long for one message are shortened in their middle
// (shorten) and the text is split at line ends only. When the other lines
// leave room, the long lines share what is left of one message, so an error
// echoing a long argument stays one message that ends with its reason; a
// long list continues in more messages, whole lines each.
func renderAnswer(msg string, card *bot.Card) ([]messageBody, error) {
	lines := strings.SplitAfter(renderMentions(msg), "\n")
	long, others := 0, 0
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > maxContent {
			long++
		} else {
			others += n
		}
	}
	budget := maxContent // for each long line, its line end included
	if long > 0 && (maxContent-others)/long >= minShortened {
		budget = (maxContent - others) / long
	}
	var chunks []string
	var cur strings.Builder
	n := 0 // characters in cur
	for _, l := range lines {
		if utf8.RuneCountInString(l) > maxContent {
			line, _ := strings.CutSuffix(l, "\n")
			l = shorten(line, budget-(len(l)-len(line))) + l[len(line):]
		}
		ln := utf8.RuneCountInString(l)
		if n+ln > maxContent && n > 0 {
			chunks = append(chunks, cur.String())
			cur.Reset()
			n = 0
		}
		cur.WriteString(l)
		n += ln
	}
	return renderBodies(append(chunks, cur.String()), card)
}

// minShortened is the least a long line of an answer keeps when it shares
// one message with the other lines (see renderAnswer).
const minShortened = 300

// renderBodies makes one body per chunk of rendered text; the card rides on
// the last.
func renderBodies(chunks []string, card *bot.Card) ([]messageBody, error) {
	out := make([]messageBody, len(chunks))
	for i, c := range chunks {
		out[i] = messageBody{Content: c, Embeds: []*discordgo.MessageEmbed{}, Components: []discordgo.MessageComponent{}, AllowedMentions: safeMentions()}
	}
	if card != nil {
		emb, comps, err := renderCard(card)
		if err != nil {
			return nil, err
		}
		last := &out[len(out)-1]
		last.Embeds, last.Components = []*discordgo.MessageEmbed{emb}, comps
	}
	return out, nil
}

// renderEdit renders a replacement for one message: text that does not fit
// is shortened in its middle, so its end survives (shorten).
func renderEdit(msg string, card *bot.Card) (messageBody, error) {
	b := messageBody{Content: shorten(renderMentions(msg), maxContent), Embeds: []*discordgo.MessageEmbed{}, Components: []discordgo.MessageComponent{}, AllowedMentions: safeMentions()}
	if card != nil {
		emb, comps, err := renderCard(card)
		if err != nil {
			return messageBody{}, err
		}
		b.Embeds, b.Components = []*discordgo.MessageEmbed{emb}, comps
	}
	return b, nil
}

// renderCard renders a card as an embed and rows of buttons.
//
// The embed: title (linked to URL), the context line as the author line, the
// quoted original as "> " lines then the body as the description, fields,
// footer, colour by tone. Every text is cut to Discord's limit with a
// visible marker. Neutral mentions are rendered in the title, context,
// fields and footer, which the bot writes, never in the quote or the body,
// which carry community text. Buttons go five to a row, at most five rows; Primary,
// Danger and Default map to Discord's Primary, Danger and Secondary styles,
// URL buttons to Link buttons. Button.Confirm has no Discord equivalent and
// is not rendered: actions that need it must be undoable.
func renderCard(c *bot.Card) (*discordgo.MessageEmbed, []discordgo.MessageComponent, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	emb := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: truncate(renderMentions(c.Title), maxEmbedTitle),
		URL:   c.URL,
		Color: toneColours[c.Tone],
	}
	if c.Context != "" {
		emb.Author = &discordgo.MessageEmbedAuthor{Name: truncate(renderMentions(c.Context), maxEmbedAuthor)}
	}
	var desc []string
	if c.Quote != "" {
		desc = append(desc, quote(c.Quote))
	}
	if c.Body != "" {
		desc = append(desc, c.Body)
	}
	emb.Description = truncate(strings.Join(desc, "\n\n"), maxEmbedDesc)
	for i, f := range c.Fields {
		if i == maxFields {
			break
		}
		name, value := truncate(renderMentions(f.Name), maxFieldName), truncate(renderMentions(f.Value), maxFieldValue)
		if strings.TrimSpace(name) == "" {
			name = "\u200b"
		}
		if strings.TrimSpace(value) == "" {
			value = "-"
		}
		emb.Fields = append(emb.Fields, &discordgo.MessageEmbedField{Name: name, Value: value, Inline: f.Inline})
	}
	if c.Footer != "" {
		emb.Footer = &discordgo.MessageEmbedFooter{Text: truncate(renderMentions(c.Footer), maxFooter)}
	}
	fitEmbed(emb)

	if len(c.Buttons) > maxButtonsInRow*maxRows {
		return nil, nil, fmt.Errorf("card %q: %d buttons, Discord shows at most %d", c.Title, len(c.Buttons), maxButtonsInRow*maxRows)
	}
	rows := []discordgo.MessageComponent{}
	var row []discordgo.MessageComponent
	for _, b := range c.Buttons {
		btn := discordgo.Button{Label: truncate(b.Label, maxButtonLabel), Style: buttonStyle(b.Style)}
		if b.URL != "" {
			btn.Style, btn.URL = discordgo.LinkButton, b.URL
		} else {
			btn.CustomID = b.ID
		}
		row = append(row, btn)
		if len(row) == maxButtonsInRow {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return emb, rows, nil
}

func buttonStyle(s bot.ButtonStyle) discordgo.ButtonStyle {
	switch s {
	case bot.StylePrimary:
		return discordgo.PrimaryButton
	case bot.StyleDanger:
		return discordgo.DangerButton
	}
	return discordgo.SecondaryButton
}

// quote prefixes every line with "> ".
func quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

// fitEmbed keeps the embed's total text within Discord's 6,000 characters by
// cutting the description, then the fields' values.
func fitEmbed(e *discordgo.MessageEmbed) {
	total := func() int {
		n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		if e.Author != nil {
			n += utf8.RuneCountInString(e.Author.Name)
		}
		if e.Footer != nil {
			n += utf8.RuneCountInString(e.Footer.Text)
		}
		for _, f := range e.Fields {
			n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		return n
	}
	if over := total() - maxEmbedTotal; over > 0 {
		keep := max(utf8.RuneCountInString(e.Description)-over, utf8.RuneCountInString(truncMarker))
		e.Description = truncate(e.Description, keep)
	}
	for i := len(e.Fields) - 1; i >= 0 && total() > maxEmbedTotal; i-- {
		e.Fields[i].Value = truncate(e.Fields[i].Value, utf8.RuneCountInString(truncMarker))
	}
}

// truncate cuts s to at most n characters, ending with truncMarker when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(truncMarker)
	if keep <= 0 {
		return string([]rune(truncMarker)[:n])
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:keep]), " \n") + truncMarker
}

// cutMarker stands for the characters shorten leaves out.
const cutMarker = " […] "

// shorten returns s when it has at most n characters, else its start and its
// end around cutMarker, n characters in all. The end keeps a third of them:
// what a message ends with (an error's reason after an echoed argument, a
// status line) is not lost to the limit.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	keep := n - utf8.RuneCountInString(cutMarker)
	if keep <= 0 {
		return string(r[len(r)-n:])
	}
	tail := keep / 3
	return string(r[:keep-tail]) + cutMarker + string(r[len(r)-tail:])
}

// splitText cuts s into pieces of at most n characters, preferring to cut
// after a newline, then after a space. It returns one piece for short or
// empty text.
func splitText(s string, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > n {
		cut := n
		if i := lastIndex(r[:n], '\n'); i >= n/2 {
			cut = i + 1
		} else if i := lastIndex(r[:n], ' '); i >= n/2 {
			cut = i + 1
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
	}
	return append(out, string(r))
}

func lastIndex(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

// renderModal renders a form as a modal's data (custom_id, title, rows of
// one text input each).
func renderModal(f *bot.Form) (*discordgo.InteractionResponseData, error) {
	if f.ID == "" || len(f.ID) > bot.MaxButtonID {
		return nil, fmt.Errorf("form %q: id must be 1..%d bytes", f.ID, bot.MaxButtonID)
	}
	if len(f.Fields) == 0 || len(f.Fields) > maxInputs {
		return nil, fmt.Errorf("form %q: %d fields, Discord shows 1..%d", f.ID, len(f.Fields), maxInputs)
	}
	data := &discordgo.InteractionResponseData{CustomID: f.ID, Title: truncate(f.Title, maxModalTitle)}
	for _, fld := range f.Fields {
		in := discordgo.TextInput{
			CustomID:    fld.ID,
			Label:       truncate(fld.Label, maxInputLabel),
			Style:       discordgo.TextInputShort,
			Placeholder: truncate(fld.Placeholder, maxPlaceholder),
			Value:       truncate(fld.Value, maxInputValue),
			Required:    fld.Required,
			MaxLength:   min(fld.MaxLen, maxInputValue),
		}
		if fld.Multiline {
			in.Style = discordgo.TextInputParagraph
		}
		if fld.MaxLen <= 0 {
			in.MaxLength = maxInputValue
		}
		if utf8.RuneCountInString(in.Value) > in.MaxLength {
			in.Value = truncate(in.Value, in.MaxLength)
		}
		data.Components = append(data.Components, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
	}
	return data, nil
}

// renderChoices renders autocomplete suggestions (at most 25, names and
// values at most 100 characters).
func renderChoices(cs []bot.Choice) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(cs), maxChoices))
	for i, c := range cs {
		if i == maxChoices {
			break
		}
		if c.Value == "" || utf8.RuneCountInString(c.Value) > maxChoiceName {
			continue // a value Discord would refuse cannot be chosen anyway
		}
		name := c.Name
		if name == "" {
			name = c.Value
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: c.Value})
	}
	return out
}
