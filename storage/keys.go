package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/commpilot/commpilot/bot"
)

// ErrNotFound is returned (wrapped) when a record does not exist. It is
// bot.ErrNotFound itself, so callers outside storage test for that.
var ErrNotFound = bot.ErrNotFound

// U64Key encodes v as 8 big-endian bytes, so keys sort like numbers (use it
// with Bucket.NextSequence for ids).
func U64Key(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// KeyU64 decodes the first 8 bytes of k written by U64Key or TimeKey; it
// returns 0 when k is shorter.
func KeyU64(k []byte) uint64 {
	if len(k) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// TimeKey returns a key that sorts by t: 8 big-endian bytes of t's Unix
// nanoseconds (times before 1970 sort as 1970), then each part preceded by a
// 0 byte, so equal times are told apart by their parts. A scan from
// TimeKey(from) to TimeKey(to) visits [from, to) in time order.
func TimeKey(t time.Time, parts ...string) []byte {
	n := max(t.UnixNano(), 0)
	k := make([]byte, 8, 8+16*len(parts))
	binary.BigEndian.PutUint64(k, uint64(n))
	for _, p := range parts {
		k = append(k, 0)
		k = append(k, p...)
	}
	return k
}

// KeyTime returns the time encoded at the start of a TimeKey.
func KeyTime(k []byte) time.Time { return time.Unix(0, int64(KeyU64(k))).UTC() }

// GetJSON decodes the value at key in b into v. Decoding copies what it
// keeps, so v stays valid after the transaction. A missing key returns an
// error wrapping ErrNotFound.
func GetJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw := b.Get(key)
	if raw == nil {
		return fmt.Errorf("key %x: %w", key, ErrNotFound)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode key %x: %w", key, err)
	}
	return nil
}

// PutJSON stores v as JSON at key in b (a write transaction's bucket).
func PutJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode key %x: %w", key, err)
	}
	if err := b.Put(key, raw); err != nil {
		return fmt.Errorf("put key %x: %w", key, err)
	}
	return nil
}
