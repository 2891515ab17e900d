package digest

import (
	"context"
	"sync"

	"github.com/commpilot/commpilot/bot"
)

// Memo is a bot.Classifier that keeps its latest results by text, so the
// digest counts a message the inbox has just classified without classifying
// it again. Wire the same Memo as the inbox's classifier (or the LLM's
// fallback) and as Config.Classifier. Safe for concurrent use.
type Memo struct {
	c    bot.Classifier
	mu   sync.Mutex
	m    map[string]bot.Triage
	ring []string // keys in insertion order, at most cap(ring)
	next int
}

var _ bot.Classifier = (*Memo)(nil)

// NewMemo wraps c, keeping at most size results.
func NewMemo(c bot.Classifier, size int) *Memo {
	return &Memo{c: c, m: make(map[string]bot.Triage, size), ring: make([]string, 0, size)}
}

// Classify classifies with the wrapped classifier and keeps the result.
func (m *Memo) Classify(ctx context.Context, in bot.TriageInput) (bot.Triage, error) {
	t, err := m.c.Classify(ctx, in)
	if err != nil {
		return t, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[in.Text]; !ok {
		if len(m.ring) < cap(m.ring) {
			m.ring = append(m.ring, in.Text)
		} else if cap(m.ring) > 0 {
			delete(m.m, m.ring[m.next])
			m.ring[m.next] = in.Text
			m.next = (m.next + 1) % cap(m.ring)
		}
	}
	if cap(m.ring) > 0 {
		m.m[in.Text] = t
	}
	return t, nil
}

// recall returns the result kept for text, if any.
func (m *Memo) recall(text string) (bot.Triage, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.m[text]
	return t, ok
}

// classify is the digest's classification: the memo's result when the inbox
// classified the same text, otherwise the classifier's.
func (s *Skill) classify(ctx context.Context, st bot.Settings, text string) (bot.Triage, error) {
	if m, ok := s.cfg.Classifier.(*Memo); ok {
		if t, ok := m.recall(text); ok {
			return t, nil
		}
		return m.c.Classify(ctx, bot.TriageInput{Text: text, Brand: st.Brand, Competitors: st.Competitors})
	}
	return s.cfg.Classifier.Classify(ctx, bot.TriageInput{Text: text, Brand: st.Brand, Competitors: st.Competitors})
}
