package moderation

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"
)

// wordIndex is every word trigger of every rule in one Aho-Corasick
// automaton over normalised text. Whole-word boundaries are checked on
// runes after the automaton reports a match, so "c'est débile" does not
// match "bile" and "Scunthorpe" does not match its middle.
type wordIndex struct {
	ac   *ahocorasick.Automaton
	pats []wordPattern // by automaton pattern id
}

// wordPattern is one distinct normalised pattern and the rules using it.
type wordPattern struct {
	text string
	// plain: matched on Normalized.Text; collapsed: matched on
	// Normalized.Collapsed.
	plain, collapsed bool
	prefix           bool
	owners           []wordOwner
}

// minCollapsed is the length from which a word with a double letter is also
// matched with its runs cut ("klootzak" as "klotzak"); shorter ones
// ("ass" as "as") would match ordinary words.
const minCollapsed = 5

// wordOwner is a word of one rule: the rule's index in the compiled set and
// the word as the rule lists it.
type wordOwner struct {
	rule int
	word string
}

// wordHit is one rule's word found in a message.
type wordHit struct {
	rule int
	word string
}

// newWordIndex compiles the word lists; lists[i] are rule i's words, as
// typed (a trailing * makes a prefix).
func newWordIndex(lists map[int][]string) (*wordIndex, error) {
	idx := &wordIndex{}
	byKey := map[string]int{}
	for rule, words := range lists {
		for _, w := range words {
			prefix := strings.HasSuffix(w, "*")
			p := normalizeWord(strings.TrimSuffix(w, "*"))
			if p == "" {
				continue
			}
			idx.add(byKey, p, prefix, true, false, wordOwner{rule: rule, word: w})
			c := collapseRuns(p)
			if c == p || utf8.RuneCountInString(c) >= minCollapsed {
				idx.add(byKey, c, prefix, false, true, wordOwner{rule: rule, word: w})
			}
		}
	}
	if len(idx.pats) == 0 {
		return idx, nil
	}
	b := ahocorasick.NewBuilder()
	for _, p := range idx.pats {
		b.AddPattern([]byte(p.text))
	}
	ac, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build word automaton: %w", err)
	}
	idx.ac = ac
	return idx, nil
}

func (idx *wordIndex) add(byKey map[string]int, text string, prefix, plain, collapsed bool, o wordOwner) {
	key := text
	if prefix {
		key += "*"
	}
	i, ok := byKey[key]
	if !ok {
		i = len(idx.pats)
		byKey[key] = i
		idx.pats = append(idx.pats, wordPattern{text: text, prefix: prefix})
	}
	p := &idx.pats[i]
	p.plain = p.plain || plain
	p.collapsed = p.collapsed || collapsed
	if plain || len(p.owners) == 0 || p.owners[len(p.owners)-1] != o {
		p.owners = append(p.owners, o)
	}
}

func collapseRuns(s string) string {
	var b strings.Builder
	writeRuns(&b, []rune(s), 1)
	return b.String()
}

// normalizeWord is a word trigger as the normaliser would write it.
func normalizeWord(w string) string {
	return strings.TrimSpace(Normalize(strings.TrimSpace(w)).Text)
}

// find calls hit for each whole-word match in n, possibly twice for one
// word (once per view); callers dedupe.
func (idx *wordIndex) find(n *Normalized, hit func(wordHit)) {
	if idx == nil || idx.ac == nil {
		return
	}
	idx.scan(n.Text, false, hit)
	if n.Collapsed != n.Text {
		idx.scan(n.Collapsed, true, hit)
	}
}

func (idx *wordIndex) scan(h string, collapsedView bool, hit func(wordHit)) {
	for _, m := range idx.ac.FindAllOverlapping([]byte(h)) {
		p := &idx.pats[m.PatternID]
		if (collapsedView && !p.collapsed) || (!collapsedView && !p.plain) {
			continue
		}
		if !wholeWord(h, m.Start, m.End, p.prefix) {
			continue
		}
		for _, o := range p.owners {
			hit(wordHit(o))
		}
	}
}

// wholeWord reports whether h[start:end] starts a word and, unless prefix,
// ends one, judged on the runes around it.
func wholeWord(h string, start, end int, prefix bool) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(h[:start])
		if isWordRune(r) {
			return false
		}
	}
	if !prefix && end < len(h) {
		r, _ := utf8.DecodeRuneInString(h[end:])
		if isWordRune(r) {
			return false
		}
	}
	return true
}
