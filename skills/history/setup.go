package history

import (
	"context"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// registerSetup adds /cm setup retention and its line of /cm setup show.
func (s *Skill) registerSetup(r *bot.Router) {
	r.Group(bot.StaffOnly).Command(bot.Command{Route: "setup retention", Description: "How long community messages are kept (1d to 365d)",
		Options: []bot.Option{{Name: "period", Type: bot.OptDuration, Required: true, Description: "e.g. 30d"}},
		Handler: bot.HandlerFunc(s.setRetention)})
	r.SettingLine(bot.SettingLine{Order: 200, Render: func(_ context.Context, st bot.Settings, l bot.Lang) (string, error) {
		return s.edit.Catalog.T(l, "history.setup.show.retention", bot.FormatDuration(st.RetentionOrDefault(), l)), nil
	}})
}

func (s *Skill) setRetention(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	d, err := bot.ParseDuration(e.Option("period"))
	if err != nil || d < 24*time.Hour || d > 365*24*time.Hour {
		return nil, bot.Invalid("history.setup.err.retention", e.Option("period"))
	}
	st, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.edit.Change(ctx, e, "setup.retention", d.String(), func(st *bot.Settings) error {
		st.Retention = bot.Duration(d)
		return nil
	}, "history.setup.ok.retention", bot.FormatDuration(d, st.Lang()))
}

// Messages are the skill's words in every language.
func (s *Skill) Messages() bot.Messages { return Messages() }

// Messages returns this skill's words in every language.
func Messages() bot.Messages {
	return bot.Messages{
		bot.English: {
			"history.setup.ok.retention":   "Community messages will be kept %s.",
			"history.setup.err.retention":  "Retention %q: use a period from 1d to 365d, such as 30d.",
			"history.setup.show.retention": "Message retention: %s",
			"help.setup.retention":         "How long community messages are kept (1d to 365d).",
		},
		bot.French: {
			"history.setup.ok.retention":   "Les messages de la communauté seront conservés %s.",
			"history.setup.err.retention":  "Conservation %q : indiquez une durée de 1j à 365j, par exemple 30j.",
			"history.setup.show.retention": "Conservation des messages : %s",
			"help.setup.retention":         "Durée de conservation des messages (1j à 365j).",
		},
		bot.Dutch: {
			"history.setup.ok.retention":   "Communityberichten worden %s bewaard.",
			"history.setup.err.retention":  "Bewaartermijn %q: gebruik een periode van 1d tot 365d, zoals 30d.",
			"history.setup.show.retention": "Bewaartermijn berichten: %s",
			"help.setup.retention":         "Hoe lang communityberichten bewaard worden (1d tot 365d).",
		},
	}
}
