package text_test

import (
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot/text"
)

// benchText is a community message of a usual length, in French with
// accents, a link and a mention.
var benchText = strings.Repeat("Bonjour <@discord:1>, ma commande n°42 n'est toujours pas ARRIVÉE, voyez https://acme.example/suivi. Été ", 3)

func BenchmarkFold(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		_ = text.Fold(benchText)
	}
}

func BenchmarkTokens(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		_ = text.Tokens(benchText)
	}
}
