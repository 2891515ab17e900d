package bot

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{{"7", 7, true}, {"#42", 42, true}, {" 3 ", 3, true}, {"0", 0, false}, {"-1", 0, false}, {"seven", 0, false}, {"", 0, false}} {
		got, err := ParseNumber(tc.in, "x.err.bad_id")
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseNumber(%q) = %d, %v", tc.in, got, err)
		}
		if err != nil && (ErrorCodeOf(err) != CodeInvalid || err.(*Error).Key != "x.err.bad_id") {
			t.Errorf("ParseNumber(%q) error %v: want the invalid key", tc.in, err)
		}
	}
}

func TestNotFoundAs(t *testing.T) {
	missing := fmt.Errorf("item 7: %w", ErrNotFound)
	err := NotFoundAs(missing, "x.err.no_item", 7)
	var de *Error
	if !errors.As(err, &de) || de.Code != CodeNotFound || de.Key != "x.err.no_item" || de.Args[0] != 7 || !errors.Is(err, ErrNotFound) {
		t.Fatalf("NotFoundAs(not found) = %#v", err)
	}
	other := errors.New("disk full")
	if NotFoundAs(other, "x.err.no_item", 7) != other || NotFoundAs(nil, "x", 1) != nil {
		t.Error("NotFoundAs changed an error that is not a not-found")
	}
}
