package moderation

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Toxicity evaluation on public labelled sets in ../shared/data/eval (for
// measuring only; never embedded): HateCheck (English), Multilingual
// HateCheck (French, Dutch), MLMA (English, French tweets) and Davidson et
// al. (English tweets).
//
// Split: rows with an even index of each file are the tuning half (cue
// lists were checked against it); the figures reported are those of the
// odd rows, never looked at while writing the cues. Run:
//
//	go test ./skills/moderation -run TestToxicEval -v
//
// COMMPILOT_EVAL_DATA overrides the location of the eval directory.

type evalRow struct {
	text, functionality string
	hateful, harmless   bool
}

func evalDir(t *testing.T) string {
	dir := os.Getenv("COMMPILOT_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "eval")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("evaluation data not found at %s (set COMMPILOT_EVAL_DATA or check out ../shared next to the repository): %v", dir, err)
	}
	return dir
}

// readCSV returns the rows of a CSV file as maps by header name.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		m := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// evalSets loads each set as language → rows.
func evalSets(t *testing.T) map[string][]evalRow {
	dir := evalDir(t)
	sets := map[string][]evalRow{}
	hatecheck := func(name, file string) {
		for _, m := range readCSV(t, filepath.Join(dir, file)) {
			sets[name] = append(sets[name], evalRow{text: m["test_case"], functionality: m["functionality"],
				hateful: m["label_gold"] == "hateful", harmless: m["label_gold"] == "non-hateful"})
		}
	}
	hatecheck("HateCheck EN", "hatecheck-en/test_suite_cases.csv")
	hatecheck("MHC FR", "multilingual-hatecheck/hatecheck_cases_final_french.csv")
	hatecheck("MHC NL", "multilingual-hatecheck/hatecheck_cases_final_dutch.csv")
	for name, file := range map[string]string{"MLMA EN": "mlma-hate-speech/en_dataset_with_stop_words.csv", "MLMA FR": "mlma-hate-speech/fr_dataset.csv"} {
		for _, m := range readCSV(t, filepath.Join(dir, file)) {
			s := m["sentiment"]
			sets[name] = append(sets[name], evalRow{text: m["tweet"], functionality: m["directness"],
				hateful: strings.Contains(s, "hateful") || strings.Contains(s, "abusive"), harmless: s == "normal"})
		}
	}
	for _, m := range readCSV(t, filepath.Join(dir, "davidson-hate-offensive/labeled_data.csv")) {
		c, _ := strconv.Atoi(m["class"])
		fn := map[int]string{0: "hate", 1: "offensive", 2: "neither"}[c]
		sets["Davidson EN"] = append(sets["Davidson EN"], evalRow{text: m["tweet"], functionality: fn, hateful: c == 0, harmless: c == 2})
	}
	return sets
}

// rates holds recall on hateful rows and the false-flag rate on harmless
// rows, for the toxic trigger and for the plain word list.
type rates struct {
	hateful, harmless          int
	toxicHit, toxicFalse       int
	baselineHit, baselineFalse int
}

func (r *rates) add(row evalRow) {
	n := Normalize(row.text)
	v := scoreToxic(&n)
	switch {
	case row.hateful:
		r.hateful++
		r.toxicHit += b2i(v.Toxic)
		r.baselineHit += b2i(v.Profane)
	case row.harmless:
		r.harmless++
		r.toxicFalse += b2i(v.Toxic)
		r.baselineFalse += b2i(v.Profane)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pct(a, b int) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%5.1f%%", 100*float64(a)/float64(b))
}

func (r rates) String() string {
	return fmt.Sprintf("hateful %4d: recall toxic %s, words %s | harmless %4d: flagged toxic %s, words %s",
		r.hateful, pct(r.toxicHit, r.hateful), pct(r.baselineHit, r.hateful),
		r.harmless, pct(r.toxicFalse, r.harmless), pct(r.baselineFalse, r.harmless))
}

// evalHalf returns the rows of the tuning (even) or report (odd) half.
func evalHalf(rows []evalRow, report bool) []evalRow {
	var out []evalRow
	for i, r := range rows {
		if (i%2 == 1) == report {
			out = append(out, r)
		}
	}
	return out
}

func TestToxicEval(t *testing.T) {
	sets := evalSets(t)
	report := os.Getenv("COMMPILOT_EVAL_HALF") != "tune"
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	sort.Strings(names)
	half := map[bool]string{true: "report (odd rows)", false: "tune (even rows)"}[report]
	t.Logf("toxic trigger vs plain word list, %s half", half)
	totals := map[string]*rates{}
	for _, name := range names {
		var all rates
		byFn := map[string]*rates{}
		for _, row := range evalHalf(sets[name], report) {
			all.add(row)
			if byFn[row.functionality] == nil {
				byFn[row.functionality] = &rates{}
			}
			byFn[row.functionality].add(row)
		}
		totals[name] = &all
		t.Logf("%-12s %v", name, all)
		if testing.Verbose() && strings.Contains(name, "H") {
			fns := make([]string, 0, len(byFn))
			for f := range byFn {
				fns = append(fns, f)
			}
			sort.Strings(fns)
			for _, f := range fns {
				t.Logf("    %-26s %v", f, *byFn[f])
			}
		}
	}
	// What the toxic trigger is for: harmless profanity and counter-speech
	// are flagged far less than by the word list, and targeted abuse is
	// still found.
	en := totals["HateCheck EN"]
	if en.toxicFalse*2 > en.baselineFalse || en.toxicHit*10 < en.hateful*3 {
		t.Errorf("HateCheck EN: toxic flags %d/%d harmless (words %d), finds %d/%d hateful", en.toxicFalse, en.harmless, en.baselineFalse, en.toxicHit, en.hateful)
	}
}
