package triage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/commpilot/commpilot/bot"
	btext "github.com/commpilot/commpilot/bot/text"
)

// Source is the Triage.Source of this engine's results.
const Source = "offline"

// MaxText is how much of a message is read: longer text is cut there.
const MaxText = 64 << 10

// maxPooledTokens bounds the scratch memory kept between messages.
const maxPooledTokens = 4096

// maxCues bounds the reasons listed in a result.
const maxCues = 12

// Classifier is the offline triage engine. The zero value is not usable; use
// New. A Classifier is safe for concurrent use; its data is parsed once, on
// first use.
type Classifier struct {
	once sync.Once
	m    *model
	err  error
	pool sync.Pool
}

var _ bot.Classifier = (*Classifier)(nil)

// New returns an offline classifier. The embedded data is parsed on first use
// (about 30 ms); call Load to do it up front.
func New() *Classifier {
	return &Classifier{pool: sync.Pool{New: func() any { return &scratch{} }}}
}

// Load parses the embedded data if that was not done yet. It fails only if
// the embedded data is broken, which the package tests rule out.
func (c *Classifier) Load() error {
	c.once.Do(func() {
		c.m, c.err = loadModel()
		if c.err != nil {
			c.err = fmt.Errorf("triage: load embedded data: %w", c.err)
		}
	})
	return c.err
}

// Classify implements bot.Classifier. It fails only when ctx is done or the
// embedded data cannot be loaded; any text, however odd, gets a valid result.
func (c *Classifier) Classify(ctx context.Context, in bot.TriageInput) (bot.Triage, error) {
	if err := ctx.Err(); err != nil {
		return bot.Triage{}, err
	}
	return c.Analyze(in)
}

// Analyze is Classify without a context, for hot loops and benchmarks.
func (c *Classifier) Analyze(in bot.TriageInput) (bot.Triage, error) {
	if err := c.Load(); err != nil {
		return bot.Triage{}, err
	}
	sc := c.pool.Get().(*scratch)
	res := c.m.analyze(sc, in)
	if cap(sc.toks) <= maxPooledTokens {
		c.pool.Put(sc) // the memory of a huge message is not kept
	}
	return res, nil
}

// signals gathers what fired for one message.
type signals struct {
	kind    [4]float32 // complaint, question, praise, spam
	classes uint16
	sent    float64 // the sentiment before rounding
	cues    []string
}

func (s *signals) cue(c string) {
	if len(s.cues) >= 2*maxCues {
		return
	}
	for _, have := range s.cues {
		if have == c {
			return
		}
	}
	s.cues = append(s.cues, c)
}

func (m *model) analyze(sc *scratch, in bot.TriageInput) bot.Triage {
	return m.analyzeWith(sc, in, m.learned)
}

// analyzeWith classifies with the learned model l as second opinion on the
// kind, or with the rules alone when l is nil.
func (m *model) analyzeWith(sc *scratch, in bot.TriageInput, l *linear) bot.Triage {
	res, sig, named := m.applyRules(sc, in)
	if l != nil {
		sc.feats = sc.features(l.bits, res.Kind, sig.classes, sc.feats[:0])
		p := l.probs(sc.feats)
		if k, overruled := l.combine(res.Kind, named, sig.kind[1] > 0, p); overruled {
			res.Kind = k
			sig.cue(fmt.Sprintf("model: %s %.2f", k, p[learnedIndex(k)]))
		}
	}
	res.Urgency = urgency(sc, res.Kind, sig.sent, in.FollowUps, &sig)
	res.Cues = explain(sig.cues, res.Kind)
	return res
}

