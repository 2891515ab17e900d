package bottest_test

import (
	"testing"
	"testing/fstest"

	"github.com/commpilot/commpilot/bot/bottest"
)

// Each call decodes afresh, so one test's changes never reach the next.
func TestJSONFixtureIsAFreshCopy(t *testing.T) {
	fsys := fstest.MapFS{"testdata/ready.json": {Data: []byte(`{"session_id":"s1"}`)}}
	a := bottest.JSONFixture(fsys, "faketest", "ready.json")
	a["session_id"] = "changed"
	if b := bottest.JSONFixture(fsys, "faketest", "ready.json"); b["session_id"] != "s1" {
		t.Fatalf("second decoding = %v, want session_id s1", b)
	}
}

func TestJSONFixturePanicsOnMissingOrBadFile(t *testing.T) {
	fsys := fstest.MapFS{"testdata/bad.json": {Data: []byte(`[1,`)}}
	for name, want := range map[string]string{
		"none.json": "faketest: missing fixture none.json",
		"bad.json":  "faketest: bad fixture bad.json: unexpected end of JSON input",
	} {
		func() {
			defer func() {
				if got := recover(); got != want {
					t.Errorf("JSONFixture(%s) panicked with %v, want %q", name, got, want)
				}
			}()
			bottest.JSONFixture(fsys, "faketest", name)
		}()
	}
}
