//go:build !unix

package storage

import "errors"

// ownerOnly cannot tell who may write to a directory here, so the backup
// socket is not made: backups are taken while the bot is stopped.
func ownerOnly(string) error {
	return errors.New("this system cannot restrict the backup socket to its owner")
}
