package inbox

import (
	"fmt"
	"strings"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// render builds an item's card in the team's language. Its buttons follow
// the state: a draft can be approved, edited, regenerated, rejected or
// assigned; a pending send can be undone; an unknown send asks a person.
func (s *Skill) render(st bot.Settings, it bot.Item) *bot.Card {
	l := st.Lang()
	t := func(k string, a ...any) string { return s.Catalog.T(l, k, a...) }
	first := it.First()
	loc := st.Location()
	c := &bot.Card{
		Title: t("inbox.card.title", t("kind."+string(it.Triage.Kind)), it.ID, it.Author.Display()),
		URL:   it.Link,
		Context: t("inbox.card.context", string(first.Ref.Channel.Platform), first.Ref.Channel.Mention(),
			first.Time.In(loc).Format("2006-01-02 15:04"), loc.String()),
		Quote: quote(it.Messages, t("inbox.card.deleted")),
		Tone:  tone(it),
	}
	c.Fields = []bot.Field{
		{Name: t("inbox.card.kind"), Value: t("kind." + string(it.Triage.Kind)), Inline: true},
		{Name: t("inbox.card.sentiment"), Value: fmt.Sprintf("%s (%+.2f)", sentimentWord(t, it.Triage.Sentiment), it.Triage.Sentiment), Inline: true},
		{Name: t("inbox.card.urgency"), Value: t("urgency." + string(it.Triage.Urgency)), Inline: true},
		{Name: t("inbox.card.language"), Value: it.Triage.Lang, Inline: true},
	}
	if len(it.Triage.Cues) > 0 {
		c.Fields = append(c.Fields, bot.Field{Name: t("inbox.card.why"), Value: strings.Join(first5(it.Triage.Cues), ", ")})
	}
	if it.Assignee.ID != "" {
		c.Fields = append(c.Fields, bot.Field{Name: t("inbox.card.assigned"), Value: it.Assignee.Mention(), Inline: true})
	}
	if it.Draft != "" {
		head := t("inbox.card.draft", it.DraftVersion, draftSource(t, it))
		body := head + "\n" + it.Draft
		for _, f := range it.Flags {
			body += "\n⚠ " + flagText(t, f, it)
		}
		c.Body = body
	}
	c.Footer = s.status(t, st, it)
	c.Buttons = buttons(t, it)
	return c
}

func draftSource(t func(string, ...any) string, it bot.Item) string {
	switch it.DraftSource {
	case "llm":
		return t("inbox.card.src_llm")
	case "edited":
		return t("inbox.card.src_edited")
	}
	if it.DraftNote != "" {
		return t("inbox.card.src_offline_why", it.DraftNote)
	}
	return t("inbox.card.src_offline")
}

// status is the card's footer: who did what, when.
func (s *Skill) status(t func(string, ...any) string, st bot.Settings, it bot.Item) string {
	at := func(tm interface{ Format(string) string }) string { return tm.Format("15:04") }
	loc := st.Location()
	switch it.State {
	case bot.ItemNew:
		return t("inbox.status.new")
	case bot.ItemDrafted:
		if it.Reason == "failed" {
			return t("inbox.status.failed")
		}
		return t("inbox.status.drafted")
	case bot.ItemPending:
		return t("inbox.status.pending", it.Approver.Display(), int(it.SendAt.Sub(s.Now()).Round(1e9).Seconds()))
	case bot.ItemSending:
		return t("inbox.status.sending", it.Approver.Display())
	case bot.ItemSent:
		msg := t("inbox.status.sent", it.SentBy.Display(), at(it.SentAt.In(loc)))
		if link := s.Link(it.Sent); link != "" {
			msg += " — " + link
		}
		return msg
	case bot.ItemUnknown:
		return t("inbox.status.unknown")
	case bot.ItemRejected:
		last := lastBy(it, "rejected")
		if it.Reason != "" {
			return t("inbox.status.rejected_why", last.Display(), it.Reason)
		}
		return t("inbox.status.rejected", last.Display())
	case bot.ItemClosed:
		return t("inbox.status.closed", lastBy(it, "closed").Display())
	}
	return string(it.State)
}

func lastBy(it bot.Item, what string) bot.UserRef {
	for i := len(it.History) - 1; i >= 0; i-- {
		if it.History[i].What == what {
			return it.History[i].Actor
		}
	}
	return bot.UserRef{}
}

func buttons(t func(string, ...any) string, it bot.Item) []bot.Button {
	switch it.State {
	case bot.ItemDrafted:
		return []bot.Button{
			{Label: t("inbox.btn.approve"), ID: actApprove.ID(it.ID, it.DraftVersion), Style: bot.StylePrimary},
			{Label: t("inbox.btn.edit"), ID: actEdit.ID(it.ID, it.DraftVersion)},
			{Label: t("inbox.btn.regen"), ID: actRegen.ID(it.ID, it.DraftVersion)},
			{Label: t("inbox.btn.reject"), ID: actReject.ID(it.ID), Style: bot.StyleDanger, Confirm: t("inbox.btn.reject_confirm")},
			{Label: t("inbox.btn.assign"), ID: actAssign.ID(it.ID)},
		}
	case bot.ItemPending:
		return []bot.Button{{Label: t("inbox.btn.undo"), ID: actUndo.ID(it.ID), Style: bot.StyleDanger}}
	case bot.ItemUnknown:
		return []bot.Button{
			{Label: t("inbox.btn.mark_sent"), ID: actMarkSent.ID(it.ID), Style: bot.StylePrimary},
			{Label: t("inbox.btn.resend"), ID: actResend.ID(it.ID, it.DraftVersion), Confirm: t("inbox.btn.resend_confirm")},
			{Label: t("inbox.btn.reject"), ID: actReject.ID(it.ID), Style: bot.StyleDanger},
		}
	}
	return nil
}

func tone(it bot.Item) bot.Tone {
	switch {
	case it.State == bot.ItemSent:
		return bot.ToneGood
	case it.State == bot.ItemUnknown || it.Triage.Urgency == bot.UrgencyCritical:
		return bot.ToneDanger
	case it.Triage.Urgency == bot.UrgencyHigh || it.Triage.Kind == bot.KindComplaint:
		return bot.ToneWarning
	}
	return bot.ToneNeutral
}

func sentimentWord(t func(string, ...any) string, v float64) string {
	switch {
	case v <= -0.25:
		return t("sentiment.negative")
	case v >= 0.25:
		return t("sentiment.positive")
	}
	return t("sentiment.neutral")
}

// maxQuote bounds the quoted conversation on a card.
const maxQuote = 1500

// quote is the conversation quoted on the card; a message its author
// deleted shows as deleted.
func quote(ms []bot.ItemMessage, deleted string) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Deleted {
			parts = append(parts, deleted)
		} else {
			parts = append(parts, m.Text)
		}
	}
	return text.Shorten(strings.Join(parts, "\n—\n"), maxQuote+1)
}

func first5(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// flagText is the sentence of flag f (see Flags) on it's card.
func flagText(t func(string, ...any) string, f string, it bot.Item) string {
	if url, ok := strings.CutPrefix(f, "link:"); ok {
		return t("inbox.flag.link", url)
	}
	if lang, ok := strings.CutPrefix(f, "language:"); ok {
		return t("inbox.flag.language", bot.Key("inbox.lang."+lang), bot.Key("inbox.lang."+it.Triage.Lang))
	}
	return t("inbox.flag." + f)
}
