package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// stopWords are the English, French and Dutch words too common to be a
// topic, accents folded (see fold).
var stopWords = setOf(`
a about after again all also am an and any anyone anybody are as at be because been before being but by can could did do does doing done dont down during each even for from get got had has have having he her here hers him his how i if im in into is isnt it its just know like make me more most my no not now of off ok okay on once one only or other our out over please really same she should so some still such than thank thanks that thats the their them then there these they this those through to too up us very was we were what when where which while who why will with would yes yet you your youre hello hey new
au aux avec ca ce ceci cela celle celui ces cest cette chez comme dans de des du elle elles en encore est et etait ete etre eu fait faut ici il ils je jai juste la le les leur leurs lui ma mais me meme mes moi mon ne ni nos notre nous on ont ou par pas peu peut plus pour pourquoi quand que quel quelle qui quoi sa sans se ses si son sont sur ta te tes toi ton tous tout tres tu un une vos votre vous y deja merci bonjour salut svp bien aussi alors donc
aan al alles als altijd ben bij dan dat de der deze die dit doen door een en er geen had heb hebben heeft het hier hij hoe hun ik in is ja je jij kan komen kun maar me meer men met mij mijn moet na naar niet niets nog nu of om ook op over te tegen toch toen tot u uit uw van veel voor waar wat we wel werd wie wij wil worden zal ze zelf zich zij zijn zo zou dank bedankt hallo graag even
`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// fold lowercases s and strips accents and apostrophes ("Déjà" → "deja",
// "don't" → "dont").
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf && s[i] != '\''
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// terms returns the topic terms of text: its words of three letters or more
// that are not stop words, numbers, links, mentions or brand words, and each
// pair of such words that follow each other ("late delivery"). brand holds
// the folded brand words.
func terms(text string, brand map[string]bool) []string {
	var words []string
	var out []string
	flush := func() { words = words[:0] }
	for _, tok := range strings.Fields(text) {
		if strings.Contains(tok, "://") || strings.HasPrefix(tok, "<") || strings.HasPrefix(tok, "@") || strings.HasPrefix(tok, "#") {
			flush()
			continue
		}
		for _, w := range strings.FieldsFunc(fold(tok), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if utf8.RuneCountInString(w) < 3 || stopWords[w] || brand[w] || isNumber(w) {
				flush()
				continue
			}
			out = append(out, w)
			if len(words) > 0 {
				out = append(out, words[len(words)-1]+" "+w)
			}
			words = append(words, w)
		}
		if strings.ContainsAny(tok, ".,;:!?") {
			flush()
		}
	}
	return out
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// brandWords folds the brand keywords into the set terms leaves out.
func brandWords(brand []string) map[string]bool {
	m := map[string]bool{}
	for _, b := range brand {
		for _, w := range strings.FieldsFunc(fold(b), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			m[w] = true
		}
	}
	return m
}
