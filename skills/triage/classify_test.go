package triage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commpilot/commpilot/bot"
)

// classifier is shared by the tests: loading the data once keeps them fast.
var testClassifier = New()

func analyze(t *testing.T, in bot.TriageInput) bot.Triage {
	t.Helper()
	res, err := testClassifier.Classify(context.Background(), in)
	if err != nil {
		t.Fatalf("Classify(%q): %v", in.Text, err)
	}
	checkValid(t, in.Text, res)
	return res
}

func text(t *testing.T, s string) bot.Triage {
	t.Helper()
	return analyze(t, bot.TriageInput{Text: s})
}

// checkValid asserts what every result must satisfy.
func checkValid(t testing.TB, in string, res bot.Triage) {
	t.Helper()
	if !slices.Contains([]string{"en", "fr", "nl", "other"}, res.Lang) {
		t.Errorf("%q: lang %q", in, res.Lang)
	}
	if !slices.Contains(bot.Kinds(), res.Kind) {
		t.Errorf("%q: kind %q", in, res.Kind)
	}
	if !(res.Sentiment >= -1 && res.Sentiment <= 1) {
		t.Errorf("%q: sentiment %v out of [-1, 1]", in, res.Sentiment)
	}
	if !slices.Contains([]bot.Urgency{bot.UrgencyLow, bot.UrgencyNormal, bot.UrgencyHigh, bot.UrgencyCritical}, res.Urgency) {
		t.Errorf("%q: urgency %q", in, res.Urgency)
	}
	if res.Source != Source {
		t.Errorf("%q: source %q", in, res.Source)
	}
	for _, c := range res.Cues {
		if !utf8.ValidString(c) {
			t.Errorf("%q: cue %q is not valid UTF-8", in, c)
		}
	}
}

func hasCue(res bot.Triage, prefix string) bool {
	for _, c := range res.Cues {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func TestNegation(t *testing.T) {
	for _, tc := range []struct {
		text string
		pos  bool
	}{
		{"not bad", true},
		{"This update is not bad at all", true},
		{"pas mal", true},
		{"C'est pas mal du tout", true},
		{"niet slecht", true},
		{"Die nieuwe versie is niet slecht", true},
		{"not good", false},
		{"The answer was not helpful", false},
		{"Ce n'est pas bon", false},
		{"J'aime pas cette version", false},
		{"Het eten was niet goed", false},
		{"Dat vind ik niet leuk", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := text(t, tc.text)
			if tc.pos && res.Sentiment <= 0 || !tc.pos && res.Sentiment >= 0 {
				t.Errorf("sentiment = %v, want %s (cues %v)", res.Sentiment, map[bool]string{true: "> 0", false: "< 0"}[tc.pos], res.Cues)
			}
			if !hasCue(res, "negation: ") {
				t.Errorf("no negation cue in %v", res.Cues)
			}
		})
	}
}

func TestButClause(t *testing.T) {
	for _, tc := range []struct {
		text string
		pos  bool
	}{
		{"The app looks nice but it is terrible to use", false},
		{"Delivery was slow but the support team was wonderful", true},
		{"Le design est joli mais le service est horrible", false},
		{"Het ontwerp is mooi maar de service is waardeloos", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := text(t, tc.text)
			if tc.pos && res.Sentiment <= 0 || !tc.pos && res.Sentiment >= 0 {
				t.Errorf("sentiment = %v, want the sign of the clause after the contrast (cues %v)", res.Sentiment, res.Cues)
			}
			if !hasCue(res, "but-clause: ") {
				t.Errorf("no but-clause cue in %v", res.Cues)
			}
		})
	}
}

func TestEmojiAndEmoticons(t *testing.T) {
	for _, tc := range []struct {
		text string
		pos  bool
	}{
		{"👍", true}, {"😡", false}, {"❤️❤️", true}, {"👎🏽", false},
		{"merci 🙏", true}, {"ok :)", true}, {"hmm :(", false}, {"delivered today 😭", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := text(t, tc.text)
			if tc.pos && res.Sentiment <= 0 || !tc.pos && res.Sentiment >= 0 {
				t.Errorf("sentiment = %v (cues %v)", res.Sentiment, res.Cues)
			}
		})
	}
}

