package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrorCode classifies a domain error.
type ErrorCode string

// Error codes. Users see the Error's message; operators see the wrapped cause.
const (
	CodeInvalid     ErrorCode = "invalid"     // bad input: the message says what and what is accepted
	CodeForbidden   ErrorCode = "forbidden"   // not allowed (not staff)
	CodeNotFound    ErrorCode = "not_found"   // no such item, post, rule
	CodeConflict    ErrorCode = "conflict"    // state changed under the user (stale draft)
	CodeUnavailable ErrorCode = "unavailable" // a dependency is down
	CodeInternal    ErrorCode = "internal"    // a bug or an unexpected failure
)

// Error is a domain error with a message that is safe to show to users.
//
// Key and Args select a message from the Catalog, so the user reads it in the
// team's language; Usage, when set, is appended as the usage line.
type Error struct {
	Code  ErrorCode
	Key   string
	Args  []any
	Usage string
	Err   error // the cause, logged, never shown
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Key
	if len(e.Args) > 0 {
		msg += fmt.Sprint(e.Args...)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a domain error whose user message is catalogue key with args.
func Errorf(code ErrorCode, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Invalid is Errorf(CodeInvalid, ...).
func Invalid(key string, args ...any) *Error { return Errorf(CodeInvalid, key, args...) }

// ErrorCodeOf returns the code of the first *Error in err's chain, CodeInternal otherwise.
func ErrorCodeOf(err error) ErrorCode {
	var de *Error
	if errors.As(err, &de) {
		return de.Code
	}
	return CodeInternal
}

// ErrUnknownOutcome is wrapped by Sender errors when the platform may or may
// not have carried out the action (timeout, connection lost mid-request).
var ErrUnknownOutcome = errors.New("outcome unknown")

// ErrStop is returned by a message handler to stop later handlers (moderation
// deleted the message, say).
var ErrStop = errors.New("stop handling this message")

// ParseNumber reads a record number a person typed or a button carries,
// "7" or "#7", at least 1; anything else is the domain error key with v.
func ParseNumber(v, key string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(v), "#"), 10, 64)
	if err != nil || n == 0 {
		return 0, Invalid(key, v)
	}
	return n, nil
}

// NotFoundAs turns an error wrapping ErrNotFound into the user error key
// with args ("There is no item #7."); any other error, and nil, pass as they
// are.
func NotFoundAs(err error, key string, args ...any) error {
	if errors.Is(err, ErrNotFound) {
		return &Error{Code: CodeNotFound, Key: key, Args: args, Err: err}
	}
	return err
}
