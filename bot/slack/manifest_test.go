package slack

import (
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v2"
)

// TestManifestMatchesCode holds slack-app-manifest.yaml to what the adapter
// uses: every scope the called methods and subscribed events need, and no
// other; Socket Mode, interactivity and /cm with escaping on (the router
// reads <#C…> and <@U…> references).
func TestManifestMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			BotUser struct {
				DisplayName string `yaml:"display_name"`
			} `yaml:"bot_user"`
			SlashCommands []struct {
				Command      string `yaml:"command"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}

	need := map[string]bool{}
	var events []string
	for _, scopes := range methodScopes() {
		for _, s := range scopes {
			need[s] = true
		}
	}
	for ev, scopes := range eventScopes() {
		for _, s := range scopes {
			need[s] = true
		}
		if ev != "/cm" {
			events = append(events, ev)
		}
	}
	var want []string
	for s := range need {
		want = append(want, s)
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, want) {
		t.Errorf("manifest bot scopes\n%v\nthe code needs\n%v", got, want)
	}
	slices.Sort(events)
	if gotEv := slices.Sorted(slices.Values(m.Settings.Events.BotEvents)); !slices.Equal(gotEv, events) {
		t.Errorf("manifest bot events %v, the adapter handles %v", gotEv, events)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled {
		t.Errorf("socket mode %v, interactivity %v: both must be on", m.Settings.SocketMode, m.Settings.Interactivity.Enabled)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/cm" || !m.Features.SlashCommands[0].ShouldEscape {
		t.Errorf("slash commands = %+v, want /cm with should_escape", m.Features.SlashCommands)
	}
	if m.Features.BotUser.DisplayName == "" {
		t.Error("no bot user")
	}
}
