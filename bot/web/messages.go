package web

import (
	"fmt"
	"strings"

	"github.com/commpilot/commpilot/bot"
)

// Messages are the playground's own words, in the language the page asks
// for (the browser's). Keys starting with "ui." label the page itself.
var Messages = bot.Messages{
	bot.English: {
		"web.bad_request": "The page sent something the playground does not understand. Reload the page.",
		"web.banned":      "You are banned from this server, so you cannot post.",
		"web.busy":        "The playground is busy or restarting. Try again in a moment.",
		"web.empty":       "Type a message first.",
		"web.failed":      "Something went wrong on our side. Nothing was changed.",
		"web.form_gone":   "This form is no longer open. Open it again.",
		"web.kicked":      "You were kicked from this server, so you cannot post.",
		"web.no_button":   "That button is no longer there.",
		"web.no_channel":  "There is no such channel here.",
		"web.no_message":  "That message is no longer there.",
		"web.not_yours":   "You can only change your own messages.",
		"web.timed_out":   "You are timed out until %s and cannot post before then.",
		"web.slowmode":    "Slow mode is on in this channel: wait %d s before posting again.",
		"web.too_long":    "That is too long: at most %d characters.",
		"web.who":         "Pick who you are first.",
		"ui.only_you":     "Only you can see this",
		"ui.edited":       "(edited)",
		"ui.deleted":      "This message was deleted.",
	},
	bot.French: {
		"web.bad_request": "La page a envoyé quelque chose que le bac à sable ne comprend pas. Rechargez la page.",
		"web.banned":      "Vous êtes banni de ce serveur : vous ne pouvez pas écrire.",
		"web.busy":        "Le bac à sable est occupé ou redémarre. Réessayez dans un instant.",
		"web.empty":       "Écrivez d'abord un message.",
		"web.failed":      "Un problème est survenu de notre côté. Rien n'a été modifié.",
		"web.form_gone":   "Ce formulaire n'est plus ouvert. Ouvrez-le de nouveau.",
		"web.kicked":      "Vous avez été expulsé de ce serveur : vous ne pouvez pas écrire.",
		"web.no_button":   "Ce bouton n'existe plus.",
		"web.no_channel":  "Ce salon n'existe pas ici.",
		"web.no_message":  "Ce message n'existe plus.",
		"web.not_yours":   "Vous ne pouvez modifier que vos propres messages.",
		"web.timed_out":   "Vous êtes exclu temporairement jusqu'à %s et ne pouvez pas écrire d'ici là.",
		"web.slowmode":    "Le mode lent est activé dans ce salon : attendez %d s avant d'écrire à nouveau.",
		"web.too_long":    "C'est trop long : %d caractères au maximum.",
		"web.who":         "Choisissez d'abord qui vous êtes.",
		"ui.only_you":     "Visible par vous seul",
		"ui.edited":       "(modifié)",
		"ui.deleted":      "Ce message a été supprimé.",
	},
	bot.Dutch: {
		"web.bad_request": "De pagina stuurde iets wat de speeltuin niet begrijpt. Laad de pagina opnieuw.",
		"web.banned":      "Je bent verbannen van deze server en kunt dus niets plaatsen.",
		"web.busy":        "De speeltuin heeft het druk of start opnieuw op. Probeer het zo nog eens.",
		"web.empty":       "Typ eerst een bericht.",
		"web.failed":      "Er ging aan onze kant iets mis. Er is niets gewijzigd.",
		"web.form_gone":   "Dit formulier is niet meer open. Open het opnieuw.",
		"web.kicked":      "Je bent uit deze server gezet en kunt dus niets plaatsen.",
		"web.no_button":   "Die knop bestaat niet meer.",
		"web.no_channel":  "Dat kanaal bestaat hier niet.",
		"web.no_message":  "Dat bericht bestaat niet meer.",
		"web.not_yours":   "Je kunt alleen je eigen berichten wijzigen.",
		"web.timed_out":   "Je hebt een time-out tot %s en kunt tot dan niets plaatsen.",
		"web.slowmode":    "Langzame modus staat aan in dit kanaal: wacht %d s voordat je weer iets plaatst.",
		"web.too_long":    "Dat is te lang: maximaal %d tekens.",
		"web.who":         "Kies eerst wie je bent.",
		"ui.only_you":     "Alleen jij kunt dit zien",
		"ui.edited":       "(bewerkt)",
		"ui.deleted":      "Dit bericht is verwijderd.",
	},
}

// translate renders one of Messages, falling back to English.
func translate(lang bot.Lang, key string, args ...any) string {
	s, ok := Messages[lang][key]
	if !ok {
		s, ok = Messages[bot.English][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// uiStrings are the page's labels in lang.
func uiStrings(lang bot.Lang) map[string]string {
	out := map[string]string{}
	for k := range Messages[bot.English] {
		if name, ok := strings.CutPrefix(k, "ui."); ok {
			out[name] = translate(lang, k)
		}
	}
	return out
}
