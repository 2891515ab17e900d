package triage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// Input formats of RunClassify.
const (
	FormatAuto  = ""
	FormatJSONL = "jsonl" // one JSON object a line, text in a field
	FormatCSV   = "csv"   // a header row, then records; comma, semicolon or tab separated
	FormatLines = "lines" // one message a line
)

// Targets: what a labels column is compared with.
const (
	TargetKind    = "kind"    // Triage.Kind
	TargetLang    = "lang"    // Triage.Lang
	TargetUrgency = "urgency" // Triage.Urgency
	TargetSpam    = "spam"    // "spam" when Kind is spam, else "ham"; labels 1/0, spam/ham
	// TargetComplaint is "complaint" when Kind is complaint, else
	// "not_complaint"; labels 1/0, true/false, complaint, or any other kind.
	TargetComplaint = "complaint"
	TargetSign      = "sign" // sign of Sentiment (±0.05): positive, negative, neutral; labels numbers or words
)

// ErrUsage wraps errors caused by bad options or input shape (unknown column,
// format, target); Main exits 2 on them.
var ErrUsage = errors.New("usage")

// ClassifyOptions configure RunClassify.
type ClassifyOptions struct {
	// Format is FormatAuto (default), FormatJSONL, FormatCSV or FormatLines.
	// Auto reads a first line starting with "{" as JSON lines, a first line
	// that names TextColumn among separated fields as CSV, else plain lines.
	Format string
	// TextColumn is the field or column holding the message; default "text"
	// (matched case-insensitively). Naming one makes auto-detection read
	// non-JSON input as CSV.
	TextColumn string
	// Labels names the field or column of gold labels; empty means no
	// evaluation.
	Labels string
	// Target is what labels are compared with (TargetKind by default, or
	// TargetLang / TargetUrgency when Labels is named so).
	Target string
	// Brand and Competitors are passed to every message's TriageInput.
	Brand, Competitors []string
	// Report receives the evaluation report when Labels is set; nil means
	// out, after the JSON lines.
	Report io.Writer
	// Quiet writes no JSON lines (with Labels: the report only).
	Quiet bool
	// Progress, when set, receives a progress line updated in place at most
	// ten times a second; Size, if known, is the input's length in bytes.
	Progress io.Writer
	Size     int64
}

// Output is one line written by RunClassify: the message, its gold label if
// any, and every field of the Triage.
type Output struct {
	Text  string `json:"text"`
	Label string `json:"label,omitempty"`
	bot.Triage
}

// RunClassify classifies every message read from in and writes one JSON
// line (Output) per message to out. With opts.Labels it also compares each
// prediction with the gold label and writes per-class precision, recall and
// F1, accuracy and a confusion matrix to opts.Report (or out). It returns
// the confusion matrix (empty without labels).
func RunClassify(ctx context.Context, c bot.Classifier, in io.Reader, out io.Writer, opts ClassifyOptions) (*Confusion, error) {
	namedColumn := opts.TextColumn != ""
	if !namedColumn {
		opts.TextColumn = "text"
	}
	if opts.Target == "" {
		switch strings.ToLower(opts.Labels) {
		case TargetLang, TargetUrgency:
			opts.Target = strings.ToLower(opts.Labels)
		default:
			opts.Target = TargetKind
		}
	}
	switch opts.Target {
	case TargetKind, TargetLang, TargetUrgency, TargetSpam, TargetComplaint, TargetSign:
	default:
		return nil, fmt.Errorf("%w: unknown target %q (kind, lang, urgency, spam, complaint, sign)", ErrUsage, opts.Target)
	}
	counter := &countingReader{r: in}
	br := bufio.NewReaderSize(counter, 64<<10)
	format, err := detectFormat(br, opts, namedColumn)
	if err != nil {
		return nil, err
	}
	next, err := messageReader(br, format, opts)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	conf := &Confusion{}
	prog := progress{w: opts.Progress, size: opts.Size, start: time.Now()}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return conf, err
		}
		text, label, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return conf, err
		}
		res, err := c.Classify(ctx, bot.TriageInput{Text: text, Brand: opts.Brand, Competitors: opts.Competitors})
		if err != nil {
			return conf, fmt.Errorf("classify message %d: %w", n, err)
		}
		if opts.Labels != "" {
			conf.Add(normalizeGold(opts.Target, label), predicted(opts.Target, res))
		}
		if !opts.Quiet {
			if err := enc.Encode(Output{Text: text, Label: label, Triage: res}); err != nil {
				return conf, fmt.Errorf("write result: %w", err)
			}
		}
		prog.update(n, counter.n-int64(br.Buffered()))
	}
	prog.done()
	if err := bw.Flush(); err != nil {
		return conf, fmt.Errorf("write results: %w", err)
	}
	if opts.Labels != "" {
		rep := opts.Report
		if rep == nil {
			rep = out
		}
		fmt.Fprintf(rep, "labels %q compared with %s, %d messages\n", opts.Labels, opts.Target, conf.N())
		if err := conf.WriteReport(rep); err != nil {
			return conf, fmt.Errorf("write report: %w", err)
		}
	}
	return conf, nil
}

