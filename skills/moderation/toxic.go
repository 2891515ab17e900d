package moderation

import (
	"embed"
	"strings"
	"sync"
)

// The profanity lexicons (LDNOOBW, CC BY 4.0; see data/ldnoobw).
//
//go:embed data/ldnoobw/en data/ldnoobw/fr data/ldnoobw/nl
var lexiconFS embed.FS

// Cue words, written for this skill (English, French, Dutch), normalised
// like messages. insults are words aimed at a person; groups are targets
// of hate; threats and dehumanising words make a statement hostile on
// their own when aimed at someone; hostile are verbs and adjectives of
// contempt; denounce marks speech about an insult rather than one.
var (
	cueSecond = wordSet("you your youre ur u yourself ya thou " +
		"tu toi te ton ta tes vous votre vos t " +
		"jij je jou jouw jullie u")
	cueInsult = wordSet("idiot idiots moron morons stupid dumb dumbass loser losers worthless pathetic retard retarded imbecile " +
		"scum trash garbage filth freak freaks creep ugly useless subhuman bitch bitches whore whores slut sluts cunt cunts " +
		"asshole assholes bastard bastards prick dick twat wanker fag faggot faggots dyke tranny " +
		"con conne cons connard connards connasse connasses salope salopes pute putes debile debiles cretin cretins abruti abrutis " +
		"imbecile imbeciles encule encules ordure ordures batard batards pd pede pedes gouine enfoire enfoires minable minables " +
		"klootzak klootzakken eikel eikels lul kut kutwijf hoer hoeren sukkel sukkels idioot idioten debiel debielen mongool " +
		"mongolen kankerlijer tyfuslijer teringlijer flikker flikkers homo's achterlijk achterlijke waardeloos waardeloze")
	cueGroup = wordSet("women woman girls men gays gay lesbians lesbian trans transgender muslims muslim jews jew jewish blacks black " +
		"immigrants immigrant refugees refugee disabled asians arabs mexicans gypsies foreigners queers homosexuals people " +
		"femmes femme filles homosexuels homos lesbiennes musulmans musulman juifs juif noirs noir immigres immigre refugies " +
		"handicapes arabes etrangers gens vrouwen vrouw meisjes homos homo lesbiennes moslims moslim joden jood zwarten " +
		"immigranten vluchtelingen gehandicapten buitenlanders mensen")
	cueThreat = wordSet("kill killed killing die dead murder shoot shot hang hanged burn rape raped beat stab exterminate exterminated " +
		"eliminate gas slaughter lynch hurt destroy " +
		"tuer tue tues tuez crever creve mourir meurs buter bute frapper egorger bruler violer pendre exterminer eliminer " +
		"dood doden vermoorden vermoord afmaken slaan steken ophangen verbranden verkrachten uitroeien vergassen")
	cueDehuman = wordSet("vermin rats rat animals animal parasites parasite cockroaches cockroach disease plague pigs pig apes ape " +
		"savages savage subhuman filth scum " +
		"vermine rats animaux parasites cafards maladie porcs porc singes sauvages " +
		"ongedierte ratten beesten parasieten kakkerlakken ziekte varkens apen wilden")
	cueHostile = wordSet("hate hates hatred despise despises detest detests loathe loathes disgusting disgust disgusted disdain contempt " +
		"repulsive revolting vile despicable inferior deserve deserves shouldnt belong sick worthless pathetic useless " +
		"filthy dirty evil dangerous criminals burden plague scum stupid dumb lazy " +
		"haine mepris degout degoutes ecoeurent repugnants repugnantes supporte vomir sales ignobles nuls stupides criminels " +
		"dangereux fleau " +
		"verafschuw verafschuwen walg walgen minachting afschuw hekel uitstaan smerig smerige vies vieze dom domme " +
		"gevaarlijk gevaarlijke criminelen tuig plaag " +
		"deteste detestes hais hait degoutant degoutants degoutantes inferieurs inferieures meritent doivent " +
		"haat haten walgelijk walgelijke minderwaardig minderwaardige verdienen moeten")
	// intensifiers are profanity that swears rather than insults ("this is
	// fucking great", "putain c'est beau").
	intensifiers = wordSet("fuck fucking fucked fuckin shit shitty damn hell crap bloody bullshit " +
		"putain merde bordel chier chiant " +
		"kut godverdomme verdomme shit tering kanker")
	cueDenounce = wordSet("call calling called say saying said word words quote quoting term slur slurs not never wrong stop " +
		"dire dit appeler traiter insulte mot mots pas jamais arreter arretez faux " +
		"zeggen zegt noemen woord woorden niet nooit stop fout")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[normalizeWord(w)] = true
	}
	return m
}

