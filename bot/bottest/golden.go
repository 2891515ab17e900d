package bottest

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

// update is set by "go test -update": golden files are rewritten instead of
// compared.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/ instead of comparing with them")

// Golden compares got with the golden file at path byte for byte, or, under
// go test -update, writes got to path. Review the diff of a rewrite.
func Golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file (go test -update rewrites it; review the diff); got:\n%s", path, got)
	}
}
