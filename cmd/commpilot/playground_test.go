package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/web"
	"github.com/commpilot/commpilot/storage"
)

// startPlayground runs the real playground (engine, skills, bbolt, the web
// platform) on a free loopback port and returns its URL.
func startPlayground(t *testing.T) (*Main, string) {
	t.Helper()
	env := map[string]string{"COMMPILOT_DB": filepath.Join(t.TempDir(), "pg.db"), "COMMPILOT_HTTP_ADDR": "127.0.0.1:0"}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if !errors.Is(err, ErrNoPlatform) {
		t.Fatalf("config: %v", err)
	}
	m, err := newPlayground(cfg, false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := seedPlayground(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return m, "http://" + m.HTTPAddr + "/"
}

// chromiumPath finds Debian's chromium-headless-shell. Without it the
// browser tests skip on a workstation and fail in CI (CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium-headless-shell"); err == nil {
		return p
	}
	msg := "chromium-headless-shell is not installed: apt-get install -y --no-install-recommends chromium-headless-shell"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (.ci/run installs it)")
	}
	t.Skip(msg)
	return ""
}

// page is one browser tab on the playground; it records the JavaScript
// errors and console errors the page logs.
type page struct {
	t    *testing.T
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// openPage starts headless Chromium on url. The test fails at cleanup if
// the page logged a JavaScript error.
func openPage(t *testing.T, url string) *page {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1600, 1000),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	p := &page{t: t, ctx: ctx}
	messages := chromedp.Console(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				p.mu.Lock()
				p.errs = append(p.errs, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				p.mu.Unlock()
			}
		}
	})
	t.Cleanup(func() {
		p.checkErrors()
		cancelTime()
		cancelTab()
		cancelAlloc()
		wg.Wait()
	})
	p.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#in-C1COMMUNITY")))
	p.waitJS(`document.querySelector("#status").textContent === "Connected"`)
	return p
}

func (p *page) checkErrors() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errs {
		p.t.Errorf("the page logged an error: %s", e)
	}
	p.errs = nil
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// eval returns the value of a JavaScript expression (awaiting a promise).
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS waits until a JavaScript predicate holds.
func (p *page) waitJS(pred string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](pred, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.t.Fatalf("waiting for %s: %v", pred, err)
	}
}

