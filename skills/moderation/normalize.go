package moderation

//go:generate go run ./internal/confgen -in ../../../shared/data/lexicons/unicode-confusables/confusables.txt -out confusables_table.go

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalized is a message as the rules see it. It is computed once per
// message and handed to every rule.
type Normalized struct {
	// Original is the text as posted.
	Original string
	// Text is folded: NFKC, lower case, accents, zero-width characters and
	// combining marks removed, Unicode confusables mapped to the ASCII
	// letter they imitate, leetspeak inside words read as letters, letters
	// separated by dots or spaces joined ("f.u.c.k" → "fuck"), runs of a
	// letter cut to two, percent-encoding in links decoded. Words keep their
	// boundaries: separators between words stay.
	Text string
	// Collapsed is Text with every run of one letter cut to one
	// ("fuuuck", "ffuck" → "fuck"); word patterns without a double letter
	// are matched on it.
	Collapsed string
	// Marks counts the combining marks removed; Stack is the most marks
	// stacked on one character (zalgo stacks many, Vietnamese two at most).
	Marks, Stack int
}

// maxNormalize bounds the input normalised (Discord messages are at most
// 4,000 characters); the rest is ignored by word rules.
const maxNormalize = 16 << 10

// leet reads the characters people put in place of letters, inside a word
// that has at least one letter.
func leet(r rune) (rune, bool) {
	switch r {
	case '4', '@':
		return 'a', true
	case '8':
		return 'b', true
	case '3':
		return 'e', true
	case '1', '!', '|':
		return 'i', true
	case '0':
		return 'o', true
	case '5', '$':
		return 's', true
	case '7', '+':
		return 't', true
	}
	return 0, false
}

