package text

// Invite is one Discord invite in a text: s[Start:End] is the invite from
// the first letter of "discord" to the end of the code.
type Invite struct {
	// Code is the invite code as written, case kept: "AbC12".
	Code       string
	Start, End int
}

// invitePatterns are the invite spellings: '~' stands for an optional
// "dot" written as a word, '/' for any slash.
var invitePatterns = [...]string{"discord~gg/", "discord~com/invite/", "discordapp~com/invite/", "discord~me/"}

// Invites returns the Discord invites of s: discord.gg/CODE,
// discord.com/invite/CODE, discordapp.com/invite/CODE and discord.me/CODE,
// in any case, with or without a scheme, and with the disguises spam uses:
// spaces, dots, dashes or other punctuation between the letters
// ("d i s c o r d . g g / x", "discord .gg/x"), "dot" for the dot,
// full-width letters, backslashes or look-alike slashes.
func Invites(s string) []Invite {
	var out []Invite
	for i := 0; i < len(s); {
		r, size := DecodeRune(s, i)
		if narrow(r)|0x20 != 'd' {
			i += size
			continue
		}
		if end, code := matchInviteAt(s, i); end > 0 {
			out = append(out, Invite{Code: code, Start: i, End: end})
			i = end
			continue
		}
		i += size
	}
	return out
}

// matchInvite reports the first invite in s at or after byte from.
func matchInvite(s string, from int) (Invite, bool) {
	for i := from; i < len(s); {
		r, size := DecodeRune(s, i)
		if narrow(r)|0x20 == 'd' {
			if end, code := matchInviteAt(s, i); end > 0 {
				return Invite{Code: code, Start: i, End: end}, true
			}
		}
		i += size
	}
	return Invite{}, false
}

// matchInviteAt matches an invite starting at s[i], returning its end and
// code, or 0.
func matchInviteAt(s string, i int) (int, string) {
	for _, p := range invitePatterns {
		if j, ok := matchPattern(s, i, p, false); ok {
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			k := j
			for k < len(s) && isCodeByte(s[k]) {
				k++
			}
			if k-j >= 2 {
				return k, s[j:k]
			}
		}
	}
	return 0, ""
}

// matchPattern matches pattern p against s from byte i, skipping
// separators before each letter (before the first one too when skip is
// set); it returns where the match ends.
func matchPattern(s string, i int, p string, skip bool) (int, bool) {
	for pi := 0; pi < len(p); pi++ {
		c := p[pi]
		if c == '~' {
			if j, ok := matchPattern(s, i, "dot"+p[pi+1:], true); ok {
				return j, true
			}
			continue
		}
		for (pi > 0 || skip) && i < len(s) {
			r, size := DecodeRune(s, i)
			if !isInviteSeparator(r) {
				break
			}
			i += size
		}
		if i >= len(s) {
			return 0, false
		}
		r, size := DecodeRune(s, i)
		r = narrow(r)
		if c == '/' {
			if r != '/' && r != '\\' && r != '⁄' && r != '∕' {
				return 0, false
			}
		} else if r|0x20 != rune(c) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// isInviteSeparator reports what spam puts between the letters of an
// invite: white space, punctuation other than slashes, marks.
func isInviteSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '.', ',', '-', '_', '*', '`', '~', '|', '(', ')', '[', ']', '{', '}', '"', '\'', ':',
		'·', '•', '。', '．', '‧', '∙', '\u00a0':
		return true
	}
	return IsMark(r)
}

func isCodeByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-'
}

// narrow maps full-width ASCII (U+FF01–U+FF5E) to ASCII.
func narrow(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}