// applyRules tokenizes the message into sc and runs the cue rules: language,
// sentiment, mentions and the rules' kind. named reports that the message
// names the bot, the brand or a competitor.
func (m *model) applyRules(sc *scratch, in bot.TriageInput) (res bot.Triage, sig signals, named bool) {
	text := in.Text
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	m.tokenize(sc, text)
	sig = signals{cues: make([]string, 0, 8)}
	// Collect up to 2*maxCues: explain drops the losing kinds' cues and
	// keeps the urgency cues, which come last.
	res = bot.Triage{Lang: "other", Source: Source}
	res.Mentions.Bot = in.BotMentioned
	if in.BotMentioned {
		sig.cue("mention: bot")
	}
	res.Mentions.Brand = m.keywords(sc, in.Brand, "brand: ", &sig)
	res.Mentions.Competitors = m.keywords(sc, in.Competitors, "competitor: ", &sig)
	mentioned := in.BotMentioned || len(res.Mentions.Brand) > 0

	lang := m.detectLang(sc)
	if lang >= 0 {
		res.Lang = langCodes[lang]
	}
	m.matchRules(sc, &sig)
	sent := m.sentiment(sc, lang, &sig)
	sig.sent = sent
	res.Sentiment = math.Round(sent*1000) / 1000
	m.structural(sc, lang, sent, &sig)
	named = mentioned || len(res.Mentions.Competitors) > 0
	res.Kind = m.kind(sc, sent, named, mentioned, &sig)
	return res, sig, named
}

// explain keeps the cues that explain the result: those of the kind chosen,
// questions (a complaint may also ask), and every cue that is not about kind;
// at most maxCues of them.
func explain(cues []string, kind bot.Kind) []string {
	out := cues[:0]
	for _, c := range cues {
		class, _, _ := strings.Cut(c, ": ")
		switch bot.Kind(class) {
		case bot.KindComplaint, bot.KindPraise, bot.KindSpam:
			if bot.Kind(class) != kind {
				continue
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil
	}
	if len(out) > maxCues {
		// Keep the urgency and shouting cues (at the end) over the others.
		tail := 0
		for tail < len(out) && isUrgencyCue(out[len(out)-1-tail]) {
			tail++
		}
		tail = min(tail, maxCues)
		copy(out[maxCues-tail:], out[len(out)-tail:])
		out = out[:maxCues]
	}
	return out
}

func isUrgencyCue(c string) bool {
	return strings.HasPrefix(c, "urgency: ") || strings.HasPrefix(c, "shouting: ")
}

// matchRules fires the cue rules of data/cues.txt.
func (m *model) matchRules(sc *scratch, sig *signals) {
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.kind != tWord {
			continue
		}
		if t.w != nil {
			for _, id := range t.w.rules {
				m.try(sc, id, i, sig)
			}
		}
		if t.e-t.s >= 4 {
			for _, id := range m.prefix[string(sc.buf[t.s:t.s+4])] {
				m.try(sc, id, i, sig)
			}
		}
	}
}

func (m *model) try(sc *scratch, id int32, i int, sig *signals) {
	r := &m.rules[id]
	end, ok := sc.match(r.pat, i, sc.toks[i].clause)
	if !ok {
		return
	}
	for _, f := range sc.fired {
		if f == id {
			return
		}
	}
	sc.fired = append(sc.fired, id)
	sig.classes |= r.classes
	switch {
	case r.classes&cGreeting != 0:
		for k := i; k < end; k++ {
			sc.toks[k].neutral = true
		}
		return
	case r.classes&cComplaint != 0:
		sig.kind[0] += r.weight
	case r.classes&cQuestion != 0:
		sig.kind[1] += r.weight
	case r.classes&cPraise != 0:
		sig.kind[2] += r.weight
	case r.classes&cSpam != 0:
		sig.kind[3] += r.weight
	}
	if r.weight >= 0 && len(sig.cues) < 2*maxCues {
		sig.cue(sc.matched(r.class, i, end))
	}
}

// matched renders "class: the matched words".
func (sc *scratch) matched(class string, from, to int) string {
	n := len(class) + 2
	for k := from; k < to; k++ {
		n += int(sc.toks[k].e-sc.toks[k].s) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, class...)
	b = append(b, ':')
	for k := from; k < to; k++ {
		b = append(b, ' ')
		b = append(b, sc.word(k)...)
	}
	return string(b)
}

// match matches pat at token i within one clause and returns the index
// after the last matched token.
func (sc *scratch) match(pat []pelem, i int, clause int32) (int, bool) {
	if len(pat) == 0 {
		return i, true
	}
	p := &pat[0]
	if p.gap {
		for k := 0; k <= maxGap; k++ {
			if end, ok := sc.match(pat[1:], i+k, clause); ok {
				return end, true
			}
			if i+k >= len(sc.toks) || sc.toks[i+k].clause != clause {
				break
			}
		}
		return 0, false
	}
	if i >= len(sc.toks) {
		return 0, false
	}
	t := &sc.toks[i]
	if t.kind != tWord || t.clause != clause {
		return 0, false
	}
	w := sc.buf[t.s:t.e]
	if p.prefix {
		if len(w) < len(p.text) || string(w[:len(p.text)]) != p.text {
			return 0, false
		}
	} else if string(w) != p.text {
		return 0, false
	}
	return sc.match(pat[1:], i+1, clause)
}

// detectLang returns langEN, langFR or langNL, or -1 for any other language
// or text without letters.
func (m *model) detectLang(sc *scratch) int {
	if sc.letters == 0 || sc.nonLatin*2 > sc.letters {
		return -1
	}
	named := 0
	for i := range sc.toks {
		if sc.toks[i].name || sc.toks[i].handle {
			named++
		}
	}
	if named == words(sc) {
		return langEN // only names: no evidence, the default
	}
	var stop [nLangs]float32
	var tri [nSentLangs]float32
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.kind != tWord || t.name || t.handle {
			continue
		}
		if w := t.w; w != nil && w.nstop > 0 {
			share := 1 / float32(w.nstop)
			for l := range nLangs {
				if w.stop&(1<<l) != 0 {
					stop[l] += share
				}
			}
		}
		b := sc.buf[t.s:t.e]
		if len(b) < 3 || b[0] >= '0' && b[0] <= '9' {
			continue
		}
		var s [nSentLangs]float32
		at := func(k int) byte {
			if k < 0 || k >= len(b) {
				return ' '
			}
			return b[k]
		}
		n := 0
		for k := -1; k+1 < len(b)+1 && n < 24; k++ {
			p, ok := m.tri[trigramKey(at(k), at(k+1), at(k+2))]
			if !ok {
				p = m.triMin
			}
			for l := range nSentLangs {
				s[l] += p[l]
			}
			n++
		}
		best := max(s[0], s[1], s[2])
		for l := range nSentLangs {
			tri[l] += (s[l] - best) / float32(n)
		}
	}
	best, bestScore := langEN, float32(math.Inf(-1))
	for l := range nSentLangs {
		score := 2*stop[l] + tri[l]
		if l == langEN {
			score += 0.1 // ties go to English, the lingua franca of chat
		}
		if score > bestScore {
			best, bestScore = l, score
		}
	}
	var other float32
	for l := nSentLangs; l < nLangs; l++ {
		other = max(other, stop[l])
	}
	if other >= 1.5 && other > stop[best]+0.5 {
		return -1
	}
	return best
}

