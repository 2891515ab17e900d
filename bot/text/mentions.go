package text

import "strings"

// MentionKind says what a mention names.
type MentionKind uint8

// Mention kinds.
const (
	MentionUser     MentionKind = iota + 1
	MentionRole                 // a Discord role or a Slack user group
	MentionChannel              // a channel, by reference (not @channel)
	MentionEveryone             // @everyone, or Slack's @channel: the whole channel or server
	MentionHere                 // @here: whoever is online
)

// Mention is one mention in a text: s[Start:End] is how it is written.
type Mention struct {
	Kind MentionKind
	// Ref is the neutral reference of the user, role or channel named
	// ("slack:U1", "discord-role:42", "slack:C1"); "" for broadcasts and
	// raw mentions.
	Ref string
	// ID is the platform id named ("U1", "42"); "" for broadcasts.
	ID string
	// Label is the display name given after "|", if any.
	Label string
	// Raw marks a ping written as a platform would read it rather than in
	// the neutral form: <@123>, <@&123>, <!subteam^S1>, <!here>, or a plain
	// @everyone. Raw mentions are counted (they are attempts at pinging)
	// but never rendered.
	Raw        bool
	Start, End int
}

// Platform returns the platform of a neutral mention's reference
// ("slack" for "slack-role:S1"), or "".
func (m Mention) Platform() string {
	p, _, _ := strings.Cut(m.Ref, ":")
	return strings.TrimSuffix(p, "-role")
}

// MentionOf returns the neutral mention of a user or role reference:
// "<@slack:U1>", "<@discord-role:42>".
func MentionOf(ref string) string { return "<@" + ref + ">" }

// ChannelMention returns the neutral mention of a channel reference:
// "<#slack:C1>".
func ChannelMention(ref string) string { return "<#" + ref + ">" }

// Mentions returns the mentions of s in order: neutral mentions (see the
// package documentation) and, as Raw, the pings a platform would read —
// Discord's <@ID>, <@!ID>, <@&ID>, <#ID>, Slack's <@U…|name>, <#C…|name>,
// <!subteam^S…|@name>, <!here>, <!channel>, <!everyone>, and a plain
// @everyone, @here or @channel, in any case.
func Mentions(s string) []Mention {
	var out []Mention
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			if m, ok := parseAngle(s, i); ok {
				out = append(out, m)
				i = m.End - 1
			}
		case '@':
			if m, ok := parseBroadcast(s, i); ok {
				out = append(out, m)
				i = m.End - 1
			}
		}
	}
	return out
}

// Counts counts the mentions of a text by kind.
type Counts struct {
	Users, Roles, Channels int
	// Everyone is set by any @everyone, @here or @channel, neutral or raw.
	Everyone bool
}

// Count counts the mentions of s (see Mentions).
func Count(s string) Counts {
	var c Counts
	for _, m := range Mentions(s) {
		switch m.Kind {
		case MentionUser:
			c.Users++
		case MentionRole:
			c.Roles++
		case MentionChannel:
			c.Channels++
		default:
			c.Everyone = true
		}
	}
	return c
}

