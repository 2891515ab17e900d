package digest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/triage"
)

// counting counts the classifications the real classifier does.
type counting struct {
	bot.Classifier
	n atomic.Int64
}

func (c *counting) Classify(ctx context.Context, in bot.TriageInput) (bot.Triage, error) {
	c.n.Add(1)
	return c.Classifier.Classify(ctx, in)
}

func TestMemoSavesTheSecondClassification(t *testing.T) {
	ctx := context.Background()
	real := &counting{Classifier: triage.New()}
	m := NewMemo(real, 2)
	f := newFixture(t, bot.English)
	f.skill.cfg.Classifier = m
	st, _ := f.Settings.Settings(ctx)
	text := "My Acme order never arrived, this is unacceptable"
	inboxSaw, err := m.Classify(ctx, bot.TriageInput{Text: text, Brand: st.Brand})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.skill.classify(ctx, st, text)
	if err != nil || got.Kind != inboxSaw.Kind || real.n.Load() != 1 {
		t.Errorf("digest classify = %v, %v after %d classifications; want the inbox's %v, one classification", got.Kind, err, real.n.Load(), inboxSaw.Kind)
	}
	// The memo keeps at most its size: the oldest goes first.
	for _, s := range []string{"a question?", "thanks a lot"} {
		if _, err := m.Classify(ctx, bot.TriageInput{Text: s}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := m.recall(text); ok || len(m.m) != 2 {
		t.Errorf("memo kept %d results, the oldest still there: %v", len(m.m), ok)
	}
}
