package inbox

import (
	"context"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// OfflineDrafter writes courteous replies from templates, per kind and
// language, using the best matching FAQ answer when there is one. It needs
// no network and never fails.
type OfflineDrafter struct{}

var _ bot.Drafter = OfflineDrafter{}

// Draft implements bot.Drafter.
func (OfflineDrafter) Draft(_ context.Context, req bot.DraftRequest) (bot.Draft, error) {
	lang := bot.Lang(req.Triage.Lang)
	tpl, ok := templates[lang]
	if !ok {
		lang, tpl = bot.English, templates[bot.English]
	}
	name := strings.TrimPrefix(req.Author, "@")
	greet := tpl["greet"]
	if name != "" {
		greet = strings.ReplaceAll(tpl["greet_name"], "{name}", name)
	}
	var body string
	switch {
	case len(req.FAQ) > 0 && req.Triage.Kind == bot.KindComplaint:
		body = strings.ReplaceAll(tpl["complaint_faq"], "{answer}", req.FAQ[0].Answer)
	case len(req.FAQ) > 0:
		body = strings.ReplaceAll(tpl["faq"], "{answer}", req.FAQ[0].Answer)
	default:
		body = tpl[string(req.Triage.Kind)]
		if body == "" {
			body = tpl["other"]
		}
	}
	text := greet + " " + body
	if strings.Contains(strings.ToLower(req.Instruction), "short") || strings.Contains(strings.ToLower(req.Instruction), "court") ||
		strings.Contains(strings.ToLower(req.Instruction), "kort") {
		text = greet + " " + firstSentence(body)
	}
	return bot.Draft{Text: text, Source: "offline"}, nil
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ".!?"); i > 0 && i < len(s)-1 {
		return s[:i+1]
	}
	return s
}

// templates are the offline replies. They promise nothing the team has not
// said: no dates, prices or links that are not in the FAQ.
var templates = map[bot.Lang]map[string]string{
	bot.English: {
		"greet":         "Hi,",
		"greet_name":    "Hi {name},",
		"complaint":     "thank you for telling us, and we're sorry for the trouble. We're looking into it now: could you send us your order number or account email in a private message so we can help you right away?",
		"complaint_faq": "we're sorry for the trouble. {answer} If that doesn't solve it, send us a private message and we'll sort it out with you.",
		"question":      "thanks for your question! Someone from the team will get back to you with the details shortly.",
		"faq":           "thanks for reaching out! {answer} Let us know if anything else comes up.",
		"praise":        "thank you so much! We're really glad to hear it, and we'll pass it on to the team.",
		"mention":       "thanks for mentioning us! Let us know if there's anything we can help with.",
		"other":         "thanks for your message! Let us know if there's anything we can help with.",
	},
	bot.French: {
		"greet":         "Bonjour,",
		"greet_name":    "Bonjour {name},",
		"complaint":     "merci de nous l'avoir signalé, et désolés pour ce désagrément. Nous regardons cela tout de suite : pouvez-vous nous envoyer votre numéro de commande ou l'e-mail de votre compte en message privé pour que nous puissions vous aider rapidement ?",
		"complaint_faq": "désolés pour ce désagrément. {answer} Si cela ne règle pas le problème, écrivez-nous en message privé et nous trouverons une solution avec vous.",
		"question":      "merci pour votre question ! Quelqu'un de l'équipe vous répond très vite avec les détails.",
		"faq":           "merci pour votre message ! {answer} N'hésitez pas si vous avez d'autres questions.",
		"praise":        "merci beaucoup ! Ça nous fait très plaisir, nous transmettons à toute l'équipe.",
		"mention":       "merci de parler de nous ! N'hésitez pas si nous pouvons vous aider.",
		"other":         "merci pour votre message ! N'hésitez pas si nous pouvons vous aider.",
	},
	bot.Dutch: {
		"greet":         "Hallo,",
		"greet_name":    "Hallo {name},",
		"complaint":     "bedankt dat je het laat weten, en sorry voor het ongemak. We zoeken het meteen uit: kun je ons je bestelnummer of het e-mailadres van je account in een privébericht sturen, zodat we je snel kunnen helpen?",
		"complaint_faq": "sorry voor het ongemak. {answer} Lost dat het niet op, stuur ons dan een privébericht en we zoeken samen een oplossing.",
		"question":      "bedankt voor je vraag! Iemand van het team komt zo snel mogelijk bij je terug met de details.",
		"faq":           "bedankt voor je bericht! {answer} Laat het ons weten als je nog vragen hebt.",
		"praise":        "heel erg bedankt! Fijn om te horen, we geven het door aan het hele team.",
		"mention":       "bedankt voor de vermelding! Laat het weten als we ergens mee kunnen helpen.",
		"other":         "bedankt voor je bericht! Laat het weten als we ergens mee kunnen helpen.",
	},
}