// text returns the visible text of the first element matching css.
func (p *page) text(css string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// as switches who the page is, with the "You are" select, as a person does.
func (p *page) as(userID string) {
	p.t.Helper()
	if eval[string](p, `document.querySelector("#as").value`) == userID {
		return // already; a switch would re-render the page under the next step
	}
	p.do(chromedp.Focus(chromedp.CSS("#as")))
	eval[chromedp.Void](p, `(() => { const s = document.querySelector("#as"); s.value = "`+userID+`"; s.dispatchEvent(new Event("change")); })()`)
	p.waitJS(`document.querySelector('#people-list li[data-user="` + userID + `"]')?.textContent.endsWith("you")`)
}

// say types text in a channel's composer and presses Enter.
func (p *page) say(channel, text string) {
	p.t.Helper()
	p.do(chromedp.SendKeys(chromedp.CSS("#in-"+channel), text+kb.Enter))
}

// TestPlaygroundApproveFlow is the headline flow in a real browser: a
// member's complaint about Acme becomes a card in #team; the member may not
// approve it; the staff member does, and the reply appears under the
// complaint while the card says who sent it.
func TestPlaygroundApproveFlow(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)

	p.as(pgMember)
	complaint := "Acme lost my whole project after the update, this is unacceptable and I want it fixed today"
	p.say(pgCommunity, complaint)
	p.waitJS(`[...document.querySelectorAll("#ch-C1COMMUNITY .msg .text")].some(e => e.textContent === ` + jsString(complaint) + `)`)
	approve := `#ch-C2TEAM .card button[data-button^="inbox/approve/"]`
	p.do(chromedp.WaitVisible(chromedp.CSS(approve)))
	if got := p.text("#ch-C2TEAM .card .footer"); got != "Waiting for review." {
		t.Errorf("card footer before approval = %q", got)
	}
	if got := p.text("#ch-C2TEAM .card blockquote"); got != complaint {
		t.Errorf("card quote = %q, want the complaint", got)
	}

	p.do(chromedp.Click(chromedp.CSS(approve)))
	p.do(chromedp.WaitVisible(chromedp.CSS("#ch-C2TEAM .msg.ephemeral")))
	refusal := p.text("#ch-C2TEAM .msg.ephemeral .text")
	if !strings.Contains(refusal, "Only staff can do that") {
		t.Errorf("member's refusal = %q", refusal)
	}
	if got := p.text("#ch-C2TEAM .msg.ephemeral .only-you"); got != "Only you can see this" {
		t.Errorf("ephemeral marker = %q", got)
	}
	if n := eval[int](p, `document.querySelectorAll("#ch-C1COMMUNITY .thread .msg").length`); n != 0 {
		t.Fatalf("%d replies after the member's press, want none", n)
	}

	p.as(pgStaff)
	if n := eval[int](p, `document.querySelectorAll("#ch-C2TEAM .msg.ephemeral").length`); n != 0 {
		t.Errorf("the staff member sees %d of the member's ephemeral messages", n)
	}
	p.do(chromedp.Click(chromedp.CSS(approve)))
	reply := `#ch-C1COMMUNITY .msg[data-author="U1SAM"] .thread .msg[data-author="B0BOT"] .text`
	p.do(chromedp.WaitVisible(chromedp.CSS(reply)))
	if got := p.text(reply); strings.TrimSpace(got) == "" {
		t.Error("the reply under the complaint is empty")
	}
	p.waitJS(`document.querySelector("#ch-C2TEAM .card .footer").textContent.startsWith("Sent by @Alex at ")`)
	if n := eval[int](p, `document.querySelectorAll('#ch-C2TEAM .card button[data-button^="inbox/approve/"]').length`); n != 0 {
		t.Errorf("%d Approve buttons left on the sent card", n)
	}
}

// TestPlaygroundEditInDialog edits a draft in the form dialog and sends it:
// the member reads the edited words under the complaint.
func TestPlaygroundEditInDialog(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)
	p.as(pgMember)
	p.say(pgCommunity, "Where is the Acme invoice for March? I have asked twice already")
	p.as(pgStaff)
	p.do(chromedp.Click(chromedp.CSS(`#ch-C2TEAM .card button[data-button^="inbox/edit/"]`)))
	p.waitJS(`!!document.querySelector("#form-dialog[open] textarea")`)
	if got := eval[string](p, `document.querySelector("#form-dialog textarea").value`); got == "" {
		t.Error("the edit form does not hold the draft")
	}
	if got := eval[string](p, `document.activeElement.id`); got != "ff-0" {
		t.Errorf("focus is on %q, want the form's field", got)
	}
	edited := "Sorry Sam, the March invoice is in Settings → Billing now; we also emailed it to you."
	eval[chromedp.Void](p, `document.querySelector("#form-dialog textarea").select()`)
	p.do(chromedp.SendKeys(chromedp.CSS("#form-dialog textarea"), edited),
		chromedp.Click(chromedp.CSS("#form-submit")))
	p.waitJS(`!document.querySelector("#form-dialog").open`)
	reply := `#ch-C1COMMUNITY .msg[data-author="U1SAM"] .thread .msg[data-author="B0BOT"] .text`
	p.do(chromedp.WaitVisible(chromedp.CSS(reply)))
	if got := p.text(reply); got != edited {
		t.Errorf("the reply under the complaint = %q, want the edited draft", got)
	}
	p.waitJS(`document.querySelector("#ch-C2TEAM .card .footer").textContent.startsWith("Sent by @Alex")`)
}

