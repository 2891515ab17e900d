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
		return s.edit.Catalog.T(l, "history.setup.show.retention", int(st.RetentionOrDefault().Hours()/24)), nil
	}})
}

func (s *Skill) setRetention(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	d, err := time.ParseDuration(e.Option("period"))
	if err != nil || d < 24*time.Hour || d > 365*24*time.Hour {
		return nil, bot.Invalid("history.setup.err.retention", e.Option("period"))
	}
	return s.edit.Change(ctx, e, "setup.retention", d.String(), func(st *bot.Settings) error {
		st.Retention = bot.Duration(d)
		return nil
	}, "history.setup.ok.retention", int(d.Hours()/24))
}

// Messages are the skill's words in every language.
func (s *Skill) Messages() bot.Messages { return Messages() }

// Messages returns this skill's words in every language.
func Messages() bot.Messages {
	return bot.Messages{
		bot.English: {
			"history.setup.ok.retention#one":     "Community messages will be kept %d day.",
			"history.setup.ok.retention#other":   "Community messages will be kept %d days.",
			"history.setup.err.retention":        "Retention %q: use a period from 1d to 365d, such as 30d.",
			"history.setup.show.retention#one":   "Message retention: %d day",
			"history.setup.show.retention#other": "Message retention: %d days",
			"help.setup.retention":               "How long community messages are kept (1d to 365d).",
		},
		bot.French: {
			"history.setup.ok.retention#one":     "Les messages de la communauté seront conservés %d jour.",
			"history.setup.ok.retention#other":   "Les messages de la communauté seront conservés %d jours.",
			"history.setup.err.retention":        "Conservation %q : indiquez une durée de 1d à 365d, par exemple 30d.",
			"history.setup.show.retention#one":   "Conservation des messages : %d jour",
			"history.setup.show.retention#other": "Conservation des messages : %d jours",
			"help.setup.retention":               "Durée de conservation des messages (1d à 365d).",
		},
		bot.Dutch: {
			"history.setup.ok.retention#one":     "Communityberichten worden %d dag bewaard.",
			"history.setup.ok.retention#other":   "Communityberichten worden %d dagen bewaard.",
			"history.setup.err.retention":        "Bewaartermijn %q: gebruik een periode van 1d tot 365d, zoals 30d.",
			"history.setup.show.retention#one":   "Bewaartermijn berichten: %d dag",
			"history.setup.show.retention#other": "Bewaartermijn berichten: %d dagen",
			"help.setup.retention":               "Hoe lang communityberichten bewaard worden (1d tot 365d).",
		},
	}
}
