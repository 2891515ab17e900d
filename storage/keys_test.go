package storage_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
	"github.com/commpilot/commpilot/storage"
)

func TestKeysSortLikeTheirValues(t *testing.T) {
	if got := storage.KeyU64(storage.U64Key(1 << 40)); got != 1<<40 {
		t.Errorf("KeyU64(U64Key(2^40)) = %d", got)
	}
	if bytes.Compare(storage.U64Key(255), storage.U64Key(256)) >= 0 {
		t.Error("U64Key(255) does not sort before U64Key(256)")
	}
	early, late := time.Unix(1, 999), time.Unix(2, 0)
	if bytes.Compare(storage.TimeKey(early, "zzz"), storage.TimeKey(late, "aaa")) >= 0 {
		t.Error("an earlier time with a larger suffix sorts after a later time")
	}
	if bytes.Equal(storage.TimeKey(late, "a", "bc"), storage.TimeKey(late, "ab", "c")) {
		t.Error("different parts give the same key")
	}
	if got := storage.KeyTime(storage.TimeKey(early, "x")); !got.Equal(early) {
		t.Errorf("KeyTime = %v, want %v", got, early)
	}
}

func TestJSONHelpers(t *testing.T) {
	db := openAt(t, tempPath(t))
	type rec struct{ Name string }
	err := db.Bolt().Update(func(tx *bbolt.Tx) error {
		return storage.PutJSON(tx.Bucket([]byte(storage.BucketFAQ)), storage.U64Key(1), rec{"hours"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got, missing rec
	var errMissing error
	err = db.Bolt().View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(storage.BucketFAQ))
		errMissing = storage.GetJSON(b, storage.U64Key(2), &missing)
		return storage.GetJSON(b, storage.U64Key(1), &got)
	})
	if err != nil || got.Name != "hours" {
		t.Errorf("GetJSON = %+v, %v; want hours", got, err)
	}
	if !errors.Is(errMissing, bot.ErrNotFound) {
		t.Errorf("GetJSON of a missing key: %v, want bot.ErrNotFound", errMissing)
	}
}