// invisible reports the format characters people insert inside words:
// zero-width spaces and joiners, soft hyphens, word joiners, variation
// selectors, the BOM.
func invisible(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5, r == 0x180E,
		r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F,
		r == 0x3164, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF, r == 0xFFA0, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// fold maps one rune (after NFKC and NFD) to what it reads as, or -1 to drop
// it; marks reports a dropped combining mark.
func fold(r rune) (out rune, mark bool) {
	if r < utf8.RuneSelf {
		return r, false
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
		return -1, true
	}
	if invisible(r) || unicode.Is(unicode.Cf, r) {
		return -1, false
	}
	if c, ok := confusables[r]; ok {
		return rune(c), false
	}
	switch r {
	case 'ß':
		return 's', false // "scheiße" reads "scheise"; runs are cut anyway
	case 'ı':
		return 'i', false
	case 'ø', 'Ø':
		return 'o', false
	case 'đ', 'Đ':
		return 'd', false
	case 'ł', 'Ł':
		return 'l', false
	case 'æ', 'Æ':
		return 'a', false
	}
	if unicode.IsSpace(r) {
		return ' ', false
	}
	return r, false
}

// Normalize computes the Normalized form of s. It never fails and runs in
// time linear in len(s).
func Normalize(s string) Normalized {
	n := Normalized{Original: s}
	if len(s) > maxNormalize {
		s = s[:maxNormalize]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	s = decodeLinks(s)
	decomposed := s
	if !isASCII(s) {
		decomposed = norm.NFD.String(norm.NFKC.String(s))
	}
	folded := make([]rune, 0, len(decomposed))
	stack := 0
	for _, r := range decomposed {
		out, mark := fold(r)
		if mark {
			n.Marks++
			stack++
			n.Stack = max(n.Stack, stack)
		} else if out >= 0 {
			stack = 0
		}
		if out >= 0 {
			folded = append(folded, out)
		}
	}
	words := splitWords(folded)
	names := properNames(words)
	for i := range words {
		if !names[i] {
			lower(words[i].runes)
		}
		words[i].runes = unleet(words[i].runes)
	}
	words = joinSeparated(words)
	var b, c strings.Builder
	b.Grow(len(s))
	c.Grow(len(s))
	for _, w := range words {
		for _, r := range w.sep {
			b.WriteRune(r)
			c.WriteRune(r)
		}
		writeRuns(&b, w.runes, 2)
		writeRuns(&c, w.runes, 1)
	}
	n.Text, n.Collapsed = b.String(), c.String()
	return n
}

// word is a run of letters, digits and leet characters, with the separator
// text before it.
type word struct {
	sep   []rune // a slice of the folded text, not a copy
	runes []rune
}

// wordRune reports the runes that belong to a word before leet is read:
// letters, digits and the leet symbols.
func wordRune(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return true
	}
	_, ok := leet(r)
	return ok && r != '|' // a pipe between words is a separator
}

func splitWords(rs []rune) []word {
	out := make([]word, 0, len(rs)/4+1)
	start := 0 // of the separator before the next word
	for i := 0; i < len(rs); {
		if !wordRune(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && (wordRune(rs[j]) || (rs[j] == '|' && j > i)) {
			j++
		}
		out = append(out, word{sep: rs[start:i:i], runes: rs[i:j:j]})
		start, i = j, j
	}
	if start < len(rs) {
		out = append(out, word{sep: rs[start:]})
	}
	return out
}

func blank(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func lower(rs []rune) {
	for i, r := range rs {
		rs[i] = unicode.ToLower(r)
	}
}

// nameWords are words that are also common first names or surnames: inside
// a run of capitalised words ("Dick Van Dyke", "Randy Johnson") they are a
// name and keep their capital, so lower-case word patterns do not match.
var nameWords = map[string]bool{
	"dick": true, "dyke": true, "willy": true, "fanny": true, "randy": true, "johnson": true,
	"cox": true, "bush": true, "butts": true, "hooker": true, "wang": true, "dong": true,
	"knob": true, "cummings": true, "prick": true, "cock": true, "titz": true, "gay": true,
}

// properNames marks the name words written Titlecase next to another
// Titlecase word.
func properNames(ws []word) []bool {
	title := make([]bool, len(ws))
	for i, w := range ws {
		title[i] = isTitle(w.runes)
	}
	out := make([]bool, len(ws))
	for i, w := range ws {
		if !title[i] || !nameWords[strings.ToLower(string(w.runes))] {
			continue
		}
		prev := i > 0 && title[i-1] && blank(w.sep)
		next := i+1 < len(ws) && title[i+1] && blank(ws[i+1].sep)
		out[i] = prev || next
	}
	return out
}

func isTitle(rs []rune) bool {
	if len(rs) < 2 || !unicode.IsUpper(rs[0]) {
		return false
	}
	for _, r := range rs[1:] {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// unleet reads leet characters as letters in a word that has a letter; a
// word of digits ("2026", "100") stays as it is. Leading and trailing
// punctuation-like leet ("!", "$", "@", "|") at the word's edges is read too
// only when a letter is next to it.
func unleet(w []rune) []rune {
	letter := false
	for _, r := range w {
		if unicode.IsLetter(r) {
			letter = true
			break
		}
	}
	// Rewritten in place: the result is never longer.
	out := w[:0]
	if !letter {
		// Only digits and symbols: keep the digits, drop the symbols
		// ("!!!" between words is punctuation).
		for _, r := range w {
			if unicode.IsDigit(r) {
				out = append(out, r)
			}
		}
		return out
	}
	for i, r := range w {
		if l, ok := leet(r); ok {
			// "hello!" keeps its letters: a trailing ! or $ after letters is
			// punctuation unless a letter follows.
			if (r == '!' || r == '$' || r == '|') && i == len(w)-1 {
				continue
			}
			out = append(out, l)
			continue
		}
		out = append(out, r)
	}
	return out
}

// joinSeparated joins three or more one-letter words separated only by
// dots, spaces, dashes, underscores or stars: "f.u.c.k", "f u c k".
func joinSeparated(ws []word) []word {
	out := make([]word, 0, len(ws))
	for i := 0; i < len(ws); {
		j := i + 1
		if len(ws[i].runes) == 1 && unicode.IsLetter(ws[i].runes[0]) {
			for j < len(ws) && len(ws[j].runes) == 1 && unicode.IsLetter(ws[j].runes[0]) && spacer(ws[j].sep) {
				j++
			}
		}
		if j-i >= 3 {
			joined := word{sep: ws[i].sep}
			for _, w := range ws[i:j] {
				joined.runes = append(joined.runes, w.runes...)
			}
			out = append(out, joined)
		} else {
			out = append(out, ws[i:j]...)
		}
		i = j
	}
	return out
}

func spacer(s []rune) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(" ._-*~/\\", r) {
			return false
		}
	}
	return true
}

// writeRuns writes w with every run of one rune cut to at most max.
func writeRuns(b *strings.Builder, w []rune, max int) {
	n := 0
	for i, r := range w {
		if i > 0 && w[i-1] == r {
			n++
		} else {
			n = 1
		}
		if n <= max {
			b.WriteRune(r)
		}
	}
}

// decodeLinks decodes percent-encoding in the links of s, so an encoded
// domain or path ("disc%6Frd.gg") reads as typed.
func decodeLinks(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	fields := strings.Fields(s)
	changed := false
	for i, f := range fields {
		if !strings.Contains(f, "%") || !strings.Contains(f, ".") {
			continue
		}
		if d, err := url.PathUnescape(f); err == nil && utf8.ValidString(d) {
			fields[i], changed = d, true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(fields, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isWordRune reports whether r is part of a word in normalised text, for
// whole-word checks.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
