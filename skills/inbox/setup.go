package inbox

import (
	"context"
	"strings"
	"time"

	"github.com/commpilot/commpilot/bot"
)

// maxVoice bounds the voice description passed to the drafter.
const maxVoice = 500

// maxSendDelay bounds the Undo window of approved replies.
const maxSendDelay = 10 * time.Minute

// registerSetup adds the inbox's /cm setup verbs (voice, address,
// send-delay) and their lines of /cm setup show.
func (s *Skill) registerSetup(r *bot.Router, staff *bot.Group) {
	staff.Command(bot.Command{Route: "setup voice", Description: "Describe the team's voice for drafted replies (- to clear)",
		Options: []bot.Option{{Name: "voice", Type: bot.OptText, Required: true, Description: "e.g. friendly, informal, no emoji"}},
		Handler: bot.HandlerFunc(s.setVoice)})
	staff.Command(bot.Command{Route: "setup send-delay", Description: "Delay approved replies to allow Undo (off, or e.g. 30s)",
		Options: []bot.Option{{Name: "delay", Type: bot.OptWord, Required: true, Description: "off, or a duration up to 10m"}},
		Handler: bot.HandlerFunc(s.setSendDelay)})
	staff.Command(bot.Command{Route: "setup address", Description: "How drafted replies address members: formal (vous, u), informal (tu, je) or default",
		Options: []bot.Option{{Name: "address", Type: bot.OptWord, Required: true, Description: "formal, informal or default"}},
		Handler: bot.HandlerFunc(s.setAddress)})
	r.SettingLine(bot.SettingLine{Order: 105, Render: func(_ context.Context, st bot.Settings, l bot.Lang) (string, error) {
		return s.Catalog.T(l, "inbox.setup.show.address", bot.Key(addressKey(st.Address))), nil
	}})
	r.SettingLine(bot.SettingLine{Order: 100, Render: func(_ context.Context, st bot.Settings, l bot.Lang) (string, error) {
		if st.Voice == "" {
			return s.Catalog.T(l, "inbox.setup.show.no_voice"), nil
		}
		return s.Catalog.T(l, "inbox.setup.show.voice", st.Voice), nil
	}})
	r.SettingLine(bot.SettingLine{Order: 110, Render: func(_ context.Context, st bot.Settings, l bot.Lang) (string, error) {
		return s.Catalog.T(l, "inbox.setup.show.send_delay", delayText(time.Duration(st.SendDelay), l)), nil
	}})
}

func (s *Skill) editor() bot.SettingsEditor {
	return bot.SettingsEditor{Store: s.Settings, Audit: s.Audit, Catalog: s.Catalog, Logger: s.log, Now: s.Now}
}

func (s *Skill) setVoice(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	v := strings.TrimSpace(e.Option("voice"))
	if v == "-" {
		v = ""
	}
	if len([]rune(v)) > maxVoice {
		return nil, bot.Invalid("inbox.setup.err.voice_len", maxVoice)
	}
	return s.editor().Change(ctx, e, "setup.voice", v, func(st *bot.Settings) error {
		st.Voice = v
		return nil
	}, "inbox.setup.ok.voice")
}

func (s *Skill) setSendDelay(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	raw := e.Option("delay")
	var d time.Duration
	if !strings.EqualFold(raw, "off") && raw != "0" {
		var err error
		d, err = bot.ParseDuration(raw)
		if err != nil || d < time.Second || d > maxSendDelay {
			return nil, bot.Invalid("inbox.setup.err.send_delay", raw)
		}
	}
	st, err := s.Settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.editor().Change(ctx, e, "setup.send-delay", d.String(), func(st *bot.Settings) error {
		st.SendDelay = bot.Duration(d)
		return nil
	}, "inbox.setup.ok.send_delay", delayText(d, st.Lang()))
}

// delayText renders a send delay for people in l: "off" (the word that
// turns it off), or "30 seconds".
func delayText(d time.Duration, l bot.Lang) string {
	if d <= 0 {
		return "off"
	}
	return bot.FormatDuration(d, l)
}

// addresses are the words /cm setup address accepts, in the three languages.
var addresses = map[string]bot.Address{
	"default": bot.AddressDefault, "défaut": bot.AddressDefault, "defaut": bot.AddressDefault, "standaard": bot.AddressDefault,
	"formal": bot.AddressFormal, "formel": bot.AddressFormal, "formeel": bot.AddressFormal, "vous": bot.AddressFormal, "u": bot.AddressFormal,
	"informal": bot.AddressInformal, "informel": bot.AddressInformal, "informeel": bot.AddressInformal, "tu": bot.AddressInformal, "je": bot.AddressInformal,
}

func (s *Skill) setAddress(ctx context.Context, e bot.Event) (*bot.Reply, error) {
	raw := e.Option("address")
	a, ok := addresses[strings.ToLower(strings.TrimSpace(raw))]
	if !ok {
		return nil, bot.Invalid("inbox.setup.err.address", raw)
	}
	return s.editor().Change(ctx, e, "setup.address", string(a), func(st *bot.Settings) error {
		st.Address = a
		return nil
	}, "inbox.setup.ok.address", bot.Key(addressKey(a)))
}

// addressKey is the catalogue key that names a.
func addressKey(a bot.Address) string {
	switch a {
	case bot.AddressFormal:
		return "inbox.address.formal"
	case bot.AddressInformal:
		return "inbox.address.informal"
	}
	return "inbox.address.default"
}
