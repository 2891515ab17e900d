package llm_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
)

var openingHours = bot.FAQEntry{ID: 1, Question: "Quels sont vos horaires ?", Answer: "Du lundi au vendredi, 9h-18h."}

func frenchQuestion() bot.DraftRequest {
	return bot.DraftRequest{
		Text:   "Bonjour, vous êtes ouverts le samedi ?",
		Author: "Camille",
		Triage: bot.Triage{Lang: "fr", Kind: bot.KindQuestion},
		Voice:  "chaleureux, vouvoiement, sans emoji",
		FAQ:    []bot.FAQEntry{openingHours},
	}
}

func TestDraftUsesLLMReply(t *testing.T) {
	r := newRig(t, "")
	r.srv.ReplyJSON(map[string]string{"reply": "  Bonjour Camille ! Nous sommes ouverts du lundi au vendredi, 9h-18h.\n"})
	got, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), frenchQuestion())
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Draft{Text: "Bonjour Camille ! Nous sommes ouverts du lundi au vendredi, 9h-18h.", Source: "llm"}
	if got != want {
		t.Fatalf("Draft = %+v, want %+v", got, want)
	}
	user := r.userJSON(t, 0)
	for k, v := range map[string]any{
		"message":        "Bonjour, vous êtes ouverts le samedi ?",
		"author":         "Camille",
		"kind":           "question",
		"reply_language": "French",
		"team_voice":     "chaleureux, vouvoiement, sans emoji",
	} {
		if user[k] != v {
			t.Errorf("user JSON %q = %v, want %v", k, user[k], v)
		}
	}
	faq, _ := user["faq"].([]any)
	if len(faq) != 1 || !reflect.DeepEqual(faq[0], map[string]any{"question": openingHours.Question, "answer": openingHours.Answer}) {
		t.Errorf("user JSON faq = %v, want the one entry", user["faq"])
	}
	if _, ok := user["previous_draft"]; ok {
		t.Errorf("a first draft sends no previous_draft: %v", user)
	}
	rf := r.srv.Requests()[0].Chat.ResponseFormat
	if rf == nil || rf.JSONSchema == nil || rf.JSONSchema.Name != "draft" || !rf.JSONSchema.Strict {
		t.Errorf("response_format = %+v, want a strict json_schema named draft", rf)
	}
}

func TestDraftAgainstDefaultFakeQuotesFAQ(t *testing.T) {
	r := newRig(t, "")
	got, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), frenchQuestion())
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "llm" || !strings.Contains(got.Text, openingHours.Answer) || !strings.HasPrefix(got.Text, "Bonjour") {
		t.Fatalf("Draft = %+v, want a French LLM draft quoting the FAQ", got)
	}
}

func TestDraftLanguages(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "English", "fr": "French", "nl": "Dutch",
		"other": "the language of the message (English if unsure)",
	} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t, "")
			req := frenchQuestion()
			req.Triage.Lang = lang
			if _, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if got := r.userJSON(t, 0)["reply_language"]; got != want {
				t.Errorf("reply_language = %v, want %q", got, want)
			}
		})
	}
}

func TestDraftRegenerateSendsPreviousAndInstruction(t *testing.T) {
	r := newRig(t, "")
	req := frenchQuestion()
	req.Previous = "Bonjour ! Nous sommes ouverts du lundi au vendredi, de 9h à 18h. N'hésitez pas à revenir vers nous."
	req.Instruction = "plus court"
	r.srv.ReplyJSON(map[string]string{"reply": "Bonjour ! Du lundi au vendredi, 9h-18h."})
	got, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "Bonjour ! Du lundi au vendredi, 9h-18h." || got.Source != "llm" {
		t.Fatalf("Draft = %+v", got)
	}
	user := r.userJSON(t, 0)
	if user["previous_draft"] != req.Previous || user["instruction"] != "plus court" {
		t.Errorf("user JSON = %v, want previous_draft and instruction", user)
	}
}

