package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
)

func TestSettingLinesInOrderAndInstallBringsWords(t *testing.T) {
	r := &bot.Router{}
	line := func(order int, text string) bot.SettingLine {
		return bot.SettingLine{Order: order, Render: func(context.Context, bot.Settings, bot.Lang) (string, error) { return text, nil }}
	}
	cat := bot.NewCatalog()
	runners := bot.Install(r, cat,
		skillFunc(func(r *bot.Router) { r.SettingLine(line(200, "c")); r.SettingLine(line(10, "a")) }),
		wordySkill{skillFunc(func(r *bot.Router) { r.SettingLine(line(100, "b1")); r.SettingLine(line(100, "b2")) })},
	)
	var got []string
	for _, l := range r.SettingLines() {
		s, _ := l.Render(context.Background(), bot.Settings{}, bot.English)
		got = append(got, s)
	}
	if strings.Join(got, " ") != "a b1 b2 c" {
		t.Errorf("lines %v, want a b1 b2 c", got)
	}
	if cat.T(bot.French, "wordy.hello") != "bonjour" || len(runners) != 1 {
		t.Errorf("catalogue %q, %d runners", cat.T(bot.French, "wordy.hello"), len(runners))
	}
}

// wordySkill brings its own words and runs in the background.
type wordySkill struct{ skillFunc }

func (wordySkill) Messages() bot.Messages {
	return bot.Messages{bot.English: {"wordy.hello": "hello"}, bot.French: {"wordy.hello": "bonjour"}, bot.Dutch: {"wordy.hello": "hallo"}}
}
func (wordySkill) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func TestMessagesCloneIsDeep(t *testing.T) {
	orig := wordySkill{}.Messages()
	c := orig.Clone()
	c[bot.French]["wordy.hello"] = "salut"
	c[bot.English]["wordy.new"] = "new"
	if orig[bot.French]["wordy.hello"] != "bonjour" || len(orig[bot.English]) != 1 {
		t.Errorf("changing the copy changed the original: %v", orig)
	}
}
