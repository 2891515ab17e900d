package bot

// inputMessages are the core's words for input refused before any handler
// runs, beside coreMessages.
var inputMessages = Messages{
	English: {
		"err.bad_text": "%s: this is not valid text (some bytes are not UTF-8). Type it again.",
	},
	French: {
		"err.bad_text": "%s : ce n'est pas du texte valide (certains octets ne sont pas de l'UTF-8). Saisissez-le à nouveau.",
	},
	Dutch: {
		"err.bad_text": "%s: dit is geen geldige tekst (sommige bytes zijn geen UTF-8). Typ het opnieuw.",
	},
}
