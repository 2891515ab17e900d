package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folder maps the runes below 0x250 (Latin-1 and Latin Extended-A/B) to
// their lower-case base letter: "É" to 'e', "ç" to 'c'. Zero means the rune
// folds to two letters (ß, æ, œ) or is not a letter.
type folder [0x250]rune

func newFolder() *folder {
	var f folder
	for r := rune(0); r < 0x250; r++ {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r)))
		if base < 0x80 {
			f[r] = unicode.ToLower(base)
		} else {
			f[r] = unicode.ToLower(r)
		}
	}
	for _, r := range "ßẞæÆœŒ" {
		if r < 0x250 {
			f[r] = 0
		}
	}
	f['ø'], f['Ø'], f['đ'], f['Đ'], f['ł'], f['Ł'], f['ı'] = 'o', 'o', 'd', 'd', 'l', 'l', 'i'
	return &f
}

// appendFold appends the folded form of a letter or digit r to b.
func (f *folder) appendFold(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	case r < 0x250:
		if fr := f[r]; fr != 0 {
			return utf8.AppendRune(b, fr)
		}
		switch r {
		case 'ß':
			return append(b, 's', 's')
		case 'æ', 'Æ':
			return append(b, 'a', 'e')
		case 'œ', 'Œ':
			return append(b, 'o', 'e')
		}
		return utf8.AppendRune(b, unicode.ToLower(r))
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

// Token kinds.
const (
	tWord uint8 = iota
	tEmoji
	tEmote
)

// token is one word, emoji or emoticon of a message.
type token struct {
	s, e    int32 // folded bytes in scratch.buf (empty for emoji)
	w       *word // what the model knows; nil when nothing
	clause  int32 // clause number: commas and sentence ends separate clauses
	kind    uint8
	caps    bool // at least two letters, all upper case
	start   bool // first word of a sentence
	neutral bool // covered by a greeting: no sentiment
	name    bool // part of a brand or competitor keyword: no language evidence
	handle  bool // written as @name: addressed to someone, no language evidence
	emoji   rune
}

// scratch holds the per-message working memory; it is pooled.
type scratch struct {
	buf   []byte
	toks  []token
	fired []int32
	feats []uint32 // the learned model's hashed features
	kw    []byte
	kwTok [][2]int32

	letters, upper, nonLatin int
	excl, exclRun, maxExcl   int
	quest                    int
	urls, invites, money     int
	longDigits, phones       int
	clause                   int32
	start                    bool
}

func (sc *scratch) reset() {
	sc.buf, sc.toks, sc.fired = sc.buf[:0], sc.toks[:0], sc.fired[:0]
	sc.letters, sc.upper, sc.nonLatin = 0, 0, 0
	sc.excl, sc.exclRun, sc.maxExcl, sc.quest = 0, 0, 0, 0
	sc.urls, sc.invites, sc.money, sc.longDigits, sc.phones = 0, 0, 0, 0, 0
	sc.clause, sc.start = 0, true
}

func (sc *scratch) word(i int) []byte { t := &sc.toks[i]; return sc.buf[t.s:t.e] }

// tokenize splits text into tokens, folding words to lower case without
// accents. It never fails: invalid UTF-8 and control characters separate
// words, combining marks are dropped.
func (m *model) tokenize(sc *scratch, text string) {
	sc.reset()
	for i := 0; i < len(text); {
		r, size := decodeRune(text, i)
		if isSpace(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r, size := decodeRune(text, j)
			if isSpace(r) {
				break
			}
			j += size
		}
		m.chunk(sc, text[i:j])
		i = j
	}
	sc.exclRun = 0
}

func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isMark reports runes that decorate the previous one: combining marks
// (zalgo), variation selectors, zero-width joiners, skin tones.
func isMark(r rune) bool {
	if r < 0x300 {
		return false
	}
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200D || r == 0x200B ||
		r == 0xFEFF || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF)
}

func isEmojiRune(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2190 && unicode.Is(unicode.So, r)
}

// elided reports French elided words split off at an apostrophe: l', d', n',
// j', qu', c', s', t', m', jusqu', lorsqu', puisqu'.
func elided(w []byte) bool {
	switch string(w) {
	case "l", "d", "n", "j", "qu", "c", "s", "t", "m", "jusqu", "lorsqu", "puisqu":
		return true
	}
	return false
}