// Render returns s with each neutral mention replaced by render(m); the
// rest of s, raw mentions included, is kept as it is. Adapters call it to
// turn what skills write into their platform's markup.
func Render(s string, render func(Mention) string) string {
	if !strings.ContainsAny(s, "<") {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range Mentions(s) {
		if m.Raw {
			continue
		}
		b.WriteString(s[last:m.Start])
		b.WriteString(render(m))
		last = m.End
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maxMention bounds how far a mention's closing > is looked for.
const maxMention = 160

// parseAngle reads the mention that starts with the < at s[i].
func parseAngle(s string, i int) (Mention, bool) {
	rest := s[i+1:]
	if len(rest) > maxMention {
		rest = rest[:maxMention]
	}
	j := strings.IndexAny(rest, "<>")
	if j < 1 || rest[j] != '>' {
		return Mention{}, false
	}
	inner, label, _ := strings.Cut(rest[:j], "|")
	if inner == "" {
		return Mention{}, false
	}
	m := Mention{Start: i, End: i + 1 + j + 1, Label: label}
	switch inner[0] {
	case '@':
		body := inner[1:]
		if p, id, ok := strings.Cut(body, ":"); ok {
			if !isPlatformName(strings.TrimSuffix(p, "-role")) || !isID(id) {
				return Mention{}, false
			}
			m.Kind, m.Ref, m.ID = MentionUser, body, id
			if strings.HasSuffix(p, "-role") {
				m.Kind = MentionRole
			}
			return m, true
		}
		m.Raw, m.Kind = true, MentionUser
		if r, ok := strings.CutPrefix(body, "&"); ok {
			m.Kind, body = MentionRole, r
		} else {
			body = strings.TrimPrefix(body, "!")
		}
		m.ID = body
		return m, isID(body)
	case '#':
		body := inner[1:]
		m.Kind = MentionChannel
		if p, id, ok := strings.Cut(body, ":"); ok {
			m.Ref, m.ID = body, id
			return m, isPlatformName(p) && !strings.HasSuffix(p, "-role") && isID(id)
		}
		m.Raw, m.ID = true, body
		return m, isID(body)
	case '!':
		m.Raw = true
		body := inner[1:]
		if id, ok := strings.CutPrefix(body, "subteam^"); ok {
			m.Kind, m.ID = MentionRole, id
			return m, isID(id)
		}
		switch strings.ToLower(body) {
		case "everyone", "channel":
			m.Kind = MentionEveryone
		case "here":
			m.Kind = MentionHere
		default:
			return Mention{}, false
		}
		return m, true
	}
	return Mention{}, false
}

// parseBroadcast reads a plain @everyone, @here or @channel at s[i].
func parseBroadcast(s string, i int) (Mention, bool) {
	if i > 0 {
		if r, _ := lastRune(s[:i]); IsWordRune(r) {
			return Mention{}, false // an e-mail address
		}
	}
	for _, w := range [...]struct {
		word string
		kind MentionKind
	}{{"everyone", MentionEveryone}, {"channel", MentionEveryone}, {"here", MentionHere}} {
		end := i + 1 + len(w.word)
		if end > len(s) || !strings.EqualFold(s[i+1:end], w.word) {
			continue
		}
		if end < len(s) {
			if r, _ := DecodeRune(s, end); IsWordRune(r) {
				continue
			}
		}
		return Mention{Kind: w.kind, Raw: true, Start: i, End: end}, true
	}
	return Mention{}, false
}

func lastRune(s string) (rune, int) {
	j := len(s) - 1
	for j > 0 && s[j]&0xC0 == 0x80 && len(s)-j < 4 {
		j--
	}
	return DecodeRune(s, j)
}

// isPlatformName accepts platform names: lower-case letters.
func isPlatformName(p string) bool {
	if p == "" || len(p) > 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'a' || p[i] > 'z' {
			return false
		}
	}
	return true
}

// isID accepts the characters of Discord and Slack ids: digits and
// letters, at most 32.
func isID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// ParseMention reads s as exactly one mention, neutral or raw.
func ParseMention(s string) (Mention, bool) {
	if s == "" || s[0] != '<' {
		return Mention{}, false
	}
	m, ok := parseAngle(s, 0)
	return m, ok && m.End == len(s)
}

// Plain is how a neutral mention reads where it cannot be rendered as
// markup (a Slack channel named in a Discord message): its label, else its
// reference, after @ or #. It pings no one.
func (m Mention) Plain() string {
	sigil := "@"
	if m.Kind == MentionChannel {
		sigil = "#"
	}
	if m.Label != "" {
		return sigil + strings.TrimLeft(m.Label, "@#")
	}
	return sigil + m.Ref
}

// Defuse returns s with every mention in it — neutral or in a platform's
// markup — broken by a word joiner (U+2060) after its "<", so that text
// from the community (a display name, a quoted snippet) placed inside the
// bot's own text reads the same but renders and pings as nothing.
func Defuse(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range Mentions(s) {
		if s[m.Start] != '<' {
			continue
		}
		b.WriteString(s[last : m.Start+1])
		b.WriteString("\u2060")
		last = m.Start + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// IsReference reports whether the word c (text without white space)
// starts with a reference written between < and >: a mention, neutral or
// in a platform's markup (<@slack:U1>, <@123>, <#C1|general>, <!here>), or
// a Discord custom emoji (<:name:123>, <a:name:123>). Word scanners skip
// such words: they name something, they say nothing.
func IsReference(c string) bool {
	if len(c) < 4 || c[0] != '<' || strings.IndexByte(c, '>') < 0 {
		return false
	}
	switch c[1] {
	case '@', '#', ':', '!':
		return true
	case 'a':
		return c[2] == ':'
	}
	return false
}
