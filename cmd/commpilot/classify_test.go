package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	"github.com/commpilot/commpilot/skills/triage"
)

// offline is the classifier "commpilot classify" uses.
var offline = triage.New()

// checkValid asserts what every offline result must satisfy.
func checkValid(t testing.TB, in string, res bot.Triage) {
	t.Helper()
	if !slices.Contains([]string{"en", "fr", "nl", "other"}, res.Lang) || !slices.Contains(bot.Kinds(), res.Kind) ||
		res.Sentiment < -1 || res.Sentiment > 1 || res.Source != triage.Source ||
		!slices.Contains([]bot.Urgency{bot.UrgencyLow, bot.UrgencyNormal, bot.UrgencyHigh, bot.UrgencyCritical}, res.Urgency) {
		t.Errorf("%q: invalid result %+v", in, res)
	}
}

func decodeOutputs(t *testing.T, out string) []classifyOutput {
	t.Helper()
	var res []classifyOutput
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var o classifyOutput
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		res = append(res, o)
	}
	return res
}

func TestRunClassifyFormats(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		opts  classifyOptions
		texts []string
	}{
		{
			name:  "json lines",
			input: `{"text":"still waiting for my order","id":1}` + "\n\n" + `{"text":"merci beaucoup !"}` + "\n",
			texts: []string{"still waiting for my order", "merci beaucoup !"},
		},
		{
			name:  "csv with a named column",
			input: "id,message,extra\n1,\"Hello, my parcel never arrived\",x\n2,bedankt,y\n",
			opts:  classifyOptions{TextColumn: "Message"},
			texts: []string{"Hello, my parcel never arrived", "bedankt"},
		},
		{
			name:  "tab separated",
			input: "text\tlabel\nwhere is my refund\tcomplaint\n",
			texts: []string{"where is my refund"},
		},
		{
			name:  "plain lines",
			input: "first message\r\n\r\nsecond, message\n",
			texts: []string{"first message", "second, message"},
		},
		{
			name:  "forced lines on JSON-looking input",
			input: `{"text":"x"}` + "\n",
			opts:  classifyOptions{Format: formatLines},
			texts: []string{`{"text":"x"}`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := classifyStream(context.Background(), offline, strings.NewReader(tc.input), &out, tc.opts); err != nil {
				t.Fatal(err)
			}
			got := decodeOutputs(t, out.String())
			if len(got) != len(tc.texts) {
				t.Fatalf("got %d results, want %d:\n%s", len(got), len(tc.texts), out.String())
			}
			for i, o := range got {
				if o.Text != tc.texts[i] {
					t.Errorf("result %d text = %q, want %q", i, o.Text, tc.texts[i])
				}
				checkValid(t, o.Text, o.Triage)
			}
		})
	}
}

func TestRunClassifyWritesEveryField(t *testing.T) {
	var out bytes.Buffer
	in := `{"text":"@Acme still waiting for my order, I'll call my lawyer"}`
	opts := classifyOptions{Brand: []string{"Acme"}, Competitors: []string{"Globex"}}
	if _, err := classifyStream(context.Background(), offline, strings.NewReader(in), &out, opts); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"text", "lang", "kind", "sentiment", "urgency", "mentions", "cues", "source"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("field %q missing from %s", k, out.String())
		}
	}
	if raw["kind"] != "complaint" || raw["urgency"] != "critical" || raw["lang"] != "en" {
		t.Errorf("unexpected result %s", out.String())
	}
}

func TestRunClassifyLabels(t *testing.T) {
	in := strings.Join([]string{
		`{"text":"still waiting for my order","kind":"complaint"}`,
		`{"text":"How do I export my data?","kind":"question"}`,
		`{"text":"thanks, great job","kind":"praise"}`,
		`{"text":"good morning everyone","kind":"question"}`,
	}, "\n")
	var out, rep bytes.Buffer
	conf, err := classifyStream(context.Background(), offline, strings.NewReader(in), &out, classifyOptions{Labels: "kind", Report: &rep})
	if err != nil {
		t.Fatal(err)
	}
	if conf.N() != 4 || conf.Count("question", "other") != 1 || conf.Count("complaint", "complaint") != 1 {
		t.Errorf("confusion: n=%d question->other=%d", conf.N(), conf.Count("question", "other"))
	}
	q := conf.Class("question")
	if q.Precision != 1 || q.Recall != 0.5 || q.Support != 2 {
		t.Errorf("question scores = %+v, want P 1 R 0.5 support 2", q)
	}
	for _, want := range []string{"precision", "recall", "F1", "accuracy", "0.750", "gold \\ predicted", "question"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, rep.String())
		}
	}
	if got := decodeOutputs(t, out.String()); len(got) != 4 || got[0].Label != "complaint" {
		t.Errorf("outputs: %+v", got)
	}
}

