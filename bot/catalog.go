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
//
// A count-dependent message is defined as two keys, key+"#one" and
// key+"#other" ("%d open item" and "%d open items"), and used by its bare
// key: T picks the form by the first integer argument and the rule of lang
// (see PluralForm). A message may be defined either way, not both.
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
	f, ok := c.lookup(lang, key, args)
	if !ok && lang != English {
		f, ok = c.lookup(English, key, args)
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

// lookup finds key's format in lang, or the plural form of key that the
// first integer in args selects.
func (c *Catalog) lookup(lang Lang, key string, args []any) (string, bool) {
	if f, ok := c.m[lang][key]; ok {
		return f, true
	}
	n, ok := firstCount(args)
	if !ok {
		return "", false
	}
	f, ok := c.m[lang][key+"#"+PluralForm(lang, n)]
	return f, ok
}

// firstCount returns the first integer argument, as a count.
func firstCount(args []any) (int64, bool) {
	for _, a := range args {
		switch v := a.(type) {
		case int:
			return int64(v), true
		case int64:
			return v, true
		case int32:
			return int64(v), true
		case uint:
			return int64(v), true
		case uint32:
			return int64(v), true
		case uint64:
			return int64(v), true
		}
	}
	return 0, false
}

// PluralForm is "one" when a count of n takes the singular in lang, "other"
// otherwise: French treats 0 and 1 as singular ("0 élément", "1 jour"),
// English and Dutch only 1 ("0 items", "1 day", "0 dagen").
func PluralForm(lang Lang, n int64) string {
	if n < 0 {
		n = -n
	}
	if n == 1 || (lang == French && n == 0) {
		return "one"
	}
	return "other"
}

// Has reports whether key is defined in lang, directly or as the plural
// forms T picks between.
func (c *Catalog) Has(lang Lang, key string) bool {
	if _, ok := c.m[lang][key]; ok {
		return true
	}
	_, one := c.m[lang][key+"#one"]
	_, other := c.m[lang][key+"#other"]
	return one && other
}

// Missing lists "lang:key" for every key some language has and another
// lacks, and for the missing half of a plural pair (key#one, key#other).
func (c *Catalog) Missing() []string {
	all := map[string]bool{}
	for _, kv := range c.m {
		for k := range kv {
			all[k] = true
			if base, ok := strings.CutSuffix(k, "#one"); ok {
				all[base+"#other"] = true
			} else if base, ok := strings.CutSuffix(k, "#other"); ok {
				all[base+"#one"] = true
			}
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

// coreMessages are the engine's and router's own words, and the units
// of durations as counts: T(lang, "unit.day", n) is "1 day", "30 jours".
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
		"unit.second#one":    "%d second",
		"unit.second#other":  "%d seconds",
		"unit.minute#one":    "%d minute",
		"unit.minute#other":  "%d minutes",
		"unit.hour#one":      "%d hour",
		"unit.hour#other":    "%d hours",
		"unit.day#one":       "%d day",
		"unit.day#other":     "%d days",
		"unit.week#one":      "%d week",
		"unit.week#other":    "%d weeks",
	},
	French: {
		"err.internal":       "Un problème est survenu de notre côté (référence %s). Rien n'a été modifié.",
		"err.forbidden":      "Seule l'équipe peut faire cela. Demandez à un administrateur de vous ajouter avec /cm setup staff add.",
		"err.unknown_cmd":    "Commande inconnue %q. Essayez /cm help.",
		"err.usage":          "Utilisation : %s",
		"err.missing_option": "Il manque %s.",
		"err.extra_args":     "Mots en trop : %s.",
		"err.bad_channel":    "%q n'est pas un canal : choisissez-en un avec #canal.",
		"err.bad_user":       "%q n'est pas un utilisateur : choisissez-en un avec @nom.",
		"err.bad_role":       "%q n'est pas un rôle : choisissez-en un avec @rôle.",
		"err.bad_duration":   "%q n'est pas une durée : indiquez par exemple 10min, 2h ou 1j.",
		"err.bad_number":     "%q n'est pas un nombre.",
		"err.bad_choice":     "%q n'est pas une valeur possible. Choix : %s.",
		"err.unknown_action": "Ce bouton n'est plus pris en charge. Rien n'a été modifié.",
		"err.timeout":        "Cela a pris trop de temps et a été interrompu. Rien n'a été enregistré ; réessayez.",
		"err.platform_off":   "%s n'est pas connecté à ce bot.",
		"unit.second#one":    "%d seconde",
		"unit.second#other":  "%d secondes",
		"unit.minute#one":    "%d minute",
		"unit.minute#other":  "%d minutes",
		"unit.hour#one":      "%d heure",
		"unit.hour#other":    "%d heures",
		"unit.day#one":       "%d jour",
		"unit.day#other":     "%d jours",
		"unit.week#one":      "%d semaine",
		"unit.week#other":    "%d semaines",
	},
	Dutch: {
		"err.internal":       "Er ging iets mis aan onze kant (referentie %s). Er is niets gewijzigd.",
		"err.forbidden":      "Alleen het team mag dat. Vraag een beheerder om je toe te voegen met /cm setup staff add.",
		"err.unknown_cmd":    "Onbekende opdracht %q. Probeer /cm help.",
		"err.usage":          "Gebruik: %s",
		"err.missing_option": "%s ontbreekt.",
		"err.extra_args":     "Onverwachte extra woorden: %s.",
		"err.bad_channel":    "%q is geen kanaal: kies er een met #kanaal.",
		"err.bad_user":       "%q is geen gebruiker: kies er een met @naam.",
		"err.bad_role":       "%q is geen rol: kies er een met @rol.",
		"err.bad_duration":   "%q is geen duur: gebruik bijvoorbeeld 10m, 2u of 1d.",
		"err.bad_number":     "%q is geen getal.",
		"err.bad_choice":     "%q is geen geldige keuze; kies uit: %s.",
		"err.unknown_action": "Deze knop werkt niet meer. Er is niets gewijzigd.",
		"err.timeout":        "Dat duurde te lang en is gestopt. Er is niets vastgelegd; probeer het opnieuw.",
		"err.platform_off":   "%s is niet met deze bot verbonden.",
		"unit.second#one":    "%d seconde",
		"unit.second#other":  "%d seconden",
		"unit.minute#one":    "%d minuut",
		"unit.minute#other":  "%d minuten",
		"unit.hour#one":      "%d uur",
		"unit.hour#other":    "%d uur",
		"unit.day#one":       "%d dag",
		"unit.day#other":     "%d dagen",
		"unit.week#one":      "%d week",
		"unit.week#other":    "%d weken",
	},
}
