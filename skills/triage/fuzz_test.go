package triage

import (
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
)

// FuzzAnalyze checks that any text, with any keywords, gets a valid result
// without panicking. Its corpus is kept in testdata/fuzz/FuzzAnalyze; grow
// it with: go test ./skills/triage -run XXX -fuzz FuzzAnalyze -fuzztime 60s
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"", " ", "still waiting for my order", "pas mal du tout !!!", "niet slecht 👍🏽",
		"\xff\xfe\x00", "ḩ̷̢̛̗ȩ̸̡l̶̢̨p̷̧̣", "👨‍👩‍👧😡🔥", "@Acme #acme acmeist", "n'", "'", "l'", "qu'",
		"http://", "www.", "discord.gg/", ".com", ":-)", "<3", "NOT BAD!!!", "but", "mais pas",
		strings.Repeat("a", 3000), strings.Repeat("ne pas ", 300),
	} {
		f.Add(s, "Acme", 0)
	}
	c := New()
	if err := c.Load(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, brand string, followUps int) {
		res, err := c.Analyze(bot.TriageInput{Text: text, Brand: []string{brand, ""}, Competitors: []string{brand}, FollowUps: followUps})
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, text, res)
		if len(res.Cues) > maxCues {
			t.Errorf("%d cues, want at most %d", len(res.Cues), maxCues)
		}
	})
}
