package moderation

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
)

// benchRules returns n rules of ten words each, drawn from a fixed seed.
func benchRules(n int) []bot.ModRule {
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyz"
	var out []bot.ModRule
	for i := range n {
		words := make([]string, 10)
		for j := range words {
			b := make([]byte, 5+rng.IntN(5))
			for k := range b {
				b[k] = letters[rng.IntN(len(letters))]
			}
			words[j] = string(b)
		}
		out = append(out, bot.ModRule{Name: fmt.Sprintf("r%d", i), Platform: bot.Discord,
			Triggers: []bot.RulePart{{Kind: 1, Arg: strings.Join(words, ",")}}, Actions: []bot.RulePart{{Kind: int(effDelete)}}})
	}
	return out
}

// benchMessage is a 200-character community message.
const benchMessage = "Hey everyone, has anyone tried the new release yet? I updated this morning and the dashboard feels " +
	"much faster, but the export button moved and I can't find it. Any tips? Thanks a lot, see you at the meetup!"

func BenchmarkEngine(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		set, err := Compile(benchRules(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			in := input(benchMessage)
			for b.Loop() {
				in.Norm = Normalize(benchMessage)
				if m := set.Evaluate(in, false); len(m) != 0 {
					b.Fatal("matched")
				}
			}
		})
	}
}

// BenchmarkEvaluate is the rules alone on a message normalised once.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		set, err := Compile(benchRules(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			in := input(benchMessage)
			for b.Loop() {
				if m := set.Evaluate(in, false); len(m) != 0 {
					b.Fatal("matched")
				}
			}
		})
	}
}

// BenchmarkRegexLoop is the baseline: one compiled stdlib regexp per rule,
// each run on the message.
func BenchmarkRegexLoop(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		var res []*regexp.Regexp
		for _, r := range benchRules(n) {
			res = append(res, regexp.MustCompile(`(?i)\b(?:`+strings.ReplaceAll(r.Triggers[0].Arg, ",", "|")+`)\b`))
		}
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			for b.Loop() {
				for _, re := range res {
					if re.MatchString(benchMessage) {
						b.Fatal("matched")
					}
				}
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"plain200", benchMessage},
		{"evasive", "F.U.C.K y0u іdіоt, j0in d i s c o r d . g g/abc $h!t fuuuuuck z\u0301\u0302a\u0303lgo ｆｕｌｌｗｉｄｔｈ"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			for b.Loop() {
				Normalize(tc.text)
			}
		})
	}
}

func BenchmarkCompile1000(b *testing.B) {
	rules := benchRules(1000)
	for b.Loop() {
		if _, err := Compile(rules); err != nil {
			b.Fatal(err)
		}
	}
}
