package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// Slack's limits, in characters, on what the adapter sends.
const (
	maxMessageText = 40000 // chat.postMessage text
	maxSectionText = 3000  // section text, quote, body
	maxHeaderText  = 150   // header block
	maxFieldText   = 2000  // one section field
	maxFields      = 10    // fields per section
	maxButtonText  = 75    // button label
	maxConfirmText = 300   // confirm dialog text
	maxConfirmHead = 100   // confirm dialog title
	maxConfirmBtn  = 30    // confirm / deny labels
	maxModalTitle  = 24    // modal title and submit label
	maxInputLabel  = 2000  // input block label
	maxPlaceholder = 150   // input placeholder
	maxInputValue  = 3000  // plain_text_input max_length
)

// truncMarker is appended to anything cut to fit a Slack limit, so readers
// see that text is missing.
const truncMarker = "…"

// truncate cuts s to at most max characters, the last being truncMarker
// when something was cut.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + truncMarker
		}
		n++
	}
	return s
}

// escapeAll escapes &, < and > so Slack shows text literally: no mention,
// no link, no @channel. For untrusted text (community messages, drafts).
func escapeAll(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		writeEscaped(&b, s[i])
	}
	return b.String()
}

// writeEscaped writes byte c of a text, escaping &, < and >.
func writeEscaped(b *strings.Builder, c byte) {
	switch c {
	case '&':
		b.WriteString("&amp;")
	case '<':
		b.WriteString("&lt;")
	case '>':
		b.WriteString("&gt;")
	default:
		b.WriteByte(c)
	}
}

// escapeKeepRefs renders the neutral mentions of the bot's own texts
// (<@slack:U1>, see bot/text) as Slack references and escapes the rest like
// escapeAll, except Slack user, channel and user-group references
// (<@U123>, <#C123|name>, <!subteam^S1>), which keep working. Broadcasts
// (<!here>, <!channel>, <!everyone>) and labelled links are shown literally.
func escapeKeepRefs(s string) string { return escapeExcept(renderMentions(s), true) }

// escapeKeepUsers is escapeKeepRefs for text the bot did not write, sent to
// the community (a draft reply by a person or an LLM): user and channel
// references still work, but user-group mentions are shown literally like
// broadcasts, so the text can ping no group.
func escapeKeepUsers(s string) string { return escapeExcept(renderMentions(s), false) }

// renderMentions turns neutral mentions into Slack references: <@slack:U1>
// into <@U1>, <@slack-role:S1|@mods> into <!subteam^S1|@mods>,
// <#slack:C1> into <#C1>. Mentions of another platform's users or channels
// become plain text (text.Mention.Plain).
func renderMentions(s string) string {
	return text.Render(s, func(m text.Mention) string {
		if m.Platform() != string(bot.Slack) {
			return m.Plain() // escaped with the rest of the text
		}
		label := ""
		if m.Label != "" {
			label = "|" + m.Label
		}
		switch m.Kind {
		case text.MentionRole:
			return "<!subteam^" + m.ID + label + ">"
		case text.MentionChannel:
			return "<#" + m.ID + label + ">"
		}
		return "<@" + m.ID + label + ">"
	})
}

// escapeExcept escapes like escapeAll except user and channel references,
// and user-group references when groups is set.
func escapeExcept(s string, groups bool) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		if s[i] == '<' {
			if end := strings.IndexByte(s[i:], '>'); end > 0 && isRef(s[i+1:i+end], groups) {
				b.WriteString(s[i : i+end+1])
				i += end + 1
				continue
			}
		}
		writeEscaped(&b, s[i])
		i++
	}
	return b.String()
}

// isRef reports whether inner (the text between < and >) is a user or
// channel reference, or, when groups is set, a user-group reference.
func isRef(inner string, groups bool) bool {
	id, _, _ := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(id, "@"):
		id = id[1:]
	case strings.HasPrefix(id, "#"):
		id = id[1:]
	case groups && strings.HasPrefix(id, "!subteam^"):
		id = id[len("!subteam^"):]
	default:
		return false
	}
	if id == "" {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// decodeText turns Slack's wire format of a message into plain text: links
// become their URL (<http://x|label> → http://x, <mailto:a@b|a@b> →
// mailto:a@b), HTML entities are decoded, and user, channel and user-group
// references (<@U1>, <#C1|general>, <!subteam^S1>) are kept as they are.
// Broadcasts become their visible form (@here, @channel, @everyone), even
// when labelled.
func decodeText(s string) string { return decode(s, false) }

// decodeCommand is decodeText for a command line: user, channel and
// user-group references become neutral mentions (<@slack:U1>,
// <#slack:C1|general>, <@slack-role:S1|@mods>), which the router binds.
func decodeCommand(s string) string { return decode(s, true) }

// decode is decodeText, or decodeCommand when neutral is set.
func decode(s string, neutral bool) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			inner := s[i+1 : i+end]
			switch {
			case isRef(inner, true) && neutral:
				b.WriteString(neutralRef(inner))
			case isRef(inner, true):
				b.WriteString(s[i : i+end+1])
			case strings.HasPrefix(inner, "!"):
				name, label, _ := strings.Cut(inner[1:], "|")
				if label != "" && !isBroadcast(name) {
					b.WriteString(label) // a date's fallback text
				} else {
					b.WriteString("@" + name)
				}
			default:
				target, _, _ := strings.Cut(inner, "|")
				b.WriteString(decodeEntities(target))
			}
			i += end + 1
		case '&':
			n := decodeEntity(&b, s[i:])
			i += n
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// isBroadcast reports whether name (of a <!name> entity) pings a whole
// channel. Whatever its label, it is written @everyone, @channel or @here,
// which bot/text reads as MentionEveryone or MentionHere: skills recognise
// a broadcast by that (it cannot be made staff, for example).
func isBroadcast(name string) bool {
	return name == "everyone" || name == "channel" || name == "here"
}

// neutralRef writes the Slack reference inner (between < and >, already
// checked by isRef) as a neutral mention.
func neutralRef(inner string) string {
	ref, label, _ := strings.Cut(inner, "|")
	var m string
	switch {
	case strings.HasPrefix(ref, "#"):
		m = text.ChannelMention(string(bot.Slack) + ":" + ref[1:])
	case strings.HasPrefix(ref, "@"):
		m = text.MentionOf(string(bot.Slack) + ":" + ref[1:])
	default:
		m = text.MentionOf(string(bot.Slack) + "-role:" + strings.TrimPrefix(ref, "!subteam^"))
	}
	if label != "" {
		m = m[:len(m)-1] + "|" + label + ">" // still entity-encoded: no < or >
	}
	return m
}

// decodeEntities decodes &amp; &lt; &gt; in s.
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			i += decodeEntity(&b, s[i:])
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// decodeEntity writes the character of the entity s starts with and returns
// how many bytes it used; Slack only encodes &amp; &lt; &gt;.
func decodeEntity(b *strings.Builder, s string) int {
	for _, e := range [...]struct{ ent, ch string }{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}} {
		if strings.HasPrefix(s, e.ent) {
			b.WriteString(e.ch)
			return len(e.ent)
		}
	}
	b.WriteByte('&')
	return 1
}

// mentions reports whether text (in Slack's wire format) mentions userID.
func mentions(text, userID string) bool {
	if userID == "" {
		return false
	}
	return strings.Contains(text, "<@"+userID+">") || strings.Contains(text, "<@"+userID+"|")
}
