package slack

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/commpilot/commpilot/bot"
)

// linkActionPrefix marks the action_id of link buttons: Slack sends a
// block_actions payload for them too, which the adapter acknowledges and
// otherwise ignores.
const linkActionPrefix = "url:"

// denyLabel is the deny button of confirm dialogs; a symbol, because the
// adapter does not know the team's language.
const denyLabel = "✕"

// toneEmoji stands for a card's tone, since blocks have no colour.
func toneEmoji(t bot.Tone) string {
	switch t {
	case bot.ToneGood:
		return ":large_green_circle: "
	case bot.ToneWarning:
		return ":warning: "
	case bot.ToneDanger:
		return ":red_circle: "
	}
	return ""
}

func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, max), true, false)
}

func mrkdwn(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, truncate(s, max), false, false)
}

// renderCard renders c as Block Kit: header (Title, with the tone as an
// emoji), context line (Context and a link to URL), the quoted original,
// fields (ten per section), body, footer and one actions block. Quote and
// Body are untrusted and fully escaped; the other texts keep user and
// channel references. Every text is cut to Slack's limits with a visible
// marker.
func renderCard(c *bot.Card) []slack.Block {
	var blocks []slack.Block
	if c.Title != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plain(toneEmoji(c.Tone)+c.Title, maxHeaderText)))
	}
	var ctx []string
	if c.Context != "" {
		ctx = append(ctx, escapeKeepRefs(c.Context))
	}
	if c.URL != "" {
		ctx = append(ctx, "<"+c.URL+"|↗>")
	}
	if len(ctx) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(strings.Join(ctx, " · "), maxSectionText)))
	}
	if c.Quote != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(quote(c.Quote), maxSectionText), nil, nil))
	}
	for start := 0; start < len(c.Fields); start += maxFields {
		end := min(start+maxFields, len(c.Fields))
		fields := make([]*slack.TextBlockObject, 0, end-start)
		for _, f := range c.Fields[start:end] {
			fields = append(fields, mrkdwn("*"+escapeKeepRefs(f.Name)+"*\n"+escapeKeepRefs(f.Value), maxFieldText))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	}
	if c.Body != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(escapeAll(c.Body), maxSectionText), nil, nil))
	}
	if c.Footer != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(escapeKeepRefs(c.Footer), maxSectionText)))
	}
	if len(c.Buttons) > 0 {
		elems := make([]slack.BlockElement, 0, len(c.Buttons))
		for i, b := range c.Buttons {
			elems = append(elems, renderButton(i, b))
		}
		blocks = append(blocks, slack.NewActionBlock("", elems...))
	}
	return blocks
}

// quote renders untrusted text as a Slack quote, one "> " per line.
func quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + escapeAll(l)
	}
	return strings.Join(lines, "\n")
}

func renderButton(i int, b bot.Button) *slack.ButtonBlockElement {
	if b.URL != "" {
		return slack.NewButtonBlockElement(linkActionPrefix+strconv.Itoa(i), "", plain(b.Label, maxButtonText)).WithURL(b.URL)
	}
	btn := slack.NewButtonBlockElement(b.ID, "", plain(b.Label, maxButtonText))
	switch b.Style {
	case bot.StylePrimary:
		btn = btn.WithStyle(slack.StylePrimary)
	case bot.StyleDanger:
		btn = btn.WithStyle(slack.StyleDanger)
	}
	if b.Confirm != "" {
		confirm := slack.NewConfirmationBlockObject(
			plain(b.Label, maxConfirmHead), plain(b.Confirm, maxConfirmText),
			plain(b.Label, maxConfirmBtn), plain(denyLabel, maxConfirmBtn))
		if b.Style == bot.StyleDanger {
			confirm = confirm.WithStyle(slack.StyleDanger)
		}
		btn = btn.WithConfirm(confirm)
	}
	return btn
}

// message is the text and blocks of one Slack message.
type message struct {
	// text is the message text, or the notification fallback when blocks
	// are set.
	text   string
	blocks []slack.Block
}

// renderMessage renders what an Action or Reply says in the bot's own words
// (see escapeKeepRefs). With a card, text (if any) becomes a section above
// the card and the notification text is text or the card's title.
func renderMessage(text string, card *bot.Card) message {
	return render(escapeKeepRefs(text), card)
}

// renderDraft is renderMessage for a reply to a member whose text a person
// or an LLM wrote: its user-group mentions do not ping (see escapeKeepUsers).
func renderDraft(text string, card *bot.Card) message {
	return render(escapeKeepUsers(text), card)
}

// render renders text, already escaped, with card.
func render(text string, card *bot.Card) message {
	if card == nil {
		return message{text: truncate(text, maxMessageText)}
	}
	var blocks []slack.Block
	if text != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text, maxSectionText), nil, nil))
	}
	blocks = append(blocks, renderCard(card)...)
	fallback := text
	if fallback == "" {
		fallback = escapeKeepRefs(card.Title)
	}
	return message{text: truncate(fallback, maxSectionText), blocks: blocks}
}

// renderForm renders f as a modal. Each field is an input block whose
// block_id and action_id are both the field's ID, so a view_submission maps
// back to field values and response_action errors land on the right input.
// metadata is kept in private_metadata and comes back on submission.
func renderForm(f *bot.Form, metadata string) slack.ModalViewRequest {
	title, submit := f.Title, f.Submit
	if title == "" {
		title = "commpilot"
	}
	if submit == "" {
		submit = "OK"
	}
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      f.ID,
		Title:           plain(title, maxModalTitle),
		Submit:          plain(submit, maxModalTitle),
		PrivateMetadata: metadata,
	}
	for _, fld := range f.Fields {
		limit := maxInputValue
		if fld.MaxLen > 0 {
			limit = min(fld.MaxLen, maxInputValue)
		}
		in := slack.NewPlainTextInputBlockElement(nil, fld.ID).
			WithInitialValue(truncate(fld.Value, limit)).
			WithMultiline(fld.Multiline).
			WithMaxLength(limit)
		if fld.Placeholder != "" {
			in.Placeholder = plain(fld.Placeholder, maxPlaceholder)
		}
		block := slack.NewInputBlock(fld.ID, plain(fld.Label, maxInputLabel), nil, in)
		block.Optional = !fld.Required
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, block)
	}
	return v
}