// chunk tokenizes one whitespace-separated piece of text.
func (m *model) chunk(sc *scratch, c string) {
	if platformMarkup(c) {
		return
	}
	if url, invite := isURL(c); url {
		sc.urls++
		if invite {
			sc.invites++
		}
		return
	}
	if len(c) <= 6 {
		if w := m.emotes[c]; w != nil {
			sc.toks = append(sc.toks, token{w: w, kind: tEmote, clause: sc.clause})
			return
		}
	}
	open := false
	var t token
	letters, upper := 0, 0
	digits := 0
	end := func() {
		if !open {
			return
		}
		open = false
		t.e = int32(len(sc.buf))
		t.caps = letters >= 2 && upper == letters
		t.w = m.words[string(sc.buf[t.s:t.e])]
		t.clause = sc.clause
		t.start = sc.start
		sc.start = false
		sc.toks = append(sc.toks, t)
		switch {
		case digits >= 9 && letters == 0:
			sc.phones++
		case digits >= 5:
			sc.longDigits++
		}
	}
	brk := func(sentence bool) {
		end()
		if len(sc.toks) > 0 && sc.toks[len(sc.toks)-1].clause == sc.clause {
			sc.clause++
		}
		if sentence {
			sc.start = true
		}
	}
	at := false // the current word follows an "@"
	for i := 0; i < len(c); {
		r, size := decodeRune(c, i)
		i += size
		if r != '!' {
			sc.exclRun = 0
		}
		if r == '@' {
			end()
			at = true
			continue
		}
		switch {
		case isWordRune(r):
			if !open {
				open = true
				t = token{s: int32(len(sc.buf)), handle: at}
				letters, upper, digits = 0, 0, 0
				at = false
			}
			if r >= '0' && r <= '9' {
				digits++
			} else {
				letters++
				sc.letters++
				if r < utf8.RuneSelf && r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf && unicode.IsUpper(r) {
					upper++
					sc.upper++
				}
				if r >= 0x250 && !(r >= 0x1E00 && r <= 0x1EFF) {
					sc.nonLatin++
				}
			}
			sc.buf = m.fold.appendFold(sc.buf, r)
		case isMark(r):
		case r == '\'' || r == '’' || r == 'ʼ' || r == '‘':
			next, _ := utf8.DecodeRuneInString(c[i:])
			if !open || i >= len(c) || !isWordRune(next) {
				end()
				continue
			}
			if elided(sc.buf[t.s:]) {
				end()
				continue
			}
			sc.buf = append(sc.buf, '\'')
		case r == '!':
			sc.excl++
			sc.exclRun++
			sc.maxExcl = max(sc.maxExcl, sc.exclRun)
			brk(true)
		case r == '?':
			sc.quest++
			brk(true)
		case r == '.' || r == ';' || r == ':' || r == '…':
			brk(true)
		case r == ',' || r == '(' || r == ')':
			brk(false)
		case r == '$' || r == '£' || r == '€':
			sc.money++
			end()
		case isEmojiRune(r):
			end()
			if w := m.emoji[r]; w != nil {
				sc.toks = append(sc.toks, token{w: w, kind: tEmoji, emoji: r, clause: sc.clause})
			}
		default:
			end()
		}
	}
	end()
}

// platformMarkup reports Discord and Slack mention markup, which names a
// user, channel, role or custom emoji by id: <@123>, <@!123>, <#123>,
// <@&123>, <:name:123>, <a:name:123>, <!here>.
func platformMarkup(c string) bool {
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

// isURL reports whether a chunk is a link, and whether it is a Discord invite.
func isURL(c string) (url, invite bool) {
	if len(c) < 4 {
		return false, false
	}
	invite = containsFold(c, "discord.gg/") || containsFold(c, "discord.com/invite")
	if invite || containsFold(c, "://") || hasPrefixFold(c, "www.") {
		return true, invite
	}
	host := c
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimRight(host, ".,;:!?)")
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || !isWordRune(rune(host[dot-1])) {
		return false, false
	}
	switch strings.ToLower(host[dot+1:]) {
	case "com", "net", "org", "io", "ly", "gg", "ru", "top", "biz", "xyz", "info", "fr", "nl", "be",
		"de", "co", "me", "uk", "tk", "ml", "cn", "link", "click", "shop", "site", "online", "app", "example":
		return true, false
	}
	return false, false
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

// foldString folds every letter of s, keeping other runes; it is for
// lexicon keys.
func (f *folder) foldString(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '’' || r == 'ʼ':
			b = append(b, '\'')
		case isWordRune(r):
			b = f.appendFold(b, r)
		case isMark(r):
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return strings.TrimSpace(string(b))
}