// TestPlaygroundRejectAsksFirst presses Reject: the page asks to confirm
// (Cancel sends nothing), then the reason form rejects the draft.
func TestPlaygroundRejectAsksFirst(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)
	// One complaint, not the sample: the sample's five messages arrive
	// concurrently, and a card rendered again between finding its button and
	// clicking it would take the click away.
	p.as(pgMember)
	p.say(pgCommunity, "My Acme order never arrived, it has been two weeks")
	p.as(pgStaff)
	reject := `#ch-C2TEAM .card button[data-button^="inbox/reject/"]`
	p.do(chromedp.WaitVisible(chromedp.CSS(reject)))
	card := eval[string](p, `document.querySelector(`+jsString(reject)+`).closest(".msg").id`)

	// Query and click in one evaluation: the card may be drawn again between
	// a query and a click, and a click on the old node would do nothing.
	press := func(sel string) {
		t.Helper()
		if !eval[bool](p, `(() => { const b = document.querySelector(`+jsString(sel)+`); if (b) b.click(); return !!b })()`) {
			t.Fatalf("no %s to press", sel)
		}
	}
	press(reject)
	// Dialogs are waited for by polling the DOM: they exist hidden from the
	// start and open with showModal, which a WaitVisible could miss.
	p.waitJS(`document.querySelector("#confirm-dialog").open`)
	if got := p.text("#confirm-text"); got != "Reject this draft? Nothing will be sent." {
		t.Errorf("confirmation = %q", got)
	}
	p.do(chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
	p.waitJS(`!document.querySelector("#confirm-dialog").open`)
	if open := eval[bool](p, `document.querySelector("#form-dialog").open`); open {
		t.Fatal("Cancel on the confirmation still pressed the button")
	}

	// Cancel and press Reject again at once, as a quick hand does: the second
	// confirmation opens before the first one's close event is dispatched,
	// and its OK must still count.
	press(reject)
	p.waitJS(`document.querySelector("#confirm-dialog").open`)
	eval[chromedp.Void](p, `(() => { document.querySelector('#confirm-dialog button[value="cancel"]').click(); document.querySelector(`+jsString(reject)+`).click(); })()`)
	p.waitJS(`document.querySelector("#confirm-dialog").open`)
	press("#confirm-ok")
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](`!!document.querySelector("#form-dialog[open] input")`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("no reason form after confirming Reject (%v); the page: %s", err, eval[string](p, `JSON.stringify({
			notices: [...document.querySelectorAll("#notices .notice")].map(n => n.textContent),
			buttons: [...document.querySelectorAll("#ch-C2TEAM .card button")].map(b => b.dataset.button),
			confirmOpen: document.querySelector("#confirm-dialog").open, status: document.querySelector("#status").textContent})`))
	}
	if got := p.text("#form-title"); !strings.HasPrefix(got, "Reject #") {
		t.Errorf("form title = %q", got)
	}
	p.do(chromedp.SendKeys(chromedp.CSS("#form-dialog input"), "spam"+kb.Enter))
	p.waitJS(`!document.querySelector("#form-dialog").open`)
	p.waitJS(`document.querySelector("#` + card + ` .card .footer").textContent === "Rejected by @Alex: spam"`)
}

// TestPlaygroundResyncsAfterReconnecting drops the page's connection: what
// was posted meanwhile is there once it reconnects, nothing twice.
func TestPlaygroundResyncsAfterReconnecting(t *testing.T) {
	m, url := startPlayground(t)
	p := openPage(t, url)
	p.as(pgMember)
	p.say(pgCommunity, "first, before the drop")
	p.waitJS(`document.querySelectorAll("#ch-C1COMMUNITY .msg").length === 1`)
	// Hold the automatic reconnection, so the post below happens offline.
	eval[chromedp.Void](p, `(() => { state.backoff = 2e9; state.ws.close(); })()`)
	p.waitJS(`document.querySelector("#status").textContent === "Reconnecting…"`)
	if _, err := m.Platforms[0].Do(t.Context(), bot.Action{Kind: bot.ActPost, Channel: web.Ref(pgCommunity), Text: "posted while you were away"}); err != nil {
		t.Fatal(err)
	}
	eval[chromedp.Void](p, `connect()`)
	p.waitJS(`document.querySelector("#status").textContent === "Connected"`)
	p.waitJS(`[...document.querySelectorAll("#ch-C1COMMUNITY .msg .text")].map(e => e.textContent).join("|") === "first, before the drop|posted while you were away"`)
}

