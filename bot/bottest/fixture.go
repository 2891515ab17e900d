package bottest

import (
	"encoding/json"
	"io/fs"
)

// JSONFixture returns a fresh decoding of the JSON object testdata/name in
// fsys, the payload samples a fake embeds; callers may change it freely. It
// panics, naming pkg, when the file is missing or is not a JSON object:
// the samples are part of the fake, so either is a bug in it.
func JSONFixture(fsys fs.FS, pkg, name string) map[string]any {
	raw, err := fs.ReadFile(fsys, "testdata/"+name)
	if err != nil {
		panic(pkg + ": missing fixture " + name)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(pkg + ": bad fixture " + name + ": " + err.Error())
	}
	return m
}
