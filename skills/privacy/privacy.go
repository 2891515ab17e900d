// Package privacy is the skill behind /cm privacy forget: on a member's
// request, staff erase what the bot stores of that member's words (their
// stored messages, the texts of their inbox items, the message excerpts of
// their moderation cases), keeping an audit entry without the content.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/commpilot/commpilot/bot"
)

// Config is what the skill needs; every field but Logger is required.
type Config struct {
	// Messages deletes the member's stored messages (the message log).
	Messages bot.Forgetter
	// Items blanks the member's texts in inbox items.
	Items bot.Forgetter
	// Cases removes the message excerpts of the member's moderation cases.
	Cases bot.Forgetter
	// Settings give the team's language; Audit records each request;
	// Catalog words the answer.
	Settings bot.SettingsStore
	Audit    bot.Auditor
	Catalog  *bot.Catalog
	// Logger receives the skill's logs (default slog.Default()).
	Logger *slog.Logger
}

// Skill is the privacy skill: a bot.Skill with its words.
type Skill struct {
	cfg Config
	log *slog.Logger
}

var (
	_ bot.Skill     = (*Skill)(nil)
	_ bot.Localized = (*Skill)(nil)
)

// New returns the privacy skill of cfg.
func New(cfg Config) *Skill {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Skill{cfg: cfg, log: logger.With("component", "privacy")}
}

// Name is "privacy".
func (s *Skill) Name() string { return "privacy" }

// Register adds /cm privacy forget, for staff only.
func (s *Skill) Register(r *bot.Router) {
	r.Group(bot.StaffOnly).Command(bot.Command{Route: "privacy forget",
		Description: "Erase a member's stored messages, inbox texts and case excerpts",
		Options:     []bot.Option{{Name: "member", Type: bot.OptUser, Required: true, Description: "The member to forget"}},
		Handler:     bot.HandlerFunc(s.forget)})
}

// forget erases the member's words from every store, then writes the audit
// entry (who asked, which member, the counts; never the content) and
// answers with the counts. When a store fails, what was erased is audited
// as incomplete and the command fails; running it again finishes the job.
func (s *Skill) forget(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	member, ok := bot.ParseUserKey(e.Option("member"))
	if !ok {
		return nil, bot.Invalid("err.bad_user", e.Option("member"))
	}
	var counts [3]int
	var errs []error
	for i, f := range []bot.Forgetter{s.cfg.Messages, s.cfg.Items, s.cfg.Cases} {
		n, err := f.Forget(ctx, member)
		counts[i] = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	detail := fmt.Sprintf("messages deleted %d, inbox items blanked %d, case excerpts removed %d", counts[0], counts[1], counts[2])
	if len(errs) > 0 {
		detail += " (incomplete: run it again)"
	}
	entry := bot.AuditEntry{Actor: e.User, Action: "privacy.forget", Target: member.Key(), Detail: detail}
	if err := s.cfg.Audit.Audit(context.WithoutCancel(ctx), entry); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("privacy forget %s: %w", member.Key(), err)
	}
	s.log.Info("member forgotten", "member", member.Key(), "by", e.User.Key(),
		"messages", counts[0], "items", counts[1], "cases", counts[2])
	st, err := s.cfg.Settings.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("privacy forget: %w", err)
	}
	return bot.Text(s.cfg.Catalog.T(st.Lang(), "privacy.ok.forgotten", member.Mention(), counts[0], counts[1], counts[2])), nil
}

// Messages are the skill's words in every language.
func (s *Skill) Messages() bot.Messages { return Messages() }

// Messages returns this skill's words in every language.
func Messages() bot.Messages {
	return bot.Messages{
		bot.English: {
			"privacy.ok.forgotten": "%s is forgotten. Stored messages deleted: %d. Inbox items cleared of their text: %d. " +
				"Moderation case excerpts removed: %d. The audit log keeps who asked and these counts, not the content.",
			"help.privacy.forget": "Erase a member's stored messages, inbox texts and case excerpts (on request).",
		},
		bot.French: {
			"privacy.ok.forgotten": "Les données de %s sont effacées. Messages conservés supprimés : %d. Éléments de l'inbox vidés de leur texte : %d. " +
				"Extraits retirés des dossiers de modération : %d. Le journal d'audit garde l'auteur de la demande et ces chiffres, pas le contenu.",
			"help.privacy.forget": "Effacer, à sa demande, les messages conservés d'un membre, ses textes dans l'inbox et les extraits de ses dossiers de modération.",
		},
		bot.Dutch: {
			"privacy.ok.forgotten": "De gegevens van %s zijn gewist. Opgeslagen berichten verwijderd: %d. Inbox-items waarvan de tekst is gewist: %d. " +
				"Fragmenten uit moderatiedossiers verwijderd: %d. Het auditlog bewaart wie het vroeg en deze aantallen, niet de inhoud.",
			"help.privacy.forget": "Wis op verzoek de opgeslagen berichten van een lid, met de teksten in de inbox en de fragmenten in de moderatiedossiers.",
		},
	}
}