// TestPlaygroundCommandCompletion runs /cm commands from the composer,
// picking the route from the completion list with the keyboard.
func TestPlaygroundCommandCompletion(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)
	p.as(pgStaff)
	in := chromedp.CSS("#in-" + pgTeam)

	p.do(chromedp.SendKeys(in, "/cm faq a"))
	p.waitJS(`[...document.querySelectorAll("#cl-C2TEAM li")].map(li => li.querySelector(".label").textContent).join("|") === "/cm faq add <entry…>"`)
	p.do(chromedp.SendKeys(in, kb.Tab))
	if v := eval[string](p, `document.querySelector("#in-C2TEAM").value`); v != "/cm faq add " {
		t.Fatalf("after Tab the composer holds %q", v)
	}
	p.waitJS(`document.querySelector("#ch-C2TEAM .usage").textContent.startsWith("/cm faq add <entry…>")`)
	p.do(chromedp.SendKeys(in, "Can I pay by invoice? | Yes, for yearly plans: write to billing@acme.example."+kb.Enter))
	p.waitJS(`[...document.querySelectorAll("#ch-C2TEAM .msg.ephemeral .text")].length === 1`)

	p.do(chromedp.SendKeys(in, "/cm faq l"))
	p.waitJS(`document.querySelector("#cl-C2TEAM li[aria-selected=true] .label")?.textContent === "/cm faq list"`)
	p.do(chromedp.SendKeys(in, kb.Enter))
	if v := eval[string](p, `document.querySelector("#in-C2TEAM").value`); v != "/cm faq list " {
		t.Fatalf("after Enter on the suggestion the composer holds %q", v)
	}
	p.do(chromedp.SendKeys(in, kb.Enter))
	p.waitJS(`[...document.querySelectorAll("#ch-C2TEAM .msg.ephemeral")].some(m => m.textContent.includes("Can I pay by invoice?"))`)
	if got := eval[string](p, `document.querySelector("#ch-C2TEAM .msg.ephemeral:last-child").textContent`); !strings.Contains(got, "Does Acme work offline?") {
		t.Errorf("faq list does not show the seeded FAQ: %q", got)
	}

	// Argument completion comes from the router: setup language's choices.
	p.do(chromedp.SendKeys(in, "/cm setup language "))
	p.waitJS(`[...document.querySelectorAll("#cl-C2TEAM li .label")].map(e => e.textContent).join(",") === "en,fr,nl"`)
}

// TestPlaygroundSchedulesAPost schedules a post from the composer as staff,
// the way the README shows it: the confirmation, only for the author, names
// the channel and the time, and the post is listed.
func TestPlaygroundSchedulesAPost(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)
	p.as(pgStaff)
	in := chromedp.CSS("#in-" + pgTeam)
	p.do(chromedp.SendKeys(in, "/cm schedule a"))
	p.waitJS(`[...document.querySelectorAll("#cl-C2TEAM li .label")].some(e => e.textContent.startsWith("/cm schedule add"))`)
	p.do(chromedp.SendKeys(in, kb.Tab))
	p.do(chromedp.SendKeys(in, "#announcements in 2 hours Our new offer is coming!"+kb.Enter))
	confirmation := `[...document.querySelectorAll("#ch-C2TEAM .msg.ephemeral")].find(m => m.textContent.includes("Post #1 scheduled for"))`
	p.waitJS(`!!` + confirmation)
	got := eval[string](p, confirmation+`.textContent`)
	for _, want := range []string{"#announcements", "— in 2 h", "Our new offer is coming!", "Only you can see this"} {
		if !strings.Contains(got, want) {
			t.Errorf("the confirmation lacks %q: %q", want, got)
		}
	}
	p.do(chromedp.SendKeys(in, "/cm schedule list"+kb.Enter))
	p.waitJS(`[...document.querySelectorAll("#ch-C2TEAM .msg.ephemeral")].some(m => m.textContent.includes("#1") && m.textContent.includes("#announcements") && !m.textContent.includes("scheduled for"))`)
}

