package triage

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	btext "github.com/commpilot/commpilot/bot/text"
)

//go:embed data/cues.txt data/langwords.txt
//go:embed data/vader/vader_lexicon.txt data/vader/emoji_utf8_lexicon.txt
//go:embed data/afinn/AFINN-en-165.txt data/afinn/AFINN-fr-165.txt data/afinn/AFINN-emoticon-8.txt
//go:embed data/pattern/fr-sentiment.xml data/pattern/nl-sentiment.xml
//go:embed data/multilang/AFINN-nl.json
//go:embed data/kind-model.bin
var dataFS embed.FS

// Languages with a sentiment lexicon and a character model.
const (
	langEN = iota
	langFR
	langNL
	nSentLangs
)

// Languages known by their function words only; text in them is "other".
const (
	langDE = nSentLangs + iota
	langES
	langIT
	langPT
	nLangs
)

var langCodes = [nLangs]string{"en", "fr", "nl", "de", "es", "it", "pt"}

// Word flags.
const (
	fNegator uint16 = 1 << iota
	fBooster
	fContrast
	fWh
	fSubject
	fTarget
	fPronoun
	fV1
	fFiller
	fExpect
)

// word is everything the engine knows about one folded word.
type word struct {
	val   [nSentLangs]float32 // valence per language, VADER scale (-4..4)
	has   uint8               // bit per language with a valence
	stop  uint8               // bit per language (nLangs) of which it is a function word
	nstop uint8               // number of bits in stop
	flags uint16
	boost float32
	rules []int32 // rules whose pattern starts with this exact word
}

// Rule classes, as bits so a rule may have several.
const (
	cComplaint uint16 = 1 << iota
	cQuestion
	cPraise
	cSpam
	cLegal
	cPress
	cSafety
	cChurn
	cPayment
	cData
	cFollowup
	cGreeting
)

var classNames = map[string]uint16{
	"complaint": cComplaint, "question": cQuestion, "praise": cPraise, "spam": cSpam,
	"legal": cLegal, "press": cPress, "safety": cSafety, "churn": cChurn,
	"payment": cPayment, "data": cData, "followup": cFollowup, "greeting": cGreeting,
}

var wordClassFlags = map[string]uint16{
	"negator": fNegator, "booster": fBooster, "contrast": fContrast, "wh": fWh,
	"subject": fSubject, "target": fTarget, "pronoun": fPronoun, "v1": fV1, "filler": fFiller,
	"expect": fExpect,
}

// pelem is one element of a rule pattern.
type pelem struct {
	text   string
	prefix bool // text is a prefix
	gap    bool // skips 0..maxGap words
}

const maxGap = 3

// rule is one cue rule of data/cues.txt.
type rule struct {
	classes uint16
	weight  float32
	pat     []pelem
	class   string // first class name, prefix of the cue shown as a reason
}

// model is the loaded, read-only data of the engine.
type model struct {
	words  map[string]*word
	prefix map[string][]int32 // first 4 bytes of a prefix pattern -> rules
	rules  []rule
	emoji  map[rune]*word
	emotes map[string]*word
	tri    map[uint32][nSentLangs]float32 // log-probability of a byte trigram
	triMin [nSentLangs]float32            // log-probability of an unseen trigram
	// learned is the embedded kind model; nil when data/kind-model.bin is
	// empty (before the first training run).
	learned *linear
}

func (m *model) word(s string) *word {
	w := m.words[s]
	if w == nil {
		w = &word{}
		m.words[s] = w
	}
	return w
}

