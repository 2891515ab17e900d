package text

import "unicode/utf8"

// Shorten returns s when it has at most limit runes, else its first
// limit-1 runes followed by "…": never more than limit runes, never a
// split rune. A limit below 1 is taken as 1.
func Shorten(s string, limit int) string {
	limit = max(limit, 1)
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
