// Package storage keeps all of commpilot's state in one bbolt file.
//
// # Opening
//
// Open takes the file's lock with a timeout, so a second process gets
// ErrInUse instead of hanging; it refuses files that are not commpilot
// databases (ErrForeign) and files written by a newer commpilot (ErrTooNew),
// then brings older files forward with the migrations in schema.go. All
// buckets exist once Open returns.
//
// # Typed stores
//
// Settings (bot.SettingsStore), AuditLog (bot.Auditor) and MessageLog (the
// watched community messages) live here; stores written later (inbox, faq)
// build on DB.Bolt, the bucket names in schema.go and the key and JSON
// helpers in keys.go.
//
// # Discipline
//
// Values are JSON; bytes are copied out of a transaction before it ends;
// state machines move in one read-check-write transaction; DB.Batch and
// the ingest writer (writer.go) are used only for idempotent functions,
// because both may run a grouped function twice.
//
// # Backups
//
// DB.Backup and DB.ServeBackup copy a consistent snapshot while the bot runs;
// BackupFile copies a file no process holds; FetchBackup downloads what
// ServeBackup serves on the owner-only Unix socket of ListenBackup; Restore
// puts a checked backup in place of a stopped bot's database. Every copy is
// written to a temporary file, synced and renamed, so a backup file is
// either complete or absent. Compact rewrites a file no process holds to its
// live size (commpilot compact).
package storage
