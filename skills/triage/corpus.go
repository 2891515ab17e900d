package triage

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// CorpusLangs are the files of the project's labelled set, skills/triage/corpus.
var corpusLangs = []string{"en", "fr", "nl"}

// CorpusLangs lists the languages of the labelled set, one file each.
func CorpusLangs() []string { return slices.Clone(corpusLangs) }

// CorpusRow is one labelled message of the project's set.
type CorpusRow struct {
	Lang    string
	Kind    bot.Kind
	Urgency bot.Urgency
	Text    string
	// Split is "train", "dev" or "test", fixed by the row's line (see Split).
	Split string
	// Line is the row's line number in its file, from 1.
	Line int
}

// Split is the fixed split of the labelled set: of every ten lines of a
// file, the first seven train the model, the eighth chooses how rules and
// model combine (dev), the last two are for reporting (test) and are never
// trained or tuned on. The French and Dutch files were written as versions
// of the English messages in the same order for most of their length, so a
// message and its translations share a line number and a split.
func Split(line int) string {
	switch (line - 1) % 10 {
	case 7:
		return "dev"
	case 8, 9:
		return "test"
	}
	return "train"
}

// ReadCorpus reads dir/{en,fr,nl}.tsv: lines of KIND<TAB>URGENCY<TAB>TEXT.
// It fails on a line that does not have that shape or names an unknown kind
// or urgency, with the file and line.
func ReadCorpus(dir string) ([]CorpusRow, error) {
	var rows []CorpusRow
	for _, lang := range corpusLangs {
		path := filepath.Join(dir, lang+".tsv")
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read corpus: %w", err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			parts := strings.SplitN(sc.Text(), "\t", 3)
			if len(parts) != 3 || strings.TrimSpace(parts[2]) == "" {
				f.Close()
				return nil, fmt.Errorf("%s:%d: want KIND<TAB>URGENCY<TAB>TEXT", path, n)
			}
			kind, urg := bot.Kind(parts[0]), bot.Urgency(parts[1])
			if !slices.Contains(bot.Kinds(), kind) {
				f.Close()
				return nil, fmt.Errorf("%s:%d: unknown kind %q", path, n, parts[0])
			}
			switch urg {
			case bot.UrgencyLow, bot.UrgencyNormal, bot.UrgencyHigh, bot.UrgencyCritical:
			default:
				f.Close()
				return nil, fmt.Errorf("%s:%d: unknown urgency %q", path, n, parts[1])
			}
			rows = append(rows, CorpusRow{Lang: lang, Kind: kind, Urgency: urg, Text: parts[2], Split: Split(n), Line: n})
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return rows, nil
}
