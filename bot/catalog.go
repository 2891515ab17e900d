package bot

import (
	"fmt"
	"maps"
	"sort"
	"strings"
)

// Lang is a language of the bot's own messages.
type Lang string

// The languages the bot speaks.
const (
	English Lang = "en"
	French  Lang = "fr"
	Dutch   Lang = "nl"
)

// Langs lists the supported languages, default first.
func Langs() []Lang { return []Lang{English, French, Dutch} }

// ParseLang accepts "en", "fr", "nl" (any case, and the English names).
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "english", "anglais", "engels":
		return English, true
	case "fr", "french", "français", "francais", "frans":
		return French, true
	case "nl", "dutch", "néerlandais", "neerlandais", "nederlands":
		return Dutch, true
	}
	return "", false
}

// Messages maps catalogue keys to fmt formats, per language.
type Messages map[Lang]map[string]string

// Clone returns a deep copy of m: a package keeps its words in an unexported
// variable and hands out copies, so nobody changes them for everyone.
func (m Messages) Clone() Messages {
	out := make(Messages, len(m))
	for l, kv := range m {
		out[l] = maps.Clone(kv)
	}
	return out
}

// Catalog holds the bot's own words in every language. The zero value is
// empty; fill it with Add at wiring time, then only read it.
type Catalog struct {
	m map[Lang]map[string]string
}

// NewCatalog returns a catalogue holding the core messages and any others.
func NewCatalog(sets ...Messages) *Catalog {
	c := &Catalog{}
	c.Add(coreMessages)
	c.Add(inputMessages)
	for _, s := range sets {
		c.Add(s)
	}
	return c
}

// Add merges msgs into the catalogue. It panics on a key defined twice, which
// is a wiring bug found at start-up.
func (c *Catalog) Add(msgs Messages) {
	if c.m == nil {
		c.m = map[Lang]map[string]string{}
	}
	for lang, kv := range msgs {
		if c.m[lang] == nil {
			c.m[lang] = map[string]string{}
		}
		for k, v := range kv {
			if _, dup := c.m[lang][k]; dup {
				panic(fmt.Sprintf("bot: catalogue key %q defined twice for %s", k, lang))
			}
			c.m[lang][k] = v
		}
	}
}

// Key is a catalogue key given as an argument to T: it is rendered in the
// same language before formatting ("This item is %s" with Key("state.sent")).
type Key string

// T renders key in lang with args, falling back to English, then to the key.
// Args of type Key are translated first.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	copied := false
	for i, a := range args {
		if k, ok := a.(Key); ok {
			if !copied { // the caller's slice stays as it was
				args, copied = append([]any(nil), args...), true
			}
			args[i] = c.T(lang, string(k))
		}
	}
	f, ok := c.m[lang][key]
	if !ok {
		f, ok = c.m[English][key]
	}
	if !ok {
		if len(args) == 0 {
			return key
		}
		return key + " " + fmt.Sprint(args...)
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// Missing lists "lang:key" for every key some language has and another lacks.
func (c *Catalog) Missing() []string {
	all := map[string]bool{}
	for _, kv := range c.m {
		for k := range kv {
			all[k] = true
		}
	}
	var out []string
	for _, l := range Langs() {
		for k := range all {
			if _, ok := c.m[l][k]; !ok {
				out = append(out, string(l)+":"+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// coreMessages are the engine's and router's own words.
var coreMessages = Messages{
	English: {
		"err.internal":       "Something went wrong on our side (reference %s). Nothing was changed.",
		"err.forbidden":      "Only staff can do that. Ask a team admin to add you with /cm setup staff add.",
		"err.unknown_cmd":    "Unknown command %q. Try /cm help.",
		"err.usage":          "Usage: %s",
		"err.missing_option": "Missing %s.",
		"err.extra_args":     "Unexpected extra words: %s.",
		"err.bad_channel":    "%q is not a channel: pick one with #channel.",
		"err.bad_user":       "%q is not a user: pick one with @name.",
		"err.bad_role":       "%q is not a role: pick one with @role.",
		"err.bad_duration":   "%q is not a duration: use for example 10m, 2h, 1d.",
		"err.bad_number":     "%q is not a number.",
		"err.bad_choice":     "%q is not one of: %s.",
		"err.unknown_action": "This button is no longer handled. Nothing was changed.",
		"err.timeout":        "That took too long and was stopped. Nothing was acknowledged; try again.",
		"err.platform_off":   "%s is not connected to this bot.",
	},
	French: {
		"err.internal":       "Un problème est survenu de notre côté (référence %s). Rien n'a été modifié.",
		"err.forbidden":      "Seule l'équipe peut faire cela. Demandez à un administrateur de vous ajouter avec /cm setup staff add.",
		"err.unknown_cmd":    "Commande inconnue %q. Essayez /cm help.",
		"err.usage":          "Utilisation : %s",
		"err.missing_option": "Il manque %s.",
		"err.extra_args":     "Mots en trop : %s.",
		"err.bad_channel":    "%q n'est pas un salon : choisissez-en un avec #salon.",
		"err.bad_user":       "%q n'est pas un utilisateur : choisissez-en un avec @nom.",
		"err.bad_role":       "%q n'est pas un rôle : choisissez-en un avec @rôle.",
		"err.bad_duration":   "%q n'est pas une durée : utilisez par exemple 10m, 2h, 1d.",
		"err.bad_number":     "%q n'est pas un nombre.",
		"err.bad_choice":     "%q ne fait pas partie de : %s.",
		"err.unknown_action": "Ce bouton n'est plus pris en charge. Rien n'a été modifié.",
		"err.timeout":        "Cela a pris trop de temps et a été interrompu. Rien n'a été enregistré ; réessayez.",
		"err.platform_off":   "%s n'est pas connecté à ce bot.",
	},
	Dutch: {
		"err.internal":       "Er ging iets mis aan onze kant (referentie %s). Er is niets gewijzigd.",
		"err.forbidden":      "Alleen het team mag dat. Vraag een beheerder je toe te voegen met /cm setup staff add.",
		"err.unknown_cmd":    "Onbekende opdracht %q. Probeer /cm help.",
		"err.usage":          "Gebruik: %s",
		"err.missing_option": "%s ontbreekt.",
		"err.extra_args":     "Onverwachte extra woorden: %s.",
		"err.bad_channel":    "%q is geen kanaal: kies er een met #kanaal.",
		"err.bad_user":       "%q is geen gebruiker: kies er een met @naam.",
		"err.bad_role":       "%q is geen rol: kies er een met @rol.",
		"err.bad_duration":   "%q is geen duur: gebruik bijvoorbeeld 10m, 2h, 1d.",
		"err.bad_number":     "%q is geen getal.",
		"err.bad_choice":     "%q is niet een van: %s.",
		"err.unknown_action": "Deze knop wordt niet meer verwerkt. Er is niets gewijzigd.",
		"err.timeout":        "Dat duurde te lang en is gestopt. Er is niets vastgelegd; probeer het opnieuw.",
		"err.platform_off":   "%s is niet met deze bot verbonden.",
	},
}
