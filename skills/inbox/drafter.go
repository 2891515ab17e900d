package inbox

import (
	"context"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// OfflineDrafter writes courteous replies from templates, per kind,
// language and form of address (req.Address: vous or tu, u or je), using the
// best matching FAQ answer when there is one. It needs no network and never
// fails.
type OfflineDrafter struct{}

var _ bot.Drafter = OfflineDrafter{}

// Draft implements bot.Drafter.
func (OfflineDrafter) Draft(_ context.Context, req bot.DraftRequest) (bot.Draft, error) {
	tpl := templates[register(bot.Lang(req.Triage.Lang), req.Address)]
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

// register names the templates for a reply in lang with address a: "en",
// "fr-vous", "fr-tu", "nl-je", "nl-u"; English for a language the bot does
// not speak.
func register(lang bot.Lang, a bot.Address) string {
	switch lang {
	case bot.French:
		if a.Formal(lang) {
			return "fr-vous"
		}
		return "fr-tu"
	case bot.Dutch:
		if a.Formal(lang) {
			return "nl-u"
		}
		return "nl-je"
	}
	return "en"
}

// templates are the offline replies, per register. They promise nothing the
// team has not said: no dates, prices or links that are not in the FAQ.
var templates = map[string]map[string]string{
	"en": {
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
	"fr-vous": {
		"greet":         "Bonjour,",
		"greet_name":    "Bonjour {name},",
		"complaint":     "merci de nous l'avoir signalé, et nous sommes désolés pour ce désagrément. Nous regardons cela tout de suite : pouvez-vous nous envoyer votre numéro de commande ou l'adresse e-mail de votre compte en message privé, pour que nous puissions vous aider rapidement ?",
		"complaint_faq": "nous sommes désolés pour ce désagrément. {answer} Si cela ne règle pas le problème, écrivez-nous en message privé et nous trouverons une solution avec vous.",
		"question":      "merci pour votre question ! Quelqu'un de l'équipe vous répondra très vite avec les détails.",
		"faq":           "merci pour votre message ! {answer} N'hésitez pas si vous avez d'autres questions.",
		"praise":        "merci beaucoup ! Cela nous fait très plaisir, et nous transmettons à toute l'équipe.",
		"mention":       "merci de parler de nous ! N'hésitez pas à nous écrire si nous pouvons vous aider.",
		"other":         "merci pour votre message ! N'hésitez pas à nous écrire si nous pouvons vous aider.",
	},
	"fr-tu": {
		"greet":         "Salut,",
		"greet_name":    "Salut {name},",
		"complaint":     "merci de nous l'avoir signalé, et désolés pour ce souci. Nous regardons ça tout de suite : peux-tu nous envoyer ton numéro de commande ou l'adresse e-mail de ton compte en message privé, pour que nous puissions t'aider rapidement ?",
		"complaint_faq": "désolés pour ce souci. {answer} Si ça ne règle pas le problème, écris-nous en message privé et nous trouverons une solution avec toi.",
		"question":      "merci pour ta question ! Quelqu'un de l'équipe te répondra très vite avec les détails.",
		"faq":           "merci pour ton message ! {answer} N'hésite pas si tu as d'autres questions.",
		"praise":        "merci beaucoup ! Ça nous fait très plaisir, et nous transmettons à toute l'équipe.",
		"mention":       "merci de parler de nous ! N'hésite pas à nous écrire si nous pouvons t'aider.",
		"other":         "merci pour ton message ! N'hésite pas à nous écrire si nous pouvons t'aider.",
	},
	"nl-je": {
		"greet":         "Hallo,",
		"greet_name":    "Hallo {name},",
		"complaint":     "bedankt dat je het laat weten, en sorry voor het ongemak. We zoeken het meteen uit: kun je ons je bestelnummer of het e-mailadres van je account in een privébericht sturen? Dan kunnen we je snel helpen.",
		"complaint_faq": "sorry voor het ongemak. {answer} Lost dat het niet op? Stuur ons dan een privébericht, dan zoeken we samen met je naar een oplossing.",
		"question":      "bedankt voor je vraag! Iemand van het team laat je zo snel mogelijk meer weten.",
		"faq":           "bedankt voor je bericht! {answer} Laat het ons weten als je nog vragen hebt.",
		"praise":        "heel erg bedankt! Fijn om te horen, we geven het door aan het hele team.",
		"mention":       "bedankt voor de vermelding! Laat het ons weten als we je ergens mee kunnen helpen.",
		"other":         "bedankt voor je bericht! Laat het ons weten als we je ergens mee kunnen helpen.",
	},
	"nl-u": {
		"greet":         "Goedendag,",
		"greet_name":    "Beste {name},",
		"complaint":     "bedankt dat u het laat weten, en onze excuses voor het ongemak. We zoeken het meteen uit: kunt u ons uw bestelnummer of het e-mailadres van uw account in een privébericht sturen? Dan kunnen we u snel helpen.",
		"complaint_faq": "onze excuses voor het ongemak. {answer} Lost dat het niet op? Stuur ons dan een privébericht, dan zoeken we samen met u naar een oplossing.",
		"question":      "bedankt voor uw vraag! Iemand van het team laat u zo snel mogelijk meer weten.",
		"faq":           "bedankt voor uw bericht! {answer} Laat het ons gerust weten als u nog vragen hebt.",
		"praise":        "hartelijk dank! Fijn om te horen, we geven het door aan het hele team.",
		"mention":       "bedankt voor de vermelding! Laat het ons gerust weten als we u ergens mee kunnen helpen.",
		"other":         "bedankt voor uw bericht! Laat het ons gerust weten als we u ergens mee kunnen helpen.",
	},
}
