//go:build !linux

package storage

// populate is 0 where mmap has no MAP_POPULATE: openBolt's walk then reads
// the pages as it goes.
const populate = 0