// sentiment scores the message in [-1, 1], VADER style: word valences from
// the language's lexicons, boosted, negated, weighted around "but", plus
// emoji, emoticons, capitals and exclamation marks.
func (m *model) sentiment(sc *scratch, lang int, sig *signals) float64 {
	l := lang
	if l < 0 {
		l = langEN
	}
	toks := sc.toks
	butAt := -1
	for i := range toks {
		if w := toks[i].w; toks[i].kind == tWord && w != nil && w.flags&fContrast != 0 && i > 0 {
			butAt = i
			break
		}
	}
	mixedCase := sc.upper > 0 && sc.upper*10 < sc.letters*7
	var sum float32
	usedBut := false
	for i := range toks {
		t := &toks[i]
		if t.w == nil || t.neutral {
			continue
		}
		var v float32
		if t.kind == tWord {
			// What the team sells ("support", "service") is no sentiment.
			if t.w.has&(1<<l) == 0 || t.w.flags&fTarget != 0 {
				continue
			}
			v = t.w.val[l]
		} else {
			v = t.w.val[0]
			if t.kind == tEmoji && v != 0 {
				sig.cue("emoji " + string(t.emoji))
			} else if v != 0 {
				sig.cue("emoticon")
			}
		}
		if v == 0 {
			continue
		}
		for k := 1; k <= 3 && i-k >= 0; k++ {
			p := &toks[i-k]
			if p.clause != t.clause {
				break
			}
			if p.w != nil && p.w.flags&fBooster != 0 {
				b := p.w.boost * (1 - 0.05*float32(k-1))
				if v < 0 {
					b = -b
				}
				v += b
			}
		}
		if t.caps && mixedCase && t.kind == tWord {
			v += sign(v) * 0.733
			sig.cue("caps emphasis")
		}
		if t.kind == tWord {
			if neg := m.negator(sc, i, lang); neg >= 0 {
				v *= -0.74
				if len(sig.cues) < 2*maxCues {
					sig.cue("negation: " + negCue(sc, neg, i))
				}
			}
		}
		if butAt >= 0 {
			if i < butAt {
				v *= 0.5
			} else {
				v *= 1.5
			}
			usedBut = true
		}
		sum += v
	}
	if usedBut {
		sig.cue("but-clause: " + string(sc.word(butAt)))
	}
	if sig.kind[0] >= 2 {
		// A breach of expectations is bad news even in neutral words.
		sum -= 1.5
	}
	if sum != 0 && sc.excl > 0 {
		sum += sign(sum) * float32(min(sc.excl, 4)) * 0.292
	}
	s := float64(sum) / math.Sqrt(float64(sum*sum)+15)
	return max(-1, min(1, s))
}

