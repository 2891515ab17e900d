package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	btext "github.com/commpilot/commpilot/bot/text"
)

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
func (m *model) tokenize(sc *scratch, msg string) {
	sc.reset()
	for i := 0; i < len(msg); {
		r, size := btext.DecodeRune(msg, i)
		if btext.IsSpace(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(msg) {
			r, size := btext.DecodeRune(msg, j)
			if btext.IsSpace(r) {
				break
			}
			j += size
		}
		m.chunk(sc, msg[i:j])
		i = j
	}
	sc.exclRun = 0
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
	if btext.IsReference(c) {
		return
	}
	if link, ok := btext.ChunkLink(c); ok {
		sc.urls++
		if link.Invite {
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
		r, size := btext.DecodeRune(c, i)
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
		case btext.IsWordRune(r):
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
			sc.buf = btext.AppendFold(sc.buf, r)
		case btext.IsMark(r):
		case btext.IsApostrophe(r):
			next, _ := utf8.DecodeRuneInString(c[i:])
			if !open || i >= len(c) || !btext.IsWordRune(next) {
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
		case btext.IsEmoji(r):
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

// foldKey folds a lexicon or keyword entry the way message words are
// folded (see btext.Fold).
func foldKey(s string) string { return strings.TrimSpace(btext.Fold(s)) }
