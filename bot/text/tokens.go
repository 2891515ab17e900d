package text

import "unicode/utf8"

// Token is one word of a text: s[Start:End] == Text.
type Token struct {
	Text       string
	Start, End int
}

// Folded returns the token's text folded (see Fold).
func (t Token) Folded() string { return Fold(t.Text) }

// Tokens splits s into words: runs of letters and digits, with the marks
// that decorate them, and with an apostrophe between two letters kept
// inside ("l'offre", "don't", "aujourd’hui"). Everything else separates
// words, invalid UTF-8 included. The offsets are bytes of s.
func Tokens(s string) []Token {
	if s == "" {
		return nil
	}
	out := make([]Token, 0, min(len(s)/5+1, 256)) // about one word in five bytes
	start := -1
	for i := 0; i < len(s); {
		r, size := DecodeRune(s, i)
		switch {
		case IsWordRune(r):
			if start < 0 {
				start = i
			}
		case start >= 0 && IsMark(r):
		case start >= 0 && IsApostrophe(r) && i+size < len(s):
			if next, _ := DecodeRune(s, i+size); !IsWordRune(next) {
				out = append(out, Token{Text: s[start:i], Start: start, End: i})
				start = -1
			}
		default:
			if start >= 0 {
				out = append(out, Token{Text: s[start:i], Start: start, End: i})
				start = -1
			}
		}
		i += size
	}
	if start >= 0 {
		out = append(out, Token{Text: s[start:], Start: start, End: len(s)})
	}
	return out
}

// DecodeRune returns the rune at byte i of s and its size: it is
// utf8.DecodeRuneInString(s[i:]) with a fast path for ASCII, for scanners.
func DecodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}