func negCue(sc *scratch, neg, i int) string {
	if neg < i {
		return string(sc.word(neg)) + " " + string(sc.word(i))
	}
	return string(sc.word(i)) + " " + string(sc.word(neg))
}

func sign(v float32) float32 {
	if v < 0 {
		return -1
	}
	return 1
}

// negator returns the index of the word negating token i, or -1: one of the
// three words before it in the same clause, or in French and Dutch the word
// right after it ("j'aime pas", "vind ik leuk niet").
func (m *model) negator(sc *scratch, i, lang int) int {
	toks := sc.toks
	isNeg := func(k int) bool {
		t := &toks[k]
		if t.kind != tWord || t.clause != toks[i].clause {
			return false
		}
		if t.w != nil && t.w.flags&fNegator != 0 {
			return true
		}
		w := sc.buf[t.s:t.e]
		if n := len(w); n > 3 && string(w[n-3:]) == "n't" {
			return true
		}
		// "ne ... plus" negates; "plus" alone means "more".
		if string(w) == "plus" {
			for j := k - 1; j >= 0 && j >= k-3 && toks[j].clause == t.clause; j-- {
				if p := sc.word(j); string(p) == "n" || string(p) == "ne" {
					return true
				}
			}
		}
		return false
	}
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if toks[k].clause != toks[i].clause {
			break
		}
		if isNeg(k) {
			return k
		}
	}
	if (lang == langFR || lang == langNL) && i+1 < len(toks) && isNeg(i+1) {
		return i + 1
	}
	return -1
}

