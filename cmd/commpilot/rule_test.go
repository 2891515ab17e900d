package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRuleTestCommandLine(t *testing.T) {
	t.Setenv("COMMPILOT_DB", t.TempDir()+"/none.db")
	var out, errb bytes.Buffer
	code := run([]string{"rule", "test", "-rule", "no-invites invites delete,warn", "-rule", "no-slurs words:idiot,crétin delete,timeout:10m,alert",
		"Rejoins", "mon", "serveur", "discord.gg/abc"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{`Normalised: "rejoins mon serveur discord.gg/abc"`, "no-invites matches (invites: discord.gg/abc) and would: delete, warn"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "no-slurs") {
		t.Errorf("no-slurs matched:\n%s", out.String())
	}
	out.Reset()
	code = run([]string{"rule", "test", "-rule", "x words:idiot log", "-"}, strings.NewReader("what an 1d10t\nhello\n"), &out, &errb)
	if code != 0 || strings.Count(out.String(), "x matches") != 1 || !strings.Contains(out.String(), "No rule matches.") {
		t.Errorf("stdin lines: exit %d\n%s", code, out.String())
	}
	errb.Reset()
	if code := run([]string{"rule", "test", "-rule", "bad regex:(x delete", "hi"}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "does not compile") {
		t.Errorf("bad rule: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"rule", "test", "hi"}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no database") {
		t.Errorf("no rules: exit %d, %q", code, errb.String())
	}
}