// TestPlaygroundRendersTextNotHTML posts markup as a community member: the
// page shows it as text and runs nothing.
func TestPlaygroundRendersTextNotHTML(t *testing.T) {
	_, url := startPlayground(t)
	p := openPage(t, url)
	p.as(pgMember)
	evil := `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>Acme</b> is broken`
	p.say(pgCommunity, evil)
	p.waitJS(`[...document.querySelectorAll("#ch-C1COMMUNITY .msg .text")].some(e => e.textContent === ` + jsString(evil) + `)`)
	// The card quotes it too.
	p.waitJS(`[...document.querySelectorAll("#ch-C2TEAM .card blockquote")].some(e => e.textContent === ` + jsString(evil) + `)`)
	if n := eval[int](p, `document.querySelectorAll("#channels img, #channels script, #channels b").length`); n != 0 {
		t.Errorf("%d elements were created from the message's markup", n)
	}
	if v := eval[any](p, `window.pwned ?? null`); v != nil {
		t.Errorf("the message's script ran: window.pwned = %v", v)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}

// TestPlaygroundApproveLatency measures, in the page, the time from pressing
// Approve to the reply shown under the member's message, over 20 presses.
func TestPlaygroundApproveLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	_, url := startPlayground(t)
	p := openPage(t, url)
	const n = 20
	p.as(pgMember)
	eval[chromedp.Void](p, fmt.Sprintf(`(() => { for (let i = 1; i <= %d; i++) send({op: "post", channel: "%s", text: "Acme order " + i + " arrived broken and support never answered, this is unacceptable"}); })()`, n, pgCommunity))
	approve := `#ch-C2TEAM .card button[data-button^="inbox/approve/"]`
	p.waitJS(fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, jsString(approve), n))
	p.as(pgStaff)
	var ms []float64
	for range n {
		d := eval[float64](p, `(async () => {
			const btn = document.querySelector(`+jsString(approve)+`);
			const target = btn.closest(".card").querySelector("a.title").getAttribute("href").slice(1);
			const card = btn.closest(".msg").id;
			const until = (ok, what) => new Promise((resolve, reject) => {
				const deadline = performance.now() + 10000;
				const check = () => ok() ? resolve() : performance.now() > deadline ? reject(new Error(what)) : requestAnimationFrame(check);
				check();
			});
			if (document.querySelector("#" + target + " .thread .msg")) throw new Error("already answered: " + target);
			const t0 = performance.now();
			btn.click();
			await until(() => document.querySelector("#" + target + ' .thread .msg[data-author="B0BOT"]'), "no reply under " + target);
			const took = performance.now() - t0;
			// The next press is on the next card, once this one is updated.
			await until(() => !document.querySelector("#" + card + ' button[data-button^="inbox/approve/"]'), "card not updated");
			return took;
		})()`)
		ms = append(ms, d)
	}
	slices.Sort(ms)
	pct := func(q float64) float64 { return ms[min(len(ms)-1, int(q*float64(len(ms))))] }
	t.Logf("Approve → reply shown, %d presses: p50 %.1f ms, p99 %.1f ms (min %.1f)", n, pct(0.50), pct(0.99), ms[0])
}

// lineWriter hands each line written to it to a channel (bounded: the
// command prints a few lines).
type lineWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return len(b), nil
		}
		select {
		case w.lines <- s[:i]:
		default:
		}
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
	}
}