// structural adds the cues that come from the shape of the message rather
// than its words: question marks, question openers, links, numbers.
func (m *model) structural(sc *scratch, lang int, sent float64, sig *signals) {
	if sc.quest > 0 {
		sig.kind[1] += 2
		sig.cue("question: ?")
	}
	start := false
	for i := range sc.toks {
		t := &sc.toks[i]
		start = start || t.start
		if !start || t.kind != tWord {
			start = false
			continue
		}
		var flags uint16
		if t.w != nil {
			flags = t.w.flags
		}
		if (flags&fFiller != 0 || t.handle) && i+1 < len(sc.toks) && sc.toks[i+1].clause == t.clause {
			continue // "so is it…", "@AcmeHelp what…": look at the next word
		}
		start = false
		if flags&fWh != 0 {
			sig.kind[1] += 1.5
			sig.cue("question: starts with " + string(sc.word(i)))
			if w := sc.word(i); string(w) == "why" || string(w) == "pourquoi" || string(w) == "waarom" {
				sig.kind[0] += 1 // "why does every update…" is rarely a neutral question
			}
			break
		}
		if lang != langNL || flags&(fSubject|fPronoun) != 0 {
			continue
		}
		if flags&fV1 != 0 || i+1 < len(sc.toks) && sc.toks[i+1].kind == tWord && sc.toks[i+1].w != nil &&
			sc.toks[i+1].w.flags&fSubject != 0 && string(sc.word(i)) != "dank" {
			sig.kind[1] += 1.5
			sig.cue("question: verb first")
			break
		}
	}
	if sc.urls > 0 {
		sig.kind[3] += float32(min(sc.urls, 2))
		sig.cue("spam: link")
		if words(sc) <= 3 {
			sig.kind[3] += 1.5
			sig.cue("spam: little but a link")
		}
	}
	if sc.invites > 0 {
		sig.kind[3] += 1
		sig.cue("spam: invite link")
	}
	if sc.money > 0 {
		sig.kind[3] += 0.5
	}
	if sc.phones > 0 {
		sig.kind[3] += 1.5
		sig.cue("spam: phone number")
	} else if sc.longDigits > 0 {
		sig.kind[3] += 0.5
	}
	target := false
	for i := range sc.toks {
		if w := sc.toks[i].w; w != nil && sc.toks[i].kind == tWord && w.flags&fTarget != 0 {
			target = true
			break
		}
	}
	// An expected outcome that did not happen: "hasn't arrived", "ne charge
	// pas", "werkt niet".
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.kind != tWord || t.w == nil || t.w.flags&fExpect == 0 {
			continue
		}
		if neg := m.negator(sc, i, lang); neg >= 0 {
			sig.kind[0] += 1
			sig.cue("complaint: " + negCue(sc, neg, i))
			break
		}
	}
	// A fault that recurs: "keeps crashing", "keep sending me in circles".
	for i := 0; i+1 < len(sc.toks); i++ {
		if w := sc.word(i); string(w) == "keeps" || string(w) == "keep" {
			if n := sc.word(i + 1); len(n) > 4 && string(n[len(n)-3:]) == "ing" && sc.toks[i+1].clause == sc.toks[i].clause {
				sig.kind[0] += 1.5
				sig.cue("complaint: " + string(w) + " " + string(n))
				break
			}
		}
	}
	if target && sent <= -0.35 {
		sig.kind[0] += 1.5
		sig.cue("complaint: negative about the product")
	}
}

// kind decides the kind from the gathered scores. mentioned says the
// message names a watched name (brand, bot or competitor); toUs that it names
// the brand or the bot: negativity aimed at them is a complaint, even when it
// is worded as a question.
func (m *model) kind(sc *scratch, sent float64, mentioned, toUs bool, sig *signals) bot.Kind {
	complaint, question, praise, spam := sig.kind[0], sig.kind[1], sig.kind[2], sig.kind[3]
	isQuestion := question >= 1.5
	switch {
	case spam >= 2 && spam > complaint:
		return bot.KindSpam
	case complaint >= 2, complaint >= 1 && !isQuestion:
		return bot.KindComplaint
	case toUs && sent <= -0.3 && praise < 1 && (!isQuestion || speaksTo(sc)):
		// A question is a complaint when its negativity is aimed at the team
		// ("why is your app so bad?"), not when it is about something else
		// ("does it work offline? I have a bad connection").
		sig.cue("complaint: negative about the brand")
		return bot.KindComplaint
	case isQuestion:
		return bot.KindQuestion
	case praise >= 1.5 && sent >= 0, praise >= 1 && sent >= 0.3, sent >= 0.45 && (mentioned || addressed(sc)):
		return bot.KindPraise
	case mentioned:
		return bot.KindMention
	}
	return bot.KindOther
}

// words counts the words of the message.
func words(sc *scratch) int {
	n := 0
	for i := range sc.toks {
		if sc.toks[i].kind == tWord {
			n++
		}
	}
	return n
}

// addressed reports whether the message speaks to the team or about what it
// is responsible for.
func addressed(sc *scratch) bool { return hasWord(sc, fTarget|fPronoun) }

// speaksTo reports whether the message speaks to the team: an @handle or a
// second-person word (you, vous, jullie).
func speaksTo(sc *scratch) bool { return hasWord(sc, fPronoun) }

// hasWord reports whether the message has an @handle or a word with one of
// flags.
func hasWord(sc *scratch, flags uint16) bool {
	for i := range sc.toks {
		if sc.toks[i].handle {
			return true
		}
		if w := sc.toks[i].w; w != nil && sc.toks[i].kind == tWord && w.flags&flags != 0 {
			return true
		}
	}
	return false
}

