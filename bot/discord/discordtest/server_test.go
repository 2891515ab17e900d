package discordtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commpilot/commpilot/bot/discord/discordtest"
)

// post sends an authorised JSON request to the fake and returns the status
// and Discord's error code.
func post(t *testing.T, srv *discordtest.Server, method, path string, body any) (int, int) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, srv.URL()+"/api/v10"+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bot "+discordtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Code int `json:"code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Code
}

// The fake refuses what Discord refuses, so adapter tests that pass against
// it do not pass by accident.
func TestFakeRefusesWhatDiscordRefuses(t *testing.T) {
	srv := discordtest.New(t)
	msgs := "/channels/" + discordtest.ChannelID + "/messages"
	tests := []struct {
		name         string
		method, path string
		body         any
		status, code int
	}{
		{"content over 2,000", "POST", msgs, map[string]any{"content": strings.Repeat("a", 2001)}, 400, 50035},
		{"empty message", "POST", msgs, map[string]any{"content": ""}, 400, 50006},
		{"six buttons in a row", "POST", msgs, map[string]any{"content": "x", "components": []any{map[string]any{"type": 1, "components": []any{
			btn("a"), btn("b"), btn("c"), btn("d"), btn("e"), btn("f")}}}}, 400, 50035},
		{"custom id over 100 bytes", "POST", msgs, map[string]any{"content": "x", "components": []any{map[string]any{"type": 1, "components": []any{btn(strings.Repeat("i", 101))}}}}, 400, 50035},
		{"unknown channel", "POST", "/channels/819999999999999999/messages", map[string]any{"content": "x"}, 404, 10003},
		{"bulk delete of one", "POST", msgs + "/bulk-delete", map[string]any{"messages": []string{"1310000000000000001"}}, 400, 50016},
		{"bulk delete of an old message", "POST", msgs + "/bulk-delete", map[string]any{"messages": []string{srv.Snowflake(time.Now()), srv.Snowflake(time.Now().Add(-15 * 24 * time.Hour))}}, 400, 50034},
		{"timeout over 28 days", "PATCH", "/guilds/" + discordtest.GuildID + "/members/" + discordtest.Bob.ID,
			map[string]any{"communication_disabled_until": time.Now().Add(29 * 24 * time.Hour).Format(time.RFC3339)}, 400, 50035},
		{"required option after optional", "PUT", "/applications/" + discordtest.BotID + "/commands", []any{map[string]any{"name": "cm", "description": "d", "options": []any{
			map[string]any{"type": 1, "name": "x", "description": "d", "options": []any{
				map[string]any{"type": 3, "name": "a", "description": "d"},
				map[string]any{"type": 3, "name": "b", "description": "d", "required": true}}}}}}, 400, 50035},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := post(t, srv, tt.method, tt.path, tt.body)
			if status != tt.status || code != tt.code {
				t.Errorf("got %d/%d, want %d/%d", status, code, tt.status, tt.code)
			}
		})
	}
	req, _ := http.NewRequest("POST", srv.URL()+"/api/v10"+msgs, strings.NewReader(`{"content":"x"}`))
	req.Header.Set("Authorization", "Bot wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token: %d, want 401", resp.StatusCode)
	}
}

func btn(id string) map[string]any {
	return map[string]any{"type": 2, "style": 1, "label": "b", "custom_id": id}
}

func TestInteractionIsAnsweredOnce(t *testing.T) {
	srv := discordtest.New(t)
	if status, _ := post(t, srv, "PUT", "/applications/"+discordtest.BotID+"/commands", []any{map[string]any{"name": "cm", "description": "d",
		"options": []any{map[string]any{"type": 1, "name": "help", "description": "d"}}}}); status != 200 {
		t.Fatalf("register: %d", status)
	}
	ix, err := srv.SendCommand(discordtest.Bob, discordtest.ChannelID, "help")
	if err != nil {
		t.Fatal(err)
	}
	cb := "/interactions/" + ix.ID + "/" + ix.Token + "/callback"
	if status, _ := post(t, srv, "POST", cb, map[string]any{"type": 4, "data": map[string]any{"content": "hi", "flags": 64}}); status != 204 {
		t.Fatalf("first answer: %d", status)
	}
	if status, code := post(t, srv, "POST", cb, map[string]any{"type": 4, "data": map[string]any{"content": "again"}}); status != 400 || code != 40060 {
		t.Errorf("second answer: %d/%d, want 400/40060", status, code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := ix.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer(); a.Content != "hi" || !a.Ephemeral() {
		t.Errorf("answer = %+v", a)
	}
	if _, err := srv.SendCommand(discordtest.Bob, discordtest.ChannelID, "inbox close"); err == nil {
		t.Error("an unregistered route was dispatched")
	}
}