func predicted(target string, t bot.Triage) string {
	switch target {
	case TargetLang:
		return t.Lang
	case TargetUrgency:
		return string(t.Urgency)
	case TargetSpam:
		if t.Kind == bot.KindSpam {
			return "spam"
		}
		return "ham"
	case TargetComplaint:
		if t.Kind == bot.KindComplaint {
			return "complaint"
		}
		return "not_complaint"
	case TargetSign:
		return signOf(t.Sentiment, 0.05)
	}
	return string(t.Kind)
}

func signOf(v, dead float64) string {
	switch {
	case v > dead:
		return "positive"
	case v < -dead:
		return "negative"
	}
	return "neutral"
}

func normalizeGold(target, label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	switch target {
	case TargetSpam:
		switch l {
		case "1", "spam", "true", "yes":
			return "spam"
		case "0", "ham", "false", "no":
			return "ham"
		}
	case TargetComplaint:
		switch l {
		case "1", "true", "yes", "complaint", "y":
			return "complaint"
		}
		return "not_complaint"
	case TargetLang:
		if lang, ok := bot.ParseLang(l); ok {
			return string(lang)
		}
	case TargetSign:
		if v, err := strconv.ParseFloat(l, 64); err == nil {
			return signOf(v, 0)
		}
		switch l {
		case "pos":
			return "positive"
		case "neg":
			return "negative"
		case "neu":
			return "neutral"
		}
	}
	return l
}

func detectFormat(br *bufio.Reader, opts ClassifyOptions, namedColumn bool) (string, error) {
	switch opts.Format {
	case FormatJSONL, FormatCSV, FormatLines:
		return opts.Format, nil
	case FormatAuto:
	default:
		return "", fmt.Errorf("%w: unknown format %q (jsonl, csv, lines)", ErrUsage, opts.Format)
	}
	first, _ := br.Peek(4096)
	first = bytes.TrimLeft(first, "\ufeff \t\r\n")
	if len(first) > 0 && first[0] == '{' {
		return FormatJSONL, nil
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	if _, ok := columnIndex(splitHeader(string(line)), opts.TextColumn); ok || namedColumn {
		return FormatCSV, nil
	}
	return FormatLines, nil
}

func splitHeader(line string) []string {
	line = strings.TrimRight(line, "\r")
	return strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '\t' })
}

func columnIndex(cols []string, name string) (int, bool) {
	for i, c := range cols {
		if strings.EqualFold(strings.Trim(strings.TrimSpace(c), `"`), name) {
			return i, true
		}
	}
	return 0, false
}

// messageReader returns a function yielding (text, label) until io.EOF.
func messageReader(br *bufio.Reader, format string, opts ClassifyOptions) (func() (string, string, error), error) {
	switch format {
	case FormatJSONL:
		line := 0
		return func() (string, string, error) {
			for {
				b, err := br.ReadBytes('\n')
				if len(bytes.TrimSpace(b)) == 0 {
					if err != nil {
						if err == io.EOF {
							return "", "", io.EOF
						}
						return "", "", fmt.Errorf("read input: %w", err)
					}
					line++
					continue
				}
				line++
				var rec map[string]any
				if jerr := json.Unmarshal(b, &rec); jerr != nil {
					return "", "", fmt.Errorf("line %d: not a JSON object: %w", line, jerr)
				}
				text, ok := field(rec, opts.TextColumn)
				if !ok {
					return "", "", fmt.Errorf("%w: line %d has no %q field", ErrUsage, line, opts.TextColumn)
				}
				label, _ := field(rec, opts.Labels)
				return text, label, nil
			}
		}, nil
	case FormatCSV:
		first, _ := br.Peek(4096)
		header, _, _ := bytes.Cut(first, []byte("\n"))
		r := csv.NewReader(br)
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		switch {
		case bytes.Count(header, []byte("\t")) > bytes.Count(header, []byte(",")):
			r.Comma = '\t'
		case bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")):
			r.Comma = ';'
		}
		cols, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("read CSV header: %w", err)
		}
		if len(cols) > 0 {
			cols[0] = strings.TrimPrefix(cols[0], "\ufeff")
		}
		ti, ok := columnIndex(cols, opts.TextColumn)
		if !ok {
			return nil, fmt.Errorf("%w: no column %q in CSV header %q", ErrUsage, opts.TextColumn, strings.Join(cols, ","))
		}
		li := -1
		if opts.Labels != "" {
			i, ok := columnIndex(cols, opts.Labels)
			if !ok {
				return nil, fmt.Errorf("%w: no labels column %q in CSV header %q", ErrUsage, opts.Labels, strings.Join(cols, ","))
			}
			li = i
		}
		return func() (string, string, error) {
			rec, err := r.Read()
			if err == io.EOF {
				return "", "", io.EOF
			}
			if err != nil {
				return "", "", fmt.Errorf("read CSV: %w", err)
			}
			var text, label string
			if ti < len(rec) {
				text = rec[ti]
			}
			if li >= 0 && li < len(rec) {
				label = rec[li]
			}
			return text, label, nil
		}, nil
	}
	if opts.Labels != "" {
		return nil, fmt.Errorf("%w: plain lines have no labels column; use JSON lines or CSV", ErrUsage)
	}
	return func() (string, string, error) {
		for {
			b, err := br.ReadString('\n')
			text := strings.TrimRight(b, "\r\n")
			if text != "" {
				return text, "", nil
			}
			if err == io.EOF {
				return "", "", io.EOF
			}
			if err != nil {
				return "", "", fmt.Errorf("read input: %w", err)
			}
		}
	}, nil
}

