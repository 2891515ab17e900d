package main

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
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/skills/triage"
)

// Input formats of classifyStream.
const (
	formatAuto  = ""
	formatJSONL = "jsonl" // one JSON object a line, text in a field
	formatCSV   = "csv"   // a header row, then records; comma, semicolon or tab separated
	formatLines = "lines" // one message a line
)

// errUsage wraps errors caused by bad options or input shape (unknown column,
// format, target); Main exits 2 on them.
var errUsage = errors.New("usage")

// badLine is an input line that could not be read as a message (not JSON, a
// broken CSV record). classifyStream reports it and carries on, or stops
// there with Strict.
type badLine struct {
	line int
	err  error
}

func (b *badLine) Error() string { return fmt.Sprintf("line %d: %v", b.line, b.err) }
func (b *badLine) Unwrap() error { return b.err }

// classifyOptions configure classifyStream.
type classifyOptions struct {
	// Format is formatAuto (default), formatJSONL, formatCSV or formatLines.
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
	// Target is what labels are compared with (triage.TargetKind by default, or
	// triage.TargetLang / triage.TargetUrgency when Labels is named so).
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
	// Warn receives warnings: skipped lines, input that looks binary or is
	// UTF-16. Nil discards them.
	Warn io.Writer
	// Strict stops at the first line that cannot be read (after writing
	// what was done) instead of skipping it.
	Strict bool
	Size   int64
}

// classifyOutput is one line written by classifyStream: the message, its gold label if
// any, and every field of the Triage.
type classifyOutput struct {
	Text  string `json:"text"`
	Label string `json:"label,omitempty"`
	bot.Triage
}

// classifyStream classifies every message read from in and writes one JSON
// line (classifyOutput) per message to out. With opts.Labels it also compares each
// prediction with the gold label and writes per-class precision, recall and
// F1, accuracy and a confusion matrix to opts.Report (or out). It returns
// the confusion matrix (empty without labels).
func classifyStream(ctx context.Context, c bot.Classifier, in io.Reader, out io.Writer, opts classifyOptions) (*triage.Confusion, error) {
	namedColumn := opts.TextColumn != ""
	if !namedColumn {
		opts.TextColumn = "text"
	}
	if opts.Target == "" {
		switch strings.ToLower(opts.Labels) {
		case triage.TargetLang, triage.TargetUrgency:
			opts.Target = strings.ToLower(opts.Labels)
		default:
			opts.Target = triage.TargetKind
		}
	}
	if !slices.Contains(triage.Targets(), opts.Target) {
		return nil, fmt.Errorf("%w: unknown target %q (%s)", errUsage, opts.Target, strings.Join(triage.Targets(), ", "))
	}
	if opts.Warn == nil {
		opts.Warn = io.Discard
	}
	counter := &countingReader{r: in}
	br := bufio.NewReaderSize(counter, 64<<10)
	if utf16, err := checkEncoding(br, opts.Warn); err != nil {
		return nil, err
	} else if utf16 {
		br = bufio.NewReaderSize(transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), 64<<10)
	}
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
	conf := &triage.Confusion{}
	prog := progress{w: opts.Progress, size: opts.Size, start: time.Now()}
	// stop writes out what was classified before returning err: a failure
	// halfway through loses no result.
	stop := func(err error) (*triage.Confusion, error) {
		prog.done()
		if ferr := bw.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("write results: %w", ferr)
		}
		return conf, err
	}
	skipped := 0
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		text, label, err := next()
		if err == io.EOF {
			break
		}
		var bad *badLine
		if errors.As(err, &bad) && !opts.Strict {
			skipped++
			fmt.Fprintf(opts.Warn, "classify: %v (skipped)\n", bad)
			n--
			continue
		}
		if err != nil {
			return stop(err)
		}
		res, err := c.Classify(ctx, bot.TriageInput{Text: text, Brand: opts.Brand, Competitors: opts.Competitors})
		if err != nil {
			return stop(fmt.Errorf("classify message %d: %w", n, err))
		}
		if opts.Labels != "" {
			conf.Add(triage.NormalizeLabel(opts.Target, label), triage.Predicted(opts.Target, res))
		}
		if !opts.Quiet {
			if err := enc.Encode(classifyOutput{Text: text, Label: label, Triage: res}); err != nil {
				return stop(fmt.Errorf("write result: %w", err))
			}
		}
		prog.update(n, counter.n-int64(br.Buffered()))
	}
	if _, err := stop(nil); err != nil {
		return conf, err
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
	if skipped > 0 {
		return conf, fmt.Errorf("%d input lines could not be read and were skipped (see above; --strict stops at the first)", skipped)
	}
	return conf, nil
}

