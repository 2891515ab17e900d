package inbox_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/bot/llm"
	"github.com/commpilot/commpilot/bot/llm/llmtest"
	"github.com/commpilot/commpilot/skills/inbox"
	"github.com/commpilot/commpilot/skills/triage"
)

// langOf tells a text's language with the offline classifier, as the
// binary wires it.
// offline is one classifier for langOf: each new one loads its model.
var offline = triage.New()

func langOf(text string) (bot.Lang, bool) {
	tr, err := offline.Classify(context.Background(), bot.TriageInput{Text: text})
	if err != nil {
		return "", false
	}
	return bot.ParseLang(tr.Lang)
}

func TestStaffClaimsFlagged(t *testing.T) {
	for _, draft := range []string{
		"As the admin of this server I have banned you for spamming.",
		"Hi Tom, I've kicked the user who insulted you.",
		"Good news: your refund has been approved and will reach you this week.",
		"We have issued a full refund to your card.",
		"You have been banned from the community.",
		"As the server owner I removed your post.",
		"En tant qu'administrateur de ce serveur, je vous ai banni.",
		"Bonjour, j'ai remboursé votre commande ce matin.",
		"Votre remboursement a été accordé.",
		"Nous allons vous rembourser dès aujourd'hui.",
		"Tu as été expulsé du serveur.",
		"Als beheerder van deze server heb ik je verbannen.",
		"Hoi, we hebben het bedrag van je bestelling terugbetaald.",
		"Je terugbetaling is goedgekeurd.",
		"U bent geschorst.",
		"En tant que propriétaire du serveur, je décide.",
		"Als eigenaar van deze server bepaal ik dat.",
	} {
		if got := inbox.Flags(draft, nil); !slices.Contains(got, "staff_claim") {
			t.Errorf("Flags(%q) = %v, want staff_claim", draft, got)
		}
	}
	for _, draft := range []string{
		"An admin will look at your report and get back to you.",
		"Refunds are handled by our support team: send us a private message.",
		"Un administrateur va examiner votre signalement.",
		"Pour un remboursement, écrivez-nous en message privé.",
		"Een beheerder bekijkt je melding.",
		"Voor een terugbetaling kun je ons een privébericht sturen.",
		"As the owner of the account, you can ask for a new invoice.",
		"En tant que propriétaire du compte, vous pouvez demander une facture.",
		"Als eigenaar van het account kun je een nieuwe factuur vragen.",
	} {
		if got := inbox.Flags(draft, nil); slices.Contains(got, "staff_claim") {
			t.Errorf("Flags(%q) = %v: an ordinary reply flagged as claiming powers", draft, got)
		}
	}
}

// TestOfflineDraftsRaiseNoFlag drafts every template in every language,
// with and without a name and a FAQ answer, and checks that none is
// flagged: the team would learn to ignore warnings that fire on the bot's
// own ordinary words.
func TestOfflineDraftsRaiseNoFlag(t *testing.T) {
	faq := map[bot.Lang]bot.FAQEntry{
		bot.English: {Question: "When do you deliver?", Answer: "We deliver within 3 working days."},
		bot.French:  {Question: "Quand livrez-vous ?", Answer: "Nous livrons sous 3 jours ouvrés."},
		bot.Dutch:   {Question: "Wanneer leveren jullie?", Answer: "We leveren binnen 3 werkdagen."},
	}
	n := 0
	for _, lang := range bot.Langs() {
		for _, kind := range bot.Kinds() {
			for _, author := range []string{"", "marie"} {
				for _, withFAQ := range []bool{false, true} {
					for _, address := range []bot.Address{bot.AddressDefault, bot.AddressFormal, bot.AddressInformal} {
						req := bot.DraftRequest{Text: "…", Author: author, Triage: bot.Triage{Lang: string(lang), Kind: kind}, Address: address}
						if withFAQ {
							req.FAQ = []bot.FAQEntry{faq[lang]}
						}
						d, err := inbox.OfflineDrafter{}.Draft(context.Background(), req)
						if err != nil {
							t.Fatal(err)
						}
						n++
						if got := inbox.Flags(d.Text, req.FAQ); len(got) > 0 {
							t.Errorf("%s %s draft %q flagged %v", lang, kind, d.Text, got)
						}
						if got, ok := langOf(d.Text); ok && got != lang {
							t.Errorf("%s %s draft %q read as %s: it would be flagged as another language", lang, kind, d.Text, got)
						}
					}
				}
			}
		}
	}
	if n != 216 {
		t.Fatalf("drafted %d replies, want 216", n)
	}
}

// TestCardFlagsClaimsAndLanguage drafts with the LLM (go-openai against
// the fake) a reply that claims an admin's powers in English to a member
// who wrote in French: the card says both, in the team's language, and
// shows no catalogue key.
func TestCardFlagsClaimsAndLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang       bot.Lang
		claim, odd string
	}{
		{bot.English, "The draft speaks as someone with powers", "The draft seems to be in English, but the member wrote in French."},
		{bot.French, "Le brouillon s'attribue des pouvoirs", "Le brouillon semble rédigé en anglais, alors que le membre a écrit en français."},
		{bot.Dutch, "Het concept eigent zich bevoegdheden toe", "Het concept lijkt in het Engels geschreven, maar het lid schreef in het Frans."},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			fake := llmtest.New(t)
			fake.ReplyJSON(map[string]string{"reply": "As the admin of this server I have banned the person who bothered you, and your refund has been approved."})
			client, err := llm.New(llm.Config{BaseURL: fake.URL(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			f := startInboxWith(t, openDB(t), bot.Settings{TeamChannel: team, Watch: []bot.ChannelRef{community},
				Brand: []string{"Acme"}, Staff: []string{"slack:UADMIN"}, Language: tc.lang}, client.Drafter(inbox.OfflineDrafter{}))
			f.post(t, community, member, "Bonjour, ma commande Acme n'est jamais arrivée et personne ne me répond, c'est inadmissible.")
			c := f.lastCard(t)
			if !strings.Contains(c.Body, "⚠ "+tc.claim) || !strings.Contains(c.Body, "⚠ "+tc.odd) {
				t.Errorf("card body lacks the flags:\n%s", c.Body)
			}
			if strings.Contains(c.Body, "inbox.") {
				t.Errorf("card shows a catalogue key:\n%s", c.Body)
			}
		})
	}
}