// field returns rec[name] (name matched case-insensitively) as a string.
func field(rec map[string]any, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v, ok := rec[name]
	if !ok {
		for k, kv := range rec {
			if strings.EqualFold(k, name) {
				v, ok = kv, true
				break
			}
		}
	}
	if !ok || v == nil {
		return "", ok
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress draws "\r 42% [=====>    ] 12000 msgs 51000/s" at most ten times a second.
type progress struct {
	w     io.Writer
	size  int64
	start time.Time
	last  time.Time
	drawn bool
	n     int
}

func (p *progress) update(n int, read int64) {
	p.n = n
	if p.w == nil || n%64 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.draw(read, now)
}

func (p *progress) draw(read int64, now time.Time) {
	rate := float64(p.n) / max(now.Sub(p.start).Seconds(), 1e-9)
	if p.size > 0 {
		frac := min(float64(read)/float64(p.size), 1)
		const width = 30
		fill := int(frac * width)
		bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
		fmt.Fprintf(p.w, "\rclassify %3.0f%% [%s] %d msgs %.0f/s ", frac*100, bar, p.n, rate)
	} else {
		fmt.Fprintf(p.w, "\rclassify %d msgs %.0f/s ", p.n, rate)
	}
	p.drawn = true
}

func (p *progress) done() {
	if p.w != nil && p.drawn {
		p.draw(p.size, time.Now())
		fmt.Fprintln(p.w)
	}
}

const usage = `usage: commpilot classify [flags] [FILE|-]

Classifies messages offline (no token, no network) and writes one JSON line
per message with every field of the result. Input: JSON lines with a "text"
field, CSV with a text column, or one message per line (FILE or stdin).

flags:
`

// Main runs "commpilot classify" with args (the words after "classify"; a
// leading "classify" is skipped). Results go to stdout, the evaluation
// report and progress to stderr. It returns the exit code: 0 on success,
// 1 on a read, write or classify failure, 2 on bad flags or a missing file.
// A nil c means New().
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, c bot.Classifier) int {
	if len(args) > 0 && args[0] == "classify" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var opts ClassifyOptions
	var brand, competitors string
	var progressFlag bool
	fs.StringVar(&opts.Labels, "labels", "", "`COLUMN` of gold labels: print precision, recall, F1 and a confusion matrix to stderr")
	fs.StringVar(&opts.TextColumn, "text", "", "`COLUMN` (CSV) or field (JSON lines) holding the message (default \"text\")")
	fs.StringVar(&opts.Format, "format", "", "input format: jsonl, csv or lines (default: detected)")
	fs.StringVar(&opts.Target, "target", "", "what labels are compared with: kind, lang, urgency, spam, complaint or sign (default kind, or lang/urgency when the labels column is named so)")
	fs.StringVar(&brand, "brand", os.Getenv("COMMPILOT_BRAND"), "brand keywords, comma-separated (default $COMMPILOT_BRAND)")
	fs.StringVar(&competitors, "competitors", "", "watched competitor keywords, comma-separated")
	fs.BoolVar(&opts.Quiet, "q", false, "write no JSON lines (with --labels: the report only, to stdout)")
	fs.BoolVar(&progressFlag, "progress", false, "always show the progress bar on stderr")
	var files []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) > 1 {
		fmt.Fprintf(stderr, "classify: one input file at most, got %d (%s)\n", len(files), strings.Join(files, ", "))
		fs.Usage()
		return 2
	}
	opts.Brand, opts.Competitors = bot.SplitList(brand), bot.SplitList(competitors)
	opts.Report = stderr
	if opts.Quiet {
		opts.Report = stdout
	}
	in := stdin
	if len(files) == 1 && files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			fmt.Fprintf(stderr, "classify: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
		if st, err := f.Stat(); err == nil {
			opts.Size = st.Size()
		}
	}
	if progressFlag || isTerminal(stderr) || opts.Size > 1<<20 {
		opts.Progress = stderr
	}
	if c == nil {
		c = New()
	}
	if _, err := RunClassify(ctx, c, in, stdout, opts); err != nil {
		fmt.Fprintf(stderr, "classify: %v\n", err)
		if errors.Is(err, ErrUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