func TestCapsAndExclamations(t *testing.T) {
	plain := text(t, "the new version is great")
	caps := text(t, "the new version is GREAT")
	bang := text(t, "the new version is great!!!")
	if caps.Sentiment <= plain.Sentiment {
		t.Errorf("caps %v <= plain %v", caps.Sentiment, plain.Sentiment)
	}
	if bang.Sentiment <= plain.Sentiment {
		t.Errorf("!!! %v <= plain %v", bang.Sentiment, plain.Sentiment)
	}
	neg := text(t, "this is bad")
	negCaps := text(t, "this is BAD!!!")
	if negCaps.Sentiment >= neg.Sentiment {
		t.Errorf("BAD!!! %v >= bad %v", negCaps.Sentiment, neg.Sentiment)
	}
}

// Negativity aimed at the brand or the bot is a complaint, also worded as a
// question to the team; the same about a competitor, aimed at nobody, or a
// question whose negativity is about something else, is not.
func TestNegativityAtTheBrandIsAComplaint(t *testing.T) {
	c := New()
	for _, tc := range []struct {
		text string
		want bot.Kind
	}{
		{"Acme you guys are useless", bot.KindComplaint},
		{"acme jullie zijn waardeloos", bot.KindComplaint},
		{"@Acme why is your app so bad?", bot.KindComplaint},
		{"Globex is terrible", bot.KindMention},
		{"Does Acme work offline? I'm travelling next week with a bad connection.", bot.KindQuestion},
		{"you are all idiots", bot.KindOther},
	} {
		res, err := c.Classify(context.Background(), bot.TriageInput{Text: tc.text, Brand: []string{"Acme"}, Competitors: []string{"Globex"}})
		if err != nil || res.Kind != tc.want {
			t.Errorf("%q: kind %s (cues %v, %v), want %s", tc.text, res.Kind, res.Cues, err, tc.want)
		}
	}
}

func TestComplaintIsABreachOfExpectations(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bot.Kind
	}{
		{"still waiting for my order", bot.KindComplaint},
		{"toujours pas reçu ma commande", bot.KindComplaint},
		{"nog steeds niet geleverd", bot.KindComplaint},
		{"I was charged twice this month", bot.KindComplaint},
		{"The export doesn't work since the update", bot.KindComplaint},
		{"Hello, my parcel never arrived. Could you please have a look? Thank you!", bot.KindComplaint},
		{"Bonjour, je n'ai jamais reçu mon colis, merci de vérifier", bot.KindComplaint},
		{"Hallo, mijn pakket is nooit aangekomen. Alvast bedankt!", bot.KindComplaint},
		{"your support is useless and the app is awful", bot.KindComplaint},
		// Insults with no expectation are not complaints.
		{"you are all idiots", bot.KindOther},
		{"vous êtes des nuls", bot.KindOther},
		{"jullie zijn sukkels", bot.KindOther},
		{"I hate mondays", bot.KindOther},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := text(t, tc.text)
			if res.Kind != tc.want {
				t.Errorf("kind = %s, want %s (cues %v)", res.Kind, tc.want, res.Cues)
			}
			if tc.want == bot.KindComplaint && !hasCue(res, "complaint: ") {
				t.Errorf("complaint without a complaint cue: %v", res.Cues)
			}
		})
	}
}

func TestQuestions(t *testing.T) {
	for _, tc := range []string{
		"anyone know when the EU store reopens",
		"Does anyone have the link to the docs",
		"wondering if the beta is open",
		"quelqu'un sait si la boutique est ouverte",
		"je me demande si on peut payer en trois fois",
		"weet iemand of de winkel open is",
		"Kan ik mijn abonnement pauzeren",
		"How do I reset my password",
		"Is there a student discount?",
		"@AcmeHelp what's the cutoff for same day delivery",
		"so is the discount code still valid or not",
		"Werkt de kortingscode nog",
	} {
		t.Run(tc, func(t *testing.T) {
			if res := text(t, tc); res.Kind != bot.KindQuestion {
				t.Errorf("kind = %s, want question (cues %v)", res.Kind, res.Cues)
			}
		})
	}
	if res := text(t, "what a game last night"); res.Kind == bot.KindQuestion {
		t.Errorf("exclamation read as a question: %v", res.Cues)
	}
}

func TestPraiseAndSpam(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bot.Kind
	}{
		{"Thanks a lot, the team fixed it in minutes!", bot.KindPraise},
		{"Merci beaucoup pour votre aide", bot.KindPraise},
		{"Bedankt voor de snelle levering", bot.KindPraise},
		{"FREE nitro, claim it now: discord.gg/freenitro", bot.KindSpam},
		{"Check out my channel and subscribe!!", bot.KindSpam},
		{"Congratulations! You won a prize, call 0800123456789 now", bot.KindSpam},
		// Platform mention markup carries ids, not phone numbers.
		{"<@123456789012345678> <#987654321098765432> thanks for the help <:pepe:112233445566778899>", bot.KindPraise},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if res := text(t, tc.text); res.Kind != tc.want {
				t.Errorf("kind = %s, want %s (cues %v)", res.Kind, tc.want, res.Cues)
			}
		})
	}
}