// checkEncoding reads past a UTF-8 byte-order mark, reports UTF-16 input
// (true: the caller decodes it; a byte-order mark tells which) and warns on
// input that looks binary or like UTF-16 without a byte-order mark.
func checkEncoding(br *bufio.Reader, warn io.Writer) (utf16 bool, err error) {
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, fmt.Errorf("read input: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		_, _ = br.Discard(3)
		return false, nil
	case bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		fmt.Fprintln(warn, "classify: the input is UTF-16; reading it as such (UTF-8 is faster and what the other tools expect)")
		return true, nil
	}
	nul := bytes.Count(head, []byte{0})
	switch {
	case nul == 0:
	case nul*3 >= len(head):
		fmt.Fprintln(warn, "classify: the input looks like UTF-16 without a byte-order mark; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)")
	default:
		fmt.Fprintln(warn, "classify: the input looks binary (it holds NUL bytes): the results may mean nothing")
	}
	return false, nil
}

func detectFormat(br *bufio.Reader, opts classifyOptions, namedColumn bool) (string, error) {
	switch opts.Format {
	case formatJSONL, formatCSV, formatLines:
		return opts.Format, nil
	case formatAuto:
	default:
		return "", fmt.Errorf("%w: unknown format %q (jsonl, csv, lines)", errUsage, opts.Format)
	}
	first, _ := br.Peek(4096)
	first = bytes.TrimLeft(first, "\ufeff \t\r\n")
	if len(first) > 0 && first[0] == '{' {
		return formatJSONL, nil
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	if _, ok := columnIndex(splitHeader(string(line)), opts.TextColumn); ok || namedColumn {
		return formatCSV, nil
	}
	return formatLines, nil
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
func messageReader(br *bufio.Reader, format string, opts classifyOptions) (func() (string, string, error), error) {
	switch format {
	case formatJSONL:
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
					return "", "", &badLine{line: line, err: fmt.Errorf("not a JSON object: %w", jerr)}
				}
				text, ok := field(rec, opts.TextColumn)
				if !ok {
					return "", "", fmt.Errorf("%w: line %d has no %q field", errUsage, line, opts.TextColumn)
				}
				label, _ := field(rec, opts.Labels)
				return text, label, nil
			}
		}, nil
	case formatCSV:
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
			return nil, fmt.Errorf("%w: no column %q in CSV header %q", errUsage, opts.TextColumn, strings.Join(cols, ","))
		}
		li := -1
		if opts.Labels != "" {
			i, ok := columnIndex(cols, opts.Labels)
			if !ok {
				return nil, fmt.Errorf("%w: no labels column %q in CSV header %q", errUsage, opts.Labels, strings.Join(cols, ","))
			}
			li = i
		}
		return func() (string, string, error) {
			rec, err := r.Read()
			if err == io.EOF {
				return "", "", io.EOF
			}
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return "", "", &badLine{line: perr.Line, err: perr.Err}
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
		return nil, fmt.Errorf("%w: plain lines have no labels column; use JSON lines or CSV", errUsage)
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

const classifyUsage = `usage: commpilot classify [flags] [FILE|-]

Classifies messages offline (no token, no network) and writes one JSON line
per message with every field of the result. Input: JSON lines with a "text"
field, CSV with a text column, or one message per line (FILE or stdin).

flags:
`

// classify runs "commpilot classify" with args (the words after "classify"; a
// leading "classify" is skipped). Results go to stdout, the evaluation
// report and progress to stderr. It returns the exit code: 0 on success,
// 1 on a read, write or classify failure, 2 on bad flags or a missing file.
//
// With --llm it classifies with the LLM configured in the environment
// (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL), falling back to c message
// by message as the bot does; each result's "source" says which answered.
func classify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, c bot.Classifier, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "classify" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, classifyUsage)
		fs.PrintDefaults()
	}
	var opts classifyOptions
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
	fs.BoolVar(&opts.Strict, "strict", false, "stop at the first line that cannot be read (default: report it and carry on)")
	useLLM := fs.Bool("llm", false, "classify with the LLM of OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL, offline when it fails")
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
	if *useLLM {
		cfg, err := LoadConfig(getenv)
		if err != nil && !errors.Is(err, ErrNoPlatform) {
			fmt.Fprintf(stderr, "classify --llm: configuration:\n%v", indent(err))
			return 2
		}
		if !cfg.HasLLM() {
			fmt.Fprintln(stderr, "classify --llm: no LLM is configured: set OPENAI_BASE_URL (a local server) or OPENAI_API_KEY, and OPENAI_MODEL")
			return 2
		}
		client, err := newLLM(cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil, nil)
		if err != nil {
			fmt.Fprintf(stderr, "classify --llm: %v\n", err)
			return 2
		}
		c = client.Classifier(c)
	}
	opts.Report = stderr
	opts.Warn = stderr
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
	if _, err := classifyStream(ctx, c, in, stdout, opts); err != nil {
		fmt.Fprintf(stderr, "classify: %v\n", err)
		if errors.Is(err, errUsage) {
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