// loadModel parses the embedded data.
func loadModel() (*model, error) {
	m := &model{
		words:  make(map[string]*word, 20000),
		prefix: map[string][]int32{},
		emoji:  map[rune]*word{},
		emotes: map[string]*word{},
	}
	var vocab [nSentLangs][]string
	lex := [nSentLangs]map[string][]float32{{}, {}, {}}
	add := func(lang int, term string, v float32) {
		term = foldKey(term)
		if term == "" || strings.ContainsRune(term, ' ') {
			return
		}
		lex[lang][term] = append(lex[lang][term], v)
	}
	// English: VADER first (valence -4..4); AFINN (-5..5) only fills gaps.
	vader, err := readLines("data/vader/vader_lexicon.txt")
	if err != nil {
		return nil, err
	}
	for _, l := range vader {
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 32)
		if err != nil {
			return nil, fmt.Errorf("vader lexicon %q: %w", l, err)
		}
		if !hasLetterOrDigit(f[0]) || isEmoticonLike(f[0]) {
			m.emotes[f[0]] = uniform(float32(v))
			continue
		}
		add(langEN, f[0], float32(v))
		vocab[langEN] = append(vocab[langEN], f[0])
	}
	if err := readTSV("data/afinn/AFINN-emoticon-8.txt", func(k string, v float64) {
		if m.emotes[k] == nil {
			m.emotes[k] = uniform(float32(v) * 0.8)
		}
	}); err != nil {
		return nil, err
	}
	if err := readTSV("data/afinn/AFINN-en-165.txt", func(k string, v float64) {
		if lex[langEN][foldKey(k)] == nil {
			add(langEN, k, float32(v)*0.8)
		}
		vocab[langEN] = append(vocab[langEN], k)
	}); err != nil {
		return nil, err
	}
	// French: AFINN-fr and Pattern-fr, averaged where both rate a word.
	if err := readTSV("data/afinn/AFINN-fr-165.txt", func(k string, v float64) {
		add(langFR, k, float32(v)*0.8)
		vocab[langFR] = append(vocab[langFR], k)
	}); err != nil {
		return nil, err
	}
	// Pattern-fr completes French; Pattern-nl and the AFINN-nl translation
	// make Dutch.
	for _, p := range []struct {
		lang int
		file string
	}{{langFR, "data/pattern/fr-sentiment.xml"}, {langNL, "data/pattern/nl-sentiment.xml"}} {
		if err := readPattern(p.file, func(form string, pol float64) {
			vocab[p.lang] = append(vocab[p.lang], form)
			if pol != 0 {
				add(p.lang, form, float32(pol)*4)
			}
		}); err != nil {
			return nil, err
		}
	}
	raw, err := dataFS.ReadFile("data/multilang/AFINN-nl.json")
	if err != nil {
		return nil, fmt.Errorf("read AFINN-nl: %w", err)
	}
	var afinnNL map[string]float64
	if err := json.Unmarshal(raw, &afinnNL); err != nil {
		return nil, fmt.Errorf("parse AFINN-nl: %w", err)
	}
	for k, v := range afinnNL {
		if lex[langNL][foldKey(k)] == nil {
			add(langNL, k, float32(v)*0.8)
		}
		vocab[langNL] = append(vocab[langNL], k)
	}
	for lang, terms := range lex {
		for term, vs := range terms {
			var sum float32
			for _, v := range vs {
				sum += v
			}
			w := m.word(term)
			w.val[lang] = sum / float32(len(vs))
			w.has |= 1 << lang
		}
	}
	if err := m.loadEmoji(); err != nil {
		return nil, err
	}
	if err := m.loadLangWords(&vocab); err != nil {
		return nil, err
	}
	if err := m.loadCues(); err != nil {
		return nil, err
	}
	m.buildTrigrams(&vocab)
	raw, err = dataFS.ReadFile("data/kind-model.bin")
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 {
		if m.learned, err = decodeLinear(raw); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func uniform(v float32) *word {
	return &word{val: [nSentLangs]float32{v, v, v}, has: 1<<nSentLangs - 1}
}

// emojiOverrides rates emoji whose VADER description words carry no or the
// wrong sentiment in chat use.
var emojiOverrides = map[rune]float32{
	'👍': 2, '👎': -2, '🔥': 1.5, '🙏': 1.5, '👏': 2, '🎉': 2, '💯': 2, '🙌': 2,
	'💩': -2, '🤮': -2.5, '🙄': -1.5, '😡': -2.5, '😤': -2, '🤬': -3, '😠': -2.5,
	'✅': 1, '❌': -1.5, '💔': -2.5, '🤡': -1.5, '😒': -1.5, '🤦': -1.5, '😞': -2,
	'❤': 3, '💖': 3, '💕': 3, '😍': 3, '🥰': 3, '😊': 2, '🙂': 1, '🙁': -1.5, '😢': -2,
	'😭': -2, '😂': 1, '🤣': 1, '😀': 2, '😃': 2, '😄': 2, '😁': 2, '☕': 0, '👋': 0,
}

// loadEmoji rates each single-rune emoji by the VADER valence of the words
// of its description ("smiling face with hearts"), then applies overrides.
func (m *model) loadEmoji() error {
	lines, err := readLines("data/vader/emoji_utf8_lexicon.txt")
	if err != nil {
		return err
	}
	for _, l := range lines {
		e, desc, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		r, size := utf8.DecodeRuneInString(e)
		if rest := e[size:]; rest != "" && rest != "\uFE0F" {
			continue
		}
		var sum float32
		for _, d := range strings.Fields(desc) {
			if w := m.words[foldKey(d)]; w != nil && w.has&(1<<langEN) != 0 {
				sum += w.val[langEN]
			}
		}
		if sum != 0 {
			m.emoji[r] = uniform(sum)
		}
	}
	for r, v := range emojiOverrides {
		m.emoji[r] = uniform(v)
	}
	return nil
}

func (m *model) loadLangWords(vocab *[nSentLangs][]string) error {
	lines, err := readLines("data/langwords.txt")
	if err != nil {
		return err
	}
	for _, l := range lines {
		f := strings.Fields(l)
		lang := -1
		for i, c := range langCodes {
			if len(f) > 0 && f[0] == c {
				lang = i
			}
		}
		if lang < 0 {
			return fmt.Errorf("langwords: unknown language in %q", l)
		}
		for _, s := range f[1:] {
			w := m.word(foldKey(s))
			if w.stop&(1<<lang) == 0 {
				w.stop |= 1 << lang
				w.nstop++
			}
			if lang < nSentLangs {
				// Function words are most of running text: weight them.
				for range 30 {
					vocab[lang] = append(vocab[lang], s)
				}
			}
		}
	}
	return nil
}

func (m *model) loadCues() error {
	lines, err := readLines("data/cues.txt")
	if err != nil {
		return err
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 {
			return fmt.Errorf("cues: short line %q", l)
		}
		weight, err := strconv.ParseFloat(f[1], 32)
		if err != nil {
			return fmt.Errorf("cues: weight in %q: %w", l, err)
		}
		if flag, ok := wordClassFlags[f[0]]; ok {
			if len(f) != 3 {
				return fmt.Errorf("cues: word class %q takes one word: %q", f[0], l)
			}
			w := m.word(foldKey(f[2]))
			w.flags |= flag
			if flag == fBooster {
				w.boost = float32(weight)
			}
			continue
		}
		var classes uint16
		for _, c := range strings.Split(f[0], "+") {
			bit, ok := classNames[c]
			if !ok {
				return fmt.Errorf("cues: unknown class %q in %q", c, l)
			}
			classes |= bit
		}
		r := rule{classes: classes, weight: float32(weight)}
		for _, t := range f[2:] {
			for _, piece := range m.splitPattern(t) {
				switch {
				case piece == "*":
					r.pat = append(r.pat, pelem{gap: true})
				case strings.HasSuffix(piece, "*"):
					p := foldKey(strings.TrimSuffix(piece, "*"))
					if len(p) < 4 {
						return fmt.Errorf("cues: prefix %q shorter than 4 letters in %q", piece, l)
					}
					r.pat = append(r.pat, pelem{text: p, prefix: true})
				default:
					r.pat = append(r.pat, pelem{text: foldKey(piece)})
				}
			}
		}
		if r.pat[0].gap || r.pat[len(r.pat)-1].gap {
			return fmt.Errorf("cues: pattern may not start or end with a gap: %q", l)
		}
		r.class, _, _ = strings.Cut(f[0], "+")
		id := int32(len(m.rules))
		m.rules = append(m.rules, r)
		if first := r.pat[0]; first.prefix {
			k := first.text[:4]
			m.prefix[k] = append(m.prefix[k], id)
		} else {
			w := m.word(first.text)
			w.rules = append(w.rules, id)
		}
	}
	return nil
}

// splitPattern splits one pattern word the way the tokenizer splits text:
// "j'attends" is "j" "attends", "est-ce" is "est" "ce".
func (m *model) splitPattern(t string) []string {
	if t == "*" {
		return []string{t}
	}
	out := m.foldWords(strings.TrimSuffix(t, "*"))
	if strings.HasSuffix(t, "*") && len(out) > 0 {
		out[len(out)-1] += "*"
	}
	return out
}

// trigramKey packs three bytes.
func trigramKey(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }

// buildTrigrams builds a byte-trigram model per language from the words of
// its lexicons and function words, each padded with spaces.
func (m *model) buildTrigrams(vocab *[nSentLangs][]string) {
	counts := map[uint32]*[nSentLangs]float64{}
	var totals [nSentLangs]float64
	for lang, words := range vocab {
		for _, raw := range words {
			w := " " + foldKey(raw) + " "
			for i := 0; i+3 <= len(w); i++ {
				k := trigramKey(w[i], w[i+1], w[i+2])
				c := counts[k]
				if c == nil {
					c = &[nSentLangs]float64{}
					counts[k] = c
				}
				c[lang]++
				totals[lang]++
			}
		}
	}
	m.tri = make(map[uint32][nSentLangs]float32, len(counts))
	v := float64(len(counts))
	for lang := range nSentLangs {
		m.triMin[lang] = float32(math.Log(0.5 / (totals[lang] + 0.5*v)))
	}
	for k, c := range counts {
		var p [nSentLangs]float32
		for lang := range nSentLangs {
			p[lang] = float32(math.Log((c[lang] + 0.5) / (totals[lang] + 0.5*v)))
		}
		m.tri[k] = p
	}
}

func readLines(name string) ([]string, error) {
	raw, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

func readTSV(name string, fn func(k string, v float64)) error {
	lines, err := readLines(name)
	if err != nil {
		return err
	}
	for _, l := range lines {
		k, vs, ok := strings.Cut(l, "\t")
		if !ok {
			return fmt.Errorf("%s: no tab in %q", name, l)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(vs), 64)
		if err != nil {
			return fmt.Errorf("%s: %q: %w", name, l, err)
		}
		fn(k, v)
	}
	return nil
}

// readPattern reads the form and polarity of each <word> of a Pattern
// lexicon. The files are one element a line, so a line scan is enough.
func readPattern(name string, fn func(form string, polarity float64)) error {
	lines, err := readLines(name)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "<word ") {
			continue
		}
		form, pol := xmlAttr(l, "form"), xmlAttr(l, "polarity")
		v, err := strconv.ParseFloat(pol, 64)
		if err != nil || form == "" {
			return fmt.Errorf("%s: bad entry %q", name, l)
		}
		fn(form, v)
	}
	return nil
}

func xmlAttr(l, name string) string {
	i := strings.Index(l, " "+name+`="`)
	if i < 0 {
		return ""
	}
	rest := l[i+len(name)+3:]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return strings.ReplaceAll(rest[:j], "&apos;", "'")
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if btext.IsWordRune(r) {
			return true
		}
	}
	return false
}

// isEmoticonLike reports ASCII faces that contain letters, like ":D" or "xD".
func isEmoticonLike(s string) bool {
	punct := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			punct++
		}
	}
	return punct > 0 && len(s) <= 5
}