func TestRunClassifySpamAndSignTargets(t *testing.T) {
	csv := "CONTENT,label\n\"Check out my channel, subscribe!\",1\nI love this song,0\n"
	var out bytes.Buffer
	conf, err := classifyStream(context.Background(), offline, strings.NewReader(csv), &out,
		classifyOptions{TextColumn: "CONTENT", Labels: "label", Target: triage.TargetSpam, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if conf.Accuracy() != 1 || conf.Count("spam", "spam") != 1 {
		t.Errorf("spam target: accuracy %.2f\n%s", conf.Accuracy(), out.String())
	}
	if strings.Contains(out.String(), `"text"`) {
		t.Errorf("Quiet wrote results: %s", out.String())
	}
	complaints := "text,is_complaint\n@Acme still waiting for my refund,1\n@Acme thanks for the quick reply,0\nhow do I export?,false\n"
	conf, err = classifyStream(context.Background(), offline, strings.NewReader(complaints), &out,
		classifyOptions{Labels: "is_complaint", Target: triage.TargetComplaint, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if conf.Count("complaint", "complaint") != 1 || conf.Count("not_complaint", "not_complaint") != 2 {
		t.Errorf("complaint target: classes %v, accuracy %.2f", conf.Classes(), conf.Accuracy())
	}
	langs := `{"text":"merci beaucoup","language":"French"}` + "\n" + `{"text":"thanks a lot","language":"english"}` + "\n"
	conf, err = classifyStream(context.Background(), offline, strings.NewReader(langs), &out,
		classifyOptions{Labels: "language", Target: triage.TargetLang, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if conf.Accuracy() != 1 {
		t.Errorf("lang target with language names: classes %v", conf.Classes())
	}
	tsv := "text\tscore\nwhat a wonderful day\t2.5\nthis is awful\t-3.1\n"
	conf, err = classifyStream(context.Background(), offline, strings.NewReader(tsv), &out,
		classifyOptions{Labels: "score", Target: triage.TargetSign, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if conf.Accuracy() != 1 {
		t.Errorf("sign target: accuracy %.2f", conf.Accuracy())
	}
}

func TestRunClassifyProgress(t *testing.T) {
	var in strings.Builder
	for i := range 300 {
		fmt.Fprintf(&in, "message number %d about my order\n", i)
	}
	var out, prog bytes.Buffer
	_, err := classifyStream(context.Background(), offline, strings.NewReader(in.String()), &out,
		classifyOptions{Progress: &prog, Size: int64(in.Len())})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prog.String(), "classify 100%") || !strings.Contains(prog.String(), "300 msgs") {
		t.Errorf("progress output %q", prog.String())
	}
}

func TestClassifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "msgs.csv")
	if err := os.WriteFile(file, []byte("text,kind\nstill waiting for my order,complaint\nmerci !,praise\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     string
		stderr     string
		noStdoutJS bool
	}{
		{name: "file with labels", args: []string{"classify", "--labels", "kind", file}, code: 0, stdout: `"kind":"complaint"`, stderr: "confusion"},
		{name: "flags after the file", args: []string{file, "--labels", "kind", "-q"}, code: 0, stdout: "gold \\ predicted"},
		{name: "stdin lines", args: []string{"-"}, stdin: "hello\nwhere is my refund?\n", code: 0, stdout: `"text":"where is my refund?"`},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.jsonl")}, code: 2, stderr: "no such file"},
		{name: "bad flag", args: []string{"--nope"}, code: 2, stderr: "usage: commpilot classify"},
		{name: "unknown column", args: []string{"--text", "body", file}, code: 2, stderr: `no column "body"`},
		{name: "unknown format", args: []string{"--format", "xml", file}, code: 2, stderr: `unknown format "xml"`},
		{name: "labels on plain lines", args: []string{"--labels", "kind", "--format", "lines", "-"}, stdin: "x\n", code: 2, stderr: "plain lines have no labels"},
		{name: "two files", args: []string{file, file}, code: 2, stderr: "one input file at most"},
		{name: "bad JSON", args: []string{"-"}, stdin: "{\"text\":\"a\"}\n{oops\n", code: 1, stderr: "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := classify(context.Background(), tc.args, strings.NewReader(tc.stdin), &stdout, &stderr, offline, noEnv)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) && !strings.Contains(stderr.String(), strings.ToLower(tc.stderr)) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}

func TestClassifyUsesGivenClassifier(t *testing.T) {
	var stdout, stderr bytes.Buffer
	c := fixedClassifier{bot.Triage{Lang: "fr", Kind: bot.KindPraise, Urgency: bot.UrgencyLow, Source: "llm"}}
	if code := classify(context.Background(), []string{"-"}, strings.NewReader("salut\n"), &stdout, &stderr, c, noEnv); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"source":"llm"`) {
		t.Errorf("stdout %s", stdout.String())
	}
}

// fixedClassifier is a second, trivial bot.Classifier: classify must use the one
// it is given (the lead wires the LLM classifier in), not always the offline one.
type fixedClassifier struct{ res bot.Triage }

func (f fixedClassifier) Classify(context.Context, bot.TriageInput) (bot.Triage, error) {
	return f.res, nil
}

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// TestClassifyDoesNotLoseWork: a bad line is reported with its number and
// skipped (exit 1 at the end), or stops the run with --strict after what was
// done is written; byte-order marks and UTF-16 are read, binary input warned
// about.
func TestClassifyDoesNotLoseWork(t *testing.T) {
	utf16 := []byte{0xff, 0xfe}
	for _, r := range "where is my refund?\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	for _, tc := range []struct {
		name, stdin  string
		args         []string
		code         int
		want, absent []string // in stdout
		stderr       string
	}{
		{name: "bad line skipped", stdin: "{\"text\":\"a\"}\n{oops\n{\"text\":\"b\"}\n", args: []string{"-"}, code: 1,
			want: []string{`"text":"a"`, `"text":"b"`}, stderr: "line 2: not a JSON object"},
		{name: "strict stops after writing", stdin: "{\"text\":\"a\"}\n{oops\n{\"text\":\"b\"}\n", args: []string{"--strict", "-"}, code: 1,
			want: []string{`"text":"a"`}, absent: []string{`"text":"b"`}, stderr: "line 2"},
		{name: "UTF-8 byte-order mark", stdin: "\ufeffhello there\n", args: []string{"-"}, code: 0,
			want: []string{`"text":"hello there"`}, absent: []string{`\ufeff`, "\ufeff"}},
		{name: "UTF-16 with a byte-order mark", stdin: string(utf16), args: []string{"-"}, code: 0,
			want: []string{`"text":"where is my refund?"`, `"kind":"complaint"`}, stderr: "UTF-16"},
		{name: "binary", stdin: "abc\x00\x01\x02def\n", args: []string{"-"}, code: 0, stderr: "looks binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := classify(context.Background(), tc.args, strings.NewReader(tc.stdin), &stdout, &stderr, offline, noEnv)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %s:\n%s", w, stdout.String())
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(stdout.String(), a) {
					t.Errorf("stdout has %q:\n%s", a, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}

// TestClassifyWithTheLLM runs classify --llm against the OpenAI-compatible
// fake: the LLM's answers carry source "llm"; a failing LLM falls back to the
// offline engine, which says so; no LLM configured is a usage error.
func TestClassifyWithTheLLM(t *testing.T) {
	srv := llmtest.New(t)
	env := func(k string) string {
		return map[string]string{"OPENAI_BASE_URL": srv.URL(), "OPENAI_MODEL": "test-model"}[k]
	}
	var stdout, stderr bytes.Buffer
	if code := classify(context.Background(), []string{"--llm", "-"}, strings.NewReader("my parcel never arrived\n"), &stdout, &stderr, offline, env); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"source":"llm"`) || len(srv.Requests()) == 0 {
		t.Errorf("not classified by the LLM (%d requests): %s", len(srv.Requests()), stdout.String())
	}

	srv.Respond(func(openai.ChatCompletionRequest) (int, string) { return 500, llmtest.ErrorBody(500, "overloaded") })
	stdout.Reset()
	if code := classify(context.Background(), []string{"--llm", "-"}, strings.NewReader("my parcel never arrived\n"), &stdout, &stderr, offline, env); code != 0 {
		t.Fatalf("exit %d with the LLM down: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"source":"offline"`) || !strings.Contains(stdout.String(), `"fallback"`) {
		t.Errorf("with the LLM down: %s", stdout.String())
	}

	stderr.Reset()
	if code := classify(context.Background(), []string{"--llm", "-"}, strings.NewReader("x\n"), &stdout, &stderr, offline, noEnv); code != 2 ||
		!strings.Contains(stderr.String(), "no LLM is configured") {
		t.Errorf("no LLM: exit %d, %s", code, stderr.String())
	}
}
