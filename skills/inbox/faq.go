package inbox

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/text"
)

// faqIndex is the FAQ with each entry's content words, normalised once
// when the FAQ is read (see faqCache), not for every draft.
type faqIndex struct {
	entries []bot.FAQEntry
	terms   []faqTerms
}

type faqTerms struct{ question, answer map[string]bool }

func newFAQIndex(entries []bot.FAQEntry) *faqIndex {
	x := &faqIndex{entries: entries, terms: make([]faqTerms, len(entries))}
	for i, e := range entries {
		x.terms[i] = faqTerms{contentWords(e.Question), contentWords(e.Answer)}
	}
	return x
}

// relevant returns up to n entries that share the most content words with
// text, best first; entries sharing none are left out. A word of the
// question counts 1, one of the answer only 0.5, and the score is divided by
// the question's length, so a short question that matches wins.
func (x *faqIndex) relevant(text string, n int) []bot.FAQEntry {
	words := contentWords(text)
	type scored struct {
		e     bot.FAQEntry
		score float64
	}
	var hits []scored
	for i, e := range x.entries {
		q, a := x.terms[i].question, x.terms[i].answer
		var score float64
		for w := range words {
			if q[w] {
				score += 1
			} else if a[w] {
				score += 0.5
			}
		}
		if score >= 1 {
			hits = append(hits, scored{e, score / float64(len(q)+1)})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]bot.FAQEntry, 0, min(n, len(hits)))
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].e)
	}
	return out
}

// faqCache holds the FAQ index between changes. The FAQ changes only
// through this skill's faq add and remove, which call drop; version makes a
// read that raced a change not cache what it read.
type faqCache struct {
	mu      sync.Mutex
	cur     *faqIndex
	version uint64
}

// get returns the cached index, reading and normalising the FAQ when
// there is none.
func (c *faqCache) get(ctx context.Context, store bot.InboxStore) (*faqIndex, error) {
	c.mu.Lock()
	cur, v := c.cur, c.version
	c.mu.Unlock()
	if cur != nil {
		return cur, nil
	}
	entries, err := store.FAQ(ctx)
	if err != nil {
		return nil, err
	}
	x := newFAQIndex(entries)
	c.mu.Lock()
	if c.version == v {
		c.cur = x
	}
	c.mu.Unlock()
	return x, nil
}

// drop forgets the index after a change of the FAQ.
func (c *faqCache) drop() {
	c.mu.Lock()
	c.cur = nil
	c.version++
	c.mu.Unlock()
}

// contentWords folds case and accents and drops short and common words, in
// English, French and Dutch, and a crude plural "s". Elided words split at
// their apostrophe ("l'offre" gives "offre").
func contentWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, tok := range text.Tokens(s) {
		for _, w := range strings.Split(tok.Folded(), "'") {
			if len(w) < 3 || stopwords[w] {
				continue
			}
			if len(w) > 4 {
				w = strings.TrimSuffix(w, "s")
			}
			out[w] = true
		}
	}
	return out
}

var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for you your are was were what when where which who why how can could would should
		have has had with this that there their they them from about into just not but all any our out get got does did
		les des une est sont pour vous votre vos avec dans sur pas que qui quoi quand comment est-ce mais tout tous nous
		mon mes son ses leur leurs par plus moins ete etre avoir fait faire cette ces ceux elle ils elles quel quelle
		het een van voor met niet wat wie waar wanneer hoe zijn heb hebt heeft dat die dit deze jullie onze ons maar
		ook nog naar bij over uit kan kunnen wordt worden was waren`) {
		m[w] = true
	}
	return m
}()