func TestBrandMentions(t *testing.T) {
	brand := []string{"Acme", "Acme Cloud", "Café Noir"}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"#acme is down", []string{"Acme"}},
		{"hey @Acme", []string{"Acme"}},
		{"ACME!", []string{"Acme"}},
		{"the acmeist movement", nil},
		{"acme-ish", []string{"Acme"}},
		{"J'adore acme cloud", []string{"Acme", "Acme Cloud"}},
		{"au cafe noir ce matin", []string{"Café Noir"}},
		{"AU CAFÉ NOIR", []string{"Café Noir"}},
		{"d'Acme", []string{"Acme"}},
		{"Acme's new app", []string{"Acme"}},
		{"<@123456789> acme", []string{"Acme"}},
		{"cafenoir", nil},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := analyze(t, bot.TriageInput{Text: tc.text, Brand: brand})
			if !slices.Equal(res.Mentions.Brand, tc.want) {
				t.Errorf("brand = %q, want %q", res.Mentions.Brand, tc.want)
			}
		})
	}
	res := analyze(t, bot.TriageInput{Text: "Switched to Globex yesterday", Brand: brand, Competitors: []string{"globex"}, BotMentioned: true})
	if !slices.Equal(res.Mentions.Competitors, []string{"globex"}) || !res.Mentions.Bot {
		t.Errorf("mentions = %+v", res.Mentions)
	}
	if res.Kind != bot.KindMention {
		t.Errorf("kind = %s, want mention", res.Kind)
	}
	if !hasCue(res, "competitor: globex") || !hasCue(res, "mention: bot") {
		t.Errorf("cues %v", res.Cues)
	}
}