// waitURL returns the URL the playground prints.
func waitURL(t testing.TB, lines <-chan string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-lines:
			if _, u, ok := strings.Cut(l, "open "); ok {
				return u
			}
		case <-timeout:
			t.Fatal("the playground printed no URL")
		}
	}
}

// TestPlaygroundCommand runs "commpilot playground" as a user does: it
// prints the URL, serves the page and /healthz, and removes its fresh
// database at exit.
func TestPlaygroundCommand(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, k := range []string{"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "OPENAI_BASE_URL", "COMMPILOT_DB", "COMMPILOT_HTTP_ADDR"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(t.Context())
	out := &lineWriter{lines: make(chan string, 16)}
	var stderr strings.Builder
	code := make(chan int, 1)
	go func() { code <- runPlayground(ctx, []string{"--addr", "127.0.0.1:0"}, out, &syncBuilder{b: &stderr}) }()
	url := waitURL(t, out.lines)
	for _, path := range []string{"", "healthz", "static/app.js"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /%s: %d", path, resp.StatusCode)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("while running, %s holds %d entries, want the playground's directory", tmp, len(entries))
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d: %s", c, stderr.String())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the fresh database was left behind: %v", entries)
	}
}

// TestPlaygroundKeepsTheGivenDB runs the playground twice on one --db: the
// file stays, and the FAQ is seeded once.
func TestPlaygroundKeepsTheGivenDB(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kept.db")
	for range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		out := &lineWriter{lines: make(chan string, 16)}
		code := make(chan int, 1)
		go func() { code <- runPlayground(ctx, []string{"--addr", "127.0.0.1:0", "--db", db}, out, io.Discard) }()
		waitURL(t, out.lines)
		cancel()
		if c := <-code; c != 0 {
			t.Fatalf("exit %d", c)
		}
	}
	sdb, err := storage.Open(t.Context(), db, storage.Options{})
	if err != nil {
		t.Fatalf("the database was not kept: %v", err)
	}
	defer sdb.Close()
	faq, err := storage.NewInbox(sdb).FAQ(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(faq) != len(playgroundFAQ) {
		t.Errorf("%d FAQ entries after two runs, want %d", len(faq), len(playgroundFAQ))
	}
}

type syncBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestPlaygroundRefusesAPublicAddressWithoutPublic(t *testing.T) {
	var stderr strings.Builder
	if c := run([]string{"playground", "--addr", "0.0.0.0:0"}, nil, io.Discard, &stderr); c != 2 {
		t.Errorf("exit %d, want 2", c)
	}
	if !strings.Contains(stderr.String(), "add --public") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

// BenchmarkPlaygroundStartup is the time from "go run ./cmd/commpilot
// playground" to the page answering, on a warm build and module cache.
func BenchmarkPlaygroundStartup(b *testing.B) {
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	warm := exec.Command("go", "build", "-o", os.DevNull, "./cmd/commpilot")
	warm.Dir = root
	if out, err := warm.CombinedOutput(); err != nil {
		b.Fatalf("warm the cache: %v\n%s", err, out)
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command("go", "run", "./cmd/commpilot", "playground", "--addr", "127.0.0.1:0")
		cmd.Dir = root
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out := &lineWriter{lines: make(chan string, 16)}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		url := waitURL(b, out.lines)
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		total += time.Since(start)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
}

// TestNoTokenPointsToThePlayground: a newcomer without tokens reads, in the
// first lines, how to see commpilot work anyway.
func TestNoTokenPointsToThePlayground(t *testing.T) {
	clearEnv(t)
	var stderr strings.Builder
	if c := run(nil, strings.NewReader(""), io.Discard, &stderr); c != 2 {
		t.Fatalf("exit %d, want 2", c)
	}
	first := strings.Join(strings.SplitN(stderr.String(), "\n", 4)[:3], "\n")
	if !strings.Contains(first, "commpilot playground") {
		t.Errorf("the first lines do not mention the playground:\n%s", first)
	}
}