func TestDraftFallsBack(t *testing.T) {
	tests := []struct {
		name     string
		script   func(s *llmtest.Server)
		reason   string
		note     string
		requests int
	}{
		{"two server errors", func(s *llmtest.Server) { s.Fail(500, 2) },
			"http_5xx", "LLM returned an error (HTTP 500)", 2},
		{"two timeouts", func(s *llmtest.Server) { s.Hang(2) },
			"timeout", "LLM timed out after 300ms", 2},
		{"malformed JSON", func(s *llmtest.Server) { s.Reply(`{"reply": "Bonjour`) },
			"malformed", "LLM returned malformed output", 1},
		{"empty reply", func(s *llmtest.Server) { s.ReplyJSON(map[string]string{"reply": " "}) },
			"schema", "LLM returned an empty draft", 1},
		{"mass mention", func(s *llmtest.Server) { s.ReplyJSON(map[string]string{"reply": "Hey @everyone, free stuff!"}) },
			"unsafe", "LLM draft contained a mass mention", 1},
		{"here mention", func(s *llmtest.Server) { s.ReplyJSON(map[string]string{"reply": "@HERE look"}) },
			"unsafe", "LLM draft contained a mass mention", 1},
		{"too long", func(s *llmtest.Server) { s.ReplyJSON(map[string]string{"reply": strings.Repeat("é", 2001)}) },
			"too_long", "LLM draft was too long", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "")
			tt.script(r.srv)
			got, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), frenchQuestion())
			if err != nil {
				t.Fatal(err)
			}
			want := bot.Draft{Text: "offline draft", Source: "offline", Note: tt.note}
			if got != want {
				t.Fatalf("Draft = %+v, want %+v", got, want)
			}
			r.wantFellBack(t, "draft", tt.reason, tt.requests)
		})
	}
}

// The caller's deadline bounds the attempt, leaves no room for a retry, and
// the offline draft is still produced.
func TestDraftCallerDeadline(t *testing.T) {
	r := newRig(t, "")
	r.srv.Hang(2)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	got, err := r.c.Drafter(fixedDrafter{}).Draft(ctx, frenchQuestion())
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "offline" || got.Text != "offline draft" || !strings.HasPrefix(got.Note, "LLM timed out after 1") {
		t.Fatalf("Draft = %+v, want the offline draft noting a timeout of about 150ms", got)
	}
	if n := len(r.srv.Requests()); n != 1 {
		t.Errorf("got %d requests, want 1: no retry past the caller's deadline", n)
	}
}

// A caller whose context is already done still gets the offline draft: the
// fallback is offline and runs without the dead context.
func TestDraftCancelledCallerGetsOfflineDraft(t *testing.T) {
	r := newRig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := r.c.Drafter(fixedDrafter{}).Draft(ctx, frenchQuestion())
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Draft{Text: "offline draft", Source: "offline", Note: "LLM request was canceled"}
	if got != want {
		t.Fatalf("Draft = %+v, want %+v", got, want)
	}
}

// TestDraftAddressesAsTheTeamChose: the team's form of address reaches the
// model with the pronoun of the reply's language; left at the default, the
// team's voice decides and nothing is sent.
func TestDraftAddressesAsTheTeamChose(t *testing.T) {
	for _, tc := range []struct {
		lang    string
		address bot.Address
		want    any
	}{
		{"fr", bot.AddressInformal, "informal: tutoiement (tu)"},
		{"fr", bot.AddressFormal, "formal: vouvoiement (vous)"},
		{"nl", bot.AddressFormal, "formal: u"},
		{"nl", bot.AddressInformal, "informal: je"},
		{"en", bot.AddressFormal, nil},
		{"fr", bot.AddressDefault, nil},
	} {
		r := newRig(t, "")
		r.srv.ReplyJSON(map[string]string{"reply": "Bonjour !"})
		req := frenchQuestion()
		req.Triage.Lang, req.Address = tc.lang, tc.address
		if _, err := r.c.Drafter(fixedDrafter{}).Draft(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if got := r.userJSON(t, 0)["address"]; got != tc.want {
			t.Errorf("%s %q: address %v, want %v", tc.lang, tc.address, got, tc.want)
		}
	}
}
