// Command train fits the offline classifier's learned kind model and writes
// skills/triage/data/kind-model.bin, which the next build embeds. Run it from
// the repository root, with ../shared checked out beside it:
//
//	go run ./skills/triage/train
//
// It trains on the train split of skills/triage/corpus (see triage.Split) and
// on Banking77's training rows mapped to complaint or question by
// banking77-kinds.tsv, chooses how rules and model combine on the dev split,
// and prints what it did. The run is deterministic: the same data gives the
// same file. The trainer's own build embeds the current file, so after a
// change of the file's format empty it first
// (: > skills/triage/data/kind-model.bin) — the rules alone then run.
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/triage"
)

// bankingWeights are the shares of one Banking77 row against one community
// message that the run tries, keeping the one that scores best on dev: its
// 10,000 rows are English banking queries, all complaints or questions,
// which must not drown the community set.
var bankingWeights = []float32{0, 0.1}

func main() {
	corpus := flag.String("corpus", "skills/triage/corpus", "the labelled community set")
	banking := flag.String("banking77", "../shared/data/train/banking77/train.csv", "Banking77 training rows")
	eval := flag.String("eval", "../shared/data/eval", "public sets: the even (tuning) rows of the SMS and YouTube spam sets join dev")
	kinds := flag.String("map", "skills/triage/train/banking77-kinds.tsv", "Banking77 intent → kind")
	out := flag.String("out", "skills/triage/data/kind-model.bin", "the model file to write")
	flag.Parse()
	if err := run(*corpus, *banking, *kinds, *eval, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(corpusDir, bankingCSV, mapFile, evalDir, out string) error {
	rows, err := triage.ReadCorpus(corpusDir)
	if err != nil {
		return err
	}
	var train []triage.Example
	var dev triage.Dev
	for _, r := range rows {
		ex := triage.Example{Text: r.Text, Kind: r.Kind}
		switch r.Split {
		case "train":
			train = append(train, ex)
		case "dev":
			dev.Kinds = append(dev.Kinds, ex)
		}
	}
	for _, read := range []func(string) ([]triage.SpamRow, error){triage.ReadSMSSpam, triage.ReadYouTubeSpam} {
		set, err := read(evalDir)
		if err != nil {
			return err
		}
		dev.Spam = append(dev.Spam, tuningHalf(set))
	}
	bank, err := readBanking(bankingCSV, mapFile)
	if err != nil {
		return err
	}
	c := triage.New()
	var best *triage.Trained
	var bestWeight float32
	for _, w := range bankingWeights {
		set := train
		if w > 0 {
			set = slices.Clone(train)
			for _, ex := range bank {
				ex.Weight = w
				set = append(set, ex)
			}
		}
		m, err := c.Train(set, dev, []string{"Acme"}, triage.TrainOptions{})
		if err != nil {
			return err
		}
		fmt.Printf("Banking77 weight %.2f: rules' vote %v, dev score %.3f\n", w, m.Alpha, m.DevScore)
		if best == nil || m.DevScore > best.DevScore {
			best, bestWeight = m, w
		}
	}
	if err := os.WriteFile(out, best.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	fmt.Printf("trained on %d community rows (+ %d Banking77 rows at weight %.2f), chosen on %d dev rows (score %.3f)\nwrote %s\n",
		len(train), len(bank), bestWeight, len(dev.Kinds), best.DevScore, out)
	return nil
}

// readBanking reads Banking77's CSV (text,category) and keeps the rows whose
// intent the map names.
func readBanking(path, mapFile string) ([]triage.Example, error) {
	kinds, err := readMap(mapFile)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("banking77: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	if _, err := r.Read(); err != nil { // header
		return nil, fmt.Errorf("banking77 header: %w", err)
	}
	var out []triage.Example
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("banking77: %w", err)
		}
		k, ok := kinds[rec[1]]
		if !ok {
			return nil, fmt.Errorf("banking77: intent %q is not in %s", rec[1], filepath.Base(mapFile))
		}
		out = append(out, triage.Example{Text: rec[0], Kind: k})
	}
}

func readMap(path string) (map[string]bot.Kind, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("intent map: %w", err)
	}
	m := map[string]bot.Kind{}
	for n, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		intent, kind, ok := strings.Cut(line, "\t")
		if !ok || (bot.Kind(kind) != bot.KindComplaint && bot.Kind(kind) != bot.KindQuestion) {
			return nil, fmt.Errorf("%s:%d: want INTENT<TAB>complaint|question", path, n+1)
		}
		m[intent] = bot.Kind(kind)
	}
	return m, nil
}

// tuningHalf keeps the even rows of a public set: the half that tuning may
// see (the evaluation reports on the odd rows).
func tuningHalf(rows []triage.SpamRow) []triage.Example {
	var out []triage.Example
	for i := 0; i < len(rows); i += 2 {
		k := bot.KindOther
		if rows[i].Spam {
			k = bot.KindSpam
		}
		out = append(out, triage.Example{Text: rows[i].Text, Kind: k})
	}
	return out
}
