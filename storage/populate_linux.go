package storage

import "syscall"

// populate is the mmap flag that reads the whole file ahead, sequentially,
// when it is mapped (see openBolt).
const populate = syscall.MAP_POPULATE
