package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldTable maps the runes below 0x250 (Latin-1 and Latin Extended-A/B) to
// their lower-case base letter: 'É' to 'e', 'ç' to 'c'. Zero means the rune
// folds to two letters (ß, æ, œ) or is not a letter or digit.
var foldTable = newFoldTable()

func newFoldTable() *[0x250]rune {
	var f [0x250]rune
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
	for _, r := range "ßæÆœŒ" {
		f[r] = 0
	}
	f['ø'], f['Ø'], f['đ'], f['Đ'], f['ł'], f['Ł'], f['ı'] = 'o', 'o', 'd', 'd', 'l', 'l', 'i'
	return &f
}

// AppendFold appends the folded form of the letter or digit r to b: lower
// case without accents, ß as "ss", æ as "ae", œ as "oe". Letters beyond
// Latin Extended-B are only lowered. It is Fold for one rune, for loops
// that fold as they scan.
func AppendFold(b []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	case r < 0x250:
		if fr := foldTable[r]; fr != 0 {
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
	if l := unicode.ToLower(r); l != r && l < 0x250 {
		return AppendFold(b, l) // ẞ, the Kelvin and Ångström signs
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

// Fold returns s in lower case without accents: letters and digits are
// folded as AppendFold does, marks (combining accents, variation selectors,
// zero-width joiners, skin tones; see IsMark) are dropped, typographic
// apostrophes (’ ʼ ‘) become ', and every other rune is kept. Invalid UTF-8
// becomes U+FFFD. Fold is idempotent: Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+4)
	copy(b, s[:i])
	for _, r := range s[i:] {
		switch {
		case IsApostrophe(r): // before letters: ʼ is a letter
			b = append(b, '\'')
		case IsWordRune(r):
			b = AppendFold(b, r)
		case IsMark(r):
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// ContainsFold reports whether s contains sub once both are folded.
func ContainsFold(s, sub string) bool { return strings.Contains(Fold(s), Fold(sub)) }

// IsWordRune reports letters and digits, the runes words are made of.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// IsMark reports runes that decorate the previous one: combining marks
// (accents, zalgo), variation selectors, zero-width joiners and spaces, the
// byte-order mark, emoji skin tones.
func IsMark(r rune) bool {
	if r < 0x300 {
		return false
	}
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200D || r == 0x200B ||
		r == 0xFEFF || (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// IsSpace reports white space, Unicode's (no-break space included).
func IsSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

// IsApostrophe reports ' and its typographic forms ’ ʼ ‘.
func IsApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '‘' }

// IsEmoji reports pictographic runes: the emoji planes and the symbols
// (So) from the arrows block on.
func IsEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2190 && unicode.Is(unicode.So, r)
}
