package triage

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SpamRow is one message of a public spam set.
type SpamRow struct {
	Text string
	Spam bool
}

// ReadSMSSpam reads the SMS Spam Collection under evalDir
// (sms-spam-collection/SMSSpamCollection: LABEL<TAB>TEXT, spam or ham).
func ReadSMSSpam(evalDir string) ([]SpamRow, error) {
	path := filepath.Join(evalDir, "sms-spam-collection", "SMSSpamCollection")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sms spam: %w", err)
	}
	defer f.Close()
	var rows []SpamRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if label, text, ok := strings.Cut(sc.Text(), "\t"); ok {
			rows = append(rows, SpamRow{Text: text, Spam: label == "spam"})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// ReadYouTubeSpam reads the five files of the YouTube Spam Collection under
// evalDir (youtube-spam-collection/Youtube0*.csv: CONTENT, and CLASS or
// label, 1 for spam), in file order.
func ReadYouTubeSpam(evalDir string) ([]SpamRow, error) {
	files, err := filepath.Glob(filepath.Join(evalDir, "youtube-spam-collection", "Youtube0*.csv"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("youtube spam: no Youtube0*.csv under %s", evalDir)
	}
	var rows []SpamRow
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("youtube spam: %w", err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) == 0 {
			return nil, fmt.Errorf("youtube spam %s: %v", name, err)
		}
		text, class := -1, -1
		for i, h := range recs[0] {
			switch strings.ToUpper(strings.TrimSpace(h)) {
			case "CONTENT":
				text = i
			case "CLASS", "LABEL":
				class = i
			}
		}
		if text < 0 || class < 0 {
			return nil, fmt.Errorf("youtube spam %s: no CONTENT or CLASS/label column", name)
		}
		for _, r := range recs[1:] {
			rows = append(rows, SpamRow{Text: r[text], Spam: strings.TrimSpace(r[class]) == "1"})
		}
	}
	return rows, nil
}
