package bot

// inputMessages are the core's words for input refused before any handler
// runs, beside coreMessages.
var inputMessages = Messages{
	English: {
		"err.bad_text": "%s: this is not valid text (some bytes are not UTF-8). Type it again.",
		"err.everyone": "%s means everyone at once, not a role or a person, so nothing can be granted to it: pick a role such as @mods, or a member.",
	},
	French: {
		"err.bad_text": "%s : ce n'est pas du texte valide (certains octets ne sont pas de l'UTF-8). Saisissez-le à nouveau.",
		"err.everyone": "%s désigne tout le monde à la fois, ni un rôle ni une personne : rien ne peut lui être attribué. Choisissez un rôle, comme @modos, ou un membre.",
	},
	Dutch: {
		"err.bad_text": "%s: dit is geen geldige tekst (sommige bytes zijn geen UTF-8). Typ het opnieuw.",
		"err.everyone": "%s betekent iedereen tegelijk, geen rol of persoon: daar kan niets aan worden toegekend. Kies een rol, zoals @mods, of een lid.",
	},
}
