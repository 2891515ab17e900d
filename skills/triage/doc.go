// Package triage is commpilot's offline triage engine: it tells, for one
// community message and with no network, its language, sentiment, kind,
// urgency and whom it mentions, and why.
//
// # Model
//
// Everything is rules over embedded data, parsed once (see Classifier.Load):
//
//   - Language (en, fr, nl, else "other"): function words of seven languages
//     and byte-trigram profiles of English, French and Dutch built from the
//     embedded lexicons. Ties on short messages go to English; text with no
//     letters, mostly non-Latin letters, or mostly German, Spanish, Italian
//     or Portuguese function words is "other".
//   - Sentiment in [-1, 1], VADER's method applied to each language's
//     lexicons (VADER and AFINN for English, AFINN-fr and Pattern-fr for
//     French, Pattern-nl and AFINN-nl for Dutch): negation ("not bad", "pas
//     mal", "niet slecht"), boosters and dampeners, "but"-clauses, emoji and
//     emoticons, ALL CAPS emphasis and exclamation marks.
//   - Kind: weighted cue phrases (data/cues.txt) for complaints (a breach of
//     expectations: waiting, not received, broken, charged twice, no answer),
//     questions (question marks, openers, implicit "anyone know"), praise and
//     spam, plus structure (links, invites, long numbers). Negative sentiment
//     alone is not a complaint unless it is about the product or service.
//   - Urgency: legal, press and safety cues are critical; churn, payment and
//     data problems are high; repeated follow-ups and shouting raise it.
//   - Mentions: brand and competitor keywords as whole words, case- and
//     accent-insensitive ("Acme" matches "#acme" and "@ACME", not "acmeist").
//
// Every result lists in Cues the signals that fired.
//
// # Scoring
//
// Predicted, NormalizeLabel and Confusion score a classifier against gold
// labels (precision, recall, F1, a confusion matrix); "commpilot classify"
// (cmd/commpilot/classify.go) is the command line over them.
package triage