// urgency ranks how soon a person should look.
func urgency(sc *scratch, kind bot.Kind, sent float64, followUps int, sig *signals) bot.Urgency {
	if kind == bot.KindSpam {
		return bot.UrgencyLow
	}
	level := 0
	switch kind {
	case bot.KindComplaint, bot.KindQuestion, bot.KindMention:
		level = 1
	}
	c := sig.classes
	if c&(cChurn|cPayment|cData) != 0 {
		level = max(level, 2)
		for _, x := range []struct {
			bit uint16
			cue string
		}{{cChurn, "urgency: churn intent"}, {cPayment, "urgency: payment problem"}, {cData, "urgency: data or account security"}} {
			if c&x.bit != 0 {
				sig.cue(x.cue)
			}
		}
	}
	if c&(cLegal|cPress|cSafety) != 0 {
		level = 3
		for _, x := range []struct {
			bit uint16
			cue string
		}{{cLegal, "urgency: legal threat"}, {cPress, "urgency: press"}, {cSafety, "urgency: safety"}} {
			if c&x.bit != 0 {
				sig.cue(x.cue)
			}
		}
	}
	raise := 0
	switch {
	case followUps >= 4:
		raise = 2
	case followUps >= 2:
		raise = 1
	}
	if followUps >= 2 {
		sig.cue("urgency: follow-ups " + strconv.Itoa(followUps))
	}
	if c&cFollowup != 0 && raise == 0 {
		raise = 1
		sig.cue("urgency: repeated request")
	}
	shouting := sc.letters >= 8 && sc.upper*10 >= sc.letters*7
	if shouting {
		sig.cue("shouting: capitals")
	}
	if sc.maxExcl >= 3 {
		shouting = true
		sig.cue("shouting: " + strings.Repeat("!", min(sc.maxExcl, 5)))
	}
	if shouting && (kind == bot.KindComplaint || sent < -0.2) {
		raise++
	}
	level = min(level+raise, 3)
	return [...]bot.Urgency{bot.UrgencyLow, bot.UrgencyNormal, bot.UrgencyHigh, bot.UrgencyCritical}[level]
}

// keywords returns the keywords that occur in the message as whole words,
// ignoring case and accents. A keyword of several words matches those words
// in a row.
func (m *model) keywords(sc *scratch, kws []string, label string, sig *signals) []string {
	var out []string
	for _, kw := range kws {
		if m.hasKeyword(sc, kw) {
			kw = strings.ToValidUTF8(strings.TrimSpace(kw), "\uFFFD")
			out = append(out, kw)
			sig.cue(label + kw)
		}
	}
	return out
}

func (m *model) hasKeyword(sc *scratch, kw string) bool {
	sc.kw, sc.kwTok = sc.kw[:0], sc.kwTok[:0]
	open := false
	for _, r := range kw {
		switch {
		case btext.IsWordRune(r):
			if !open {
				sc.kwTok = append(sc.kwTok, [2]int32{int32(len(sc.kw)), 0})
				open = true
			}
			sc.kw = btext.AppendFold(sc.kw, r)
			sc.kwTok[len(sc.kwTok)-1][1] = int32(len(sc.kw))
		case btext.IsMark(r):
		default:
			open = false
		}
	}
	n := len(sc.kwTok)
	if n == 0 {
		return false
	}
outer:
	for i := 0; i+n <= len(sc.toks); i++ {
		for k := range n {
			t := &sc.toks[i+k]
			if t.kind != tWord || !sameName(sc.buf[t.s:t.e], sc.kw[sc.kwTok[k][0]:sc.kwTok[k][1]], k == n-1) {
				continue outer
			}
		}
		for k := range n {
			sc.toks[i+k].name = true
		}
		return true
	}
	return false
}

// sameName compares a folded word of the message with one of a keyword; the
// last word of a keyword may carry a possessive "'s" ("Acme's").
func sameName(w, kw []byte, last bool) bool {
	if string(w) == string(kw) {
		return true
	}
	return last && len(w) == len(kw)+2 && string(w[:len(kw)]) == string(kw) && string(w[len(kw):]) == "'s"
}

// foldWords splits s into folded words the way messages are split.
func (m *model) foldWords(s string) []string {
	sc := &scratch{}
	m.tokenize(sc, s)
	out := make([]string, 0, len(sc.toks))
	for i := range sc.toks {
		if sc.toks[i].kind == tWord {
			out = append(out, string(sc.word(i)))
		}
	}
	return out
}