func TestUrgency(t *testing.T) {
	for _, tc := range []struct {
		text      string
		followUps int
		want      bot.Urgency
		cue       string
	}{
		{"still waiting for my order", 0, bot.UrgencyNormal, ""},
		{"still waiting for my order, I will contact my lawyer", 0, bot.UrgencyCritical, "urgency: legal"},
		{"Toujours pas reçu, je vais porter plainte", 0, bot.UrgencyCritical, "urgency: legal"},
		{"I'm a journalist writing about your outage", 0, bot.UrgencyCritical, "urgency: press"},
		{"the charger caught fire last night", 0, bot.UrgencyCritical, "urgency: safety"},
		{"de oplader is ontploft", 0, bot.UrgencyCritical, "urgency: safety"},
		{"still broken, I'm going to cancel my subscription", 0, bot.UrgencyHigh, "urgency: churn"},
		{"Je vais résilier mon abonnement", 0, bot.UrgencyHigh, "urgency: churn"},
		{"I was charged twice", 0, bot.UrgencyHigh, "urgency: payment"},
		{"my account was hacked", 0, bot.UrgencyHigh, "urgency: data"},
		{"still waiting for my order", 2, bot.UrgencyHigh, "urgency: follow-ups 2"},
		{"still waiting for my order", 5, bot.UrgencyCritical, "urgency: follow-ups 5"},
		{"third time asking: where is my order", 0, bot.UrgencyHigh, "urgency: repeated"},
		{"WHERE IS MY ORDER, STILL NOTHING", 0, bot.UrgencyHigh, "shouting: capitals"},
		{"where is my order!!!", 0, bot.UrgencyHigh, "shouting: !!!"},
		{"thanks for the help", 0, bot.UrgencyLow, ""},
		{"FREE PRIZE!!! call 0800123456789", 3, bot.UrgencyLow, ""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			res := analyze(t, bot.TriageInput{Text: tc.text, FollowUps: tc.followUps})
			if res.Urgency != tc.want {
				t.Errorf("urgency = %s, want %s (kind %s, cues %v)", res.Urgency, tc.want, res.Kind, res.Cues)
			}
			if tc.cue != "" && !hasCue(res, tc.cue) {
				t.Errorf("no cue %q in %v", tc.cue, res.Cues)
			}
		})
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"merci !", "fr"},
		{"bedankt", "nl"},
		{"thanks", "en"},
		{"ok", "en"},
		{"Bonjour", "fr"},
		{"hoi allemaal", "nl"},
		{"Où est ma commande ?", "fr"},
		{"Waar is mijn bestelling?", "nl"},
		{"Where is my order?", "en"},
		// Mixed: the dominant language wins.
		{"Bonjour, I have a question about my order, it has not arrived yet", "en"},
		{"Hello, ma commande n'est toujours pas arrivée et personne ne me répond", "fr"},
		{"Sorry, mijn bestelling is nog steeds niet aangekomen en niemand reageert", "nl"},
		// Other languages and no letters.
		{"Hallo, ich habe eine Frage zu meiner Bestellung", "other"},
		{"¿Dónde está mi pedido? No ha llegado todavía", "other"},
		{"Привет, где мой заказ?", "other"},
		{"注文はまだ届いていません", "other"},
		{"👍👍", "other"},
		{"12345", "other"},
		{"", "other"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if res := text(t, tc.text); res.Lang != tc.want {
				t.Errorf("lang = %s, want %s", res.Lang, tc.want)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	long := strings.Repeat("still waiting for my order, ça ne marche pas, werkt niet 😡 ", 2000) // ~120 KB
	binary := string([]byte{0, 1, 2, 0xff, 0xfe, 0x80, 'a', 0, 0xc3, 0x28, 0x1b, '[', '3', '1', 'm'})
	zalgo := "t̷̢̛̗h̸̡̫e̶̢̨ ̵̢̛o̸̡̜r̵̛̥d̷̢e̸̡r̶̢̨ ̵̢̛i̸̡̜s̵̛̥ ̷̢w̸̡r̶̢̨ơ̵̢n̸̡̜g̵̛̥"
	for name, s := range map[string]string{
		"empty": "", "whitespace": " \t\n\r  ", "100KB": long, "binary": binary,
		"invalid UTF-8": "caf\xe9 \xff\xfe pas re\xe7u", "zalgo": zalgo, "emoji only": "😡😡😡🔥👍🏽👨‍👩‍👧",
		"only punctuation": "?!?!...,,,;;", "one letter": "a", "url only": "https://example.com/x",
		"NUL bytes": "\x00\x00\x00", "RTL": "\u202eredro ym erehw",
	} {
		t.Run(name, func(t *testing.T) {
			res := text(t, s)
			if name == "empty" || name == "whitespace" {
				if res.Kind != bot.KindOther || res.Lang != "other" || res.Sentiment != 0 || res.Urgency != bot.UrgencyLow {
					t.Errorf("empty input = %+v, want other/other/0/low", res)
				}
			}
		})
	}
	if res := text(t, zalgo); res.Lang != "en" {
		t.Errorf("zalgo \"the order is wrong\" lang = %s, want en (marks dropped)", res.Lang)
	}
}

func TestClassifyHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := testClassifier.Classify(ctx, bot.TriageInput{Text: "hi"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestResultExplainsItself(t *testing.T) {
	res := analyze(t, bot.TriageInput{Text: "@Acme still waiting for my refund, I'll call my lawyer 😡", Brand: []string{"acme"}, FollowUps: 2})
	for _, want := range []string{"complaint: still waiting", "brand: acme", "urgency: legal threat", "urgency: follow-ups 2", "emoji 😡"} {
		if !hasCue(res, want) {
			t.Errorf("cue %q missing from %v", want, res.Cues)
		}
	}
	if res.Kind != bot.KindComplaint || res.Urgency != bot.UrgencyCritical || res.Sentiment >= 0 {
		t.Errorf("result %+v", res)
	}
}

func TestManyCuesKeepUrgency(t *testing.T) {
	msg := "still waiting, never arrived, not received, doesn't work, broken, crashed, error, refund, no reply, " +
		"unacceptable, ridiculous, disappointed, worst, damaged, missing, stuck, I'm calling my lawyer"
	res := analyze(t, bot.TriageInput{Text: msg, FollowUps: 3})
	if len(res.Cues) != maxCues {
		t.Fatalf("%d cues, want %d: %v", len(res.Cues), maxCues, res.Cues)
	}
	if !hasCue(res, "urgency: legal threat") || !hasCue(res, "urgency: follow-ups 3") {
		t.Errorf("urgency cues dropped: %v", res.Cues)
	}
}

func TestLoadIsCheckedOnce(t *testing.T) {
	c := New()
	if err := c.Load(); err != nil {
		t.Fatal(err)
	}
	m := c.m
	if err := c.Load(); err != nil || c.m != m {
		t.Fatalf("second Load reloaded the data or failed: %v", err)
	}
	if len(m.rules) < 100 || len(m.words) < 10000 || len(m.emoji) < 50 || len(m.emotes) < 50 {
		t.Errorf("data looks truncated: %d rules, %d words, %d emoji, %d emoticons", len(m.rules), len(m.words), len(m.emoji), len(m.emotes))
	}
}
