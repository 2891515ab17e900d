package bot

import "context"

// Kind is what a community message is, for the team.
type Kind string

// Kinds of message.
const (
	KindComplaint Kind = "complaint"
	KindQuestion  Kind = "question"
	KindPraise    Kind = "praise"
	KindMention   Kind = "mention"
	KindSpam      Kind = "spam"
	KindOther     Kind = "other"
)

// Kinds lists every Kind.
func Kinds() []Kind {
	return []Kind{KindComplaint, KindQuestion, KindPraise, KindMention, KindSpam, KindOther}
}

// Urgency orders how soon a person should look.
type Urgency string

// Urgencies, lowest first.
const (
	UrgencyLow      Urgency = "low"
	UrgencyNormal   Urgency = "normal"
	UrgencyHigh     Urgency = "high"
	UrgencyCritical Urgency = "critical"
)

// Rank is 0 for low up to 3 for critical.
func (u Urgency) Rank() int {
	switch u {
	case UrgencyLow:
		return 0
	case UrgencyHigh:
		return 2
	case UrgencyCritical:
		return 3
	}
	return 1
}

// Mentions says who a message names.
type Mentions struct {
	Bot         bool     `json:"bot"`
	Brand       []string `json:"brand,omitempty"`
	Competitors []string `json:"competitors,omitempty"`
}

// Triage is the classification of one message. It explains itself: Cues
// are the signals that fired, shown on the card as "why".
type Triage struct {
	// Lang is "en", "fr", "nl" or "other".
	Lang      string   `json:"lang"`
	Kind      Kind     `json:"kind"`
	Sentiment float64  `json:"sentiment"` // -1 .. 1
	Urgency   Urgency  `json:"urgency"`
	Mentions  Mentions `json:"mentions"`
	Cues      []string `json:"cues,omitempty"`
	// Source is "offline" or "llm"; Fallback says why an LLM result was not used.
	Source   string `json:"source"`
	Fallback string `json:"fallback,omitempty"`
}

// TriageInput is what a Classifier needs to know about a message.
type TriageInput struct {
	Text         string
	BotMentioned bool
	Brand        []string
	Competitors  []string
	// FollowUps counts earlier messages of the same conversation.
	FollowUps int
}

// Classifier classifies one message. Implementations never fail on odd text;
// an error means the classifier itself could not run.
type Classifier interface {
	Classify(ctx context.Context, in TriageInput) (Triage, error)
}

// FAQEntry is one question and answer the team maintains.
type FAQEntry struct {
	ID       uint64 `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// DraftRequest asks for a reply to one community message.
type DraftRequest struct {
	Text   string
	Author string
	Triage Triage
	// Voice describes the team's tone ("friendly, tutoiement, no emoji").
	Voice string
	// FAQ holds the few entries most relevant to Text.
	FAQ []FAQEntry
	// Instruction refines a regeneration ("shorter", "more formal").
	Instruction string
	// Previous is the draft being regenerated.
	Previous string
	// Address is how the reply addresses the member (vous or tu, u or je).
	Address Address
}

// Address is how drafted replies address a member, in the languages that
// distinguish: formal (French "vous", Dutch "u") or informal ("tu", "je").
// Stored in Settings: frozen once released.
type Address string

// Forms of address. AddressDefault is each language's usual register for
// a brand's community: "vous" in French, "je" in Dutch.
const (
	AddressDefault  Address = ""
	AddressFormal   Address = "formal"
	AddressInformal Address = "informal"
)

// Formal reports whether a reply in lang addresses the member formally:
// French unless informal is asked for, Dutch only when formal is, English
// never (it does not distinguish).
func (a Address) Formal(lang Lang) bool {
	switch lang {
	case French:
		return a != AddressInformal
	case Dutch:
		return a == AddressFormal
	}
	return false
}

// Draft is a drafted reply.
type Draft struct {
	Text string `json:"text"`
	// Source is "llm" or "offline"; Note says why an LLM draft was not used.
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

// Drafter drafts replies.
type Drafter interface {
	Draft(ctx context.Context, req DraftRequest) (Draft, error)
}