var (
	profanityOnce sync.Once
	profanity     *wordIndex
)

// profanityIndex is the lexicons as one word index, built on first use.
func profanityIndex() *wordIndex {
	profanityOnce.Do(func() {
		lists := map[int][]string{}
		for i, lang := range []string{"en", "fr", "nl"} {
			raw, err := lexiconFS.ReadFile("data/ldnoobw/" + lang)
			if err != nil {
				panic("moderation: embedded lexicon " + lang + ": " + err.Error())
			}
			for _, w := range strings.Split(string(raw), "\n") {
				if w = strings.TrimSpace(w); w != "" {
					lists[i] = append(lists[i], w)
				}
			}
		}
		idx, err := newWordIndex(lists)
		if err != nil {
			panic("moderation: lexicon index: " + err.Error())
		}
		profanity = idx
	})
	return profanity
}

// ToxicVerdict is what the offline toxicity check found.
type ToxicVerdict struct {
	// Toxic is targeted abuse; Borderline is abuse with a sign of quoting
	// or denouncing, which an LLM may decide.
	Toxic, Borderline bool
	// Profane is any lexicon or insult word, targeted or not (the plain
	// word-list baseline).
	Profane bool
	Why     string
}

// scoreToxic tells targeted abuse from harmless profanity: an insult,
// a dehumanising word, contempt or a threat counts when it is aimed at
// someone (second person, a mention, a group); a quote or a word about
// speech ("don't call them …") makes it borderline.
func scoreToxic(n *Normalized) ToxicVerdict {
	var v ToxicVerdict
	slur := false // a lexicon word that insults rather than swears
	profanityIndex().find(n, func(h wordHit) {
		v.Profane = true
		slur = slur || !intensifiers[normalizeWord(h.word)]
	})
	words := strings.FieldsFunc(n.Text, func(r rune) bool { return !isWordRune(r) && r != '\'' })
	var second, insult, group, threat, dehuman, hostile, denounce bool
	for _, w := range words {
		w = strings.Trim(w, "'")
		second = second || cueSecond[w]
		insult = insult || cueInsult[w]
		group = group || cueGroup[w]
		threat = threat || cueThreat[w]
		dehuman = dehuman || cueDehuman[w]
		hostile = hostile || cueHostile[w]
		denounce = denounce || cueDenounce[w]
	}
	v.Profane = v.Profane || insult
	// "sale con", "vuile klootzak", "stupid idiot": an insult on its own,
	// or after a word of address, is aimed at whoever reads it.
	if insult && len(words) <= 4 {
		second = true
	}
	mention := strings.Contains(n.Original, "<@")
	target := second || group || mention
	quoted := strings.ContainsAny(n.Original, "\"“”«»")
	switch {
	case (insult || slur) && (second || mention):
		v.Toxic, v.Why = true, "an insult aimed at someone"
	case threat && target:
		v.Toxic, v.Why = true, "a threat"
	case dehuman && group:
		v.Toxic, v.Why = true, "dehumanising a group"
	case hostile && group:
		v.Toxic, v.Why = true, "contempt for a group"
	case (insult || slur) && group:
		v.Toxic, v.Why = true, "an insult aimed at a group"
	}
	if v.Toxic && (quoted || denounce) {
		v.Toxic, v.Borderline = false, true
		v.Why += ", quoted or denounced"
	}
	return v
}

// parseToxic reads "toxic" or "toxic:act". Offline, a plain toxic rule only
// alerts (its other actions run in dry-run); toxic:act lets it act.
func parseToxic(arg string) (trigger, error) {
	if arg != "" && arg != "act" {
		return nil, refuse("mod.err.toxic_arg", arg)
	}
	return toxicTrigger{act: arg == "act"}, nil
}

// toxicTrigger matches targeted abuse (see scoreToxic).
type toxicTrigger struct{ act bool }

func (toxicTrigger) match(in *Input, _ []string) (string, bool) {
	v := scoreToxic(&in.Norm)
	switch {
	case v.Toxic:
		return "toxic: " + v.Why, true
	case v.Borderline && in.Judged != nil && in.Judged.Toxic:
		return "toxic (LLM): " + in.Judged.Why, true
	}
	return "", false
}
