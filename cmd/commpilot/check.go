package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/discord"
	"github.com/commpilot/commpilot/bot/llm"
	"github.com/commpilot/commpilot/bot/slack"
)

// checkTimeout bounds all the checks of "commpilot check".
const checkTimeout = 30 * time.Second

// runCheck is "commpilot check": it validates the configuration with the
// loader "run" uses, reaches each configured platform and the LLM without
// starting the bot, prints what works and what to fix in plain words, and
// exits 0 when nothing needs fixing, 1 otherwise.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: commpilot check")
		return 2
	}
	cfg, err := LoadConfig(os.Getenv)
	if errors.Is(err, ErrNoPlatform) {
		fmt.Fprint(stderr, noPlatformHelp)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stdout, "configuration:\n%v\n1 problem or more: fix them, then run commpilot check again.\n", indent(err))
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	sections := checkAll(ctx, cfg, nil)
	problems := 0
	for _, s := range sections {
		fmt.Fprintf(stdout, "%s:\n", s.name)
		for _, n := range s.notes {
			fmt.Fprintf(stdout, "  ok: %s\n", n)
		}
		for _, p := range s.problems {
			fmt.Fprintf(stdout, "  PROBLEM: %s\n", p)
		}
		problems += len(s.problems)
	}
	switch problems {
	case 0:
		fmt.Fprintln(stdout, "Everything checked is fine.")
		return 0
	case 1:
		fmt.Fprintln(stdout, "1 problem to fix.")
	default:
		fmt.Fprintf(stdout, "%d problems to fix.\n", problems)
	}
	return 1
}

// checkSection is what was found about one part of the configuration.
type checkSection struct {
	name            string
	notes, problems []string
}

// checkAll checks cfg's database path, platforms and LLM; hc, when set,
// carries their HTTP requests.
func checkAll(ctx context.Context, cfg Config, hc *http.Client) []checkSection {
	conf := checkSection{name: "configuration", notes: []string{"every variable is valid"}}
	abs, outside := cfg.dataPath()
	if outside {
		conf.problems = append(conf.problems, fmt.Sprintf("%s (%s, volume %s)", outsideVolume, abs, cfg.Volume))
	} else {
		conf.notes = append(conf.notes, "the database is "+abs)
	}
	out := []checkSection{conf}
	var channels []bot.ChannelRef
	if !cfg.Initial.TeamChannel.IsZero() {
		channels = append(channels, cfg.Initial.TeamChannel)
	}
	if cfg.HasSlack() {
		n, p := slack.Check(ctx, slack.Config{BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken,
			SigningSecret: cfg.SlackSigningSecret, APIURL: cfg.SlackAPIURL, HTTPClient: hc}, channels)
		out = append(out, checkSection{"slack", n, p})
	}
	if cfg.HasDiscord() {
		n, p := discord.Check(ctx, discord.Config{Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID,
			APIURL: cfg.DiscordAPIURL, HTTPClient: hc}, channels)
		out = append(out, checkSection{"discord", n, p})
	}
	if cfg.HasLLM() {
		n, p := checkLLM(ctx, cfg, hc)
		out = append(out, checkSection{"llm", n, p})
	}
	return out
}

// checkLLM asks the OpenAI-compatible endpoint for its models list.
func checkLLM(ctx context.Context, cfg Config, hc *http.Client) (notes, problems []string) {
	base, model := cfg.OpenAIBaseURL, cfg.OpenAIModel
	if base == "" {
		base = llm.DefaultBaseURL
	}
	if model == "" {
		model = llm.DefaultModel
	}
	oc := openai.DefaultConfig(cfg.OpenAIKey)
	oc.BaseURL = strings.TrimRight(base, "/")
	if hc != nil {
		oc.HTTPClient = hc
	}
	where := base
	if u, err := url.Parse(base); err == nil {
		where = u.Scheme + "://" + u.Host + u.Path // never a key in user info or query
	}
	list, err := openai.NewClientWithConfig(oc).ListModels(ctx)
	if err != nil {
		var ae *openai.APIError
		if errors.As(err, &ae) && ae.HTTPStatusCode == http.StatusUnauthorized {
			return nil, []string{fmt.Sprintf("%s refused OPENAI_API_KEY (401)", where)}
		}
		msg := err.Error()
		if cfg.OpenAIKey != "" {
			msg = strings.ReplaceAll(msg, cfg.OpenAIKey, "…")
		}
		return nil, []string{fmt.Sprintf("%s did not answer a models list (GET /models): %s; commpilot would draft offline", where, msg)}
	}
	notes = append(notes, fmt.Sprintf("%s answers with %d models", where, len(list.Models)))
	ids := make([]string, 0, len(list.Models))
	for _, m := range list.Models {
		ids = append(ids, m.ID)
	}
	if slices.Contains(ids, model) {
		notes = append(notes, fmt.Sprintf("the model %s is among them", model))
	} else if len(ids) > 0 {
		problems = append(problems, fmt.Sprintf("the model %s is not among them (%s): set OPENAI_MODEL to one of these", model, strings.Join(ids, ", ")))
	}
	return notes, problems
}
