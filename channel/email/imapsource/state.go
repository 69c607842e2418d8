package imapsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// State keeps the poller's position in a mailbox between polls and across
// restarts. casemgmt.Store satisfies it.
//
// GetState must report a key that was never stored either as (nil, nil)
// or with an error for which Config.IsNotFound returns true (ErrNoState is
// always recognised). Implementations must be safe for concurrent use.
type State interface {
	GetState(ctx context.Context, key string) ([]byte, error)
	PutState(ctx context.Context, key string, value []byte) error
}

// ErrNoState may be returned by State.GetState for a key that was never
// stored.
var ErrNoState = errors.New("imapsource: no state")

// ErrBadState is returned when the stored position cannot be read. The
// poller does not guess: fix or delete the stored value (deleting it
// makes the poller start over, relying on the receiver's dedupe).
var ErrBadState = errors.New("imapsource: stored position is unreadable")

// position is the stored state of one mailbox.
//
// Every UID below Next was handled (received, skipped, or excluded by the
// search). Done lists the UIDs at or above Next handled out of order, when
// a message before them failed. Failures counts receiver failures per UID,
// for Config.MaxAttempts.
type position struct {
	UIDValidity uint32         `json:"uidvalidity"`
	Next        uint32         `json:"next"`
	Done        []uint32       `json:"done,omitempty"`
	Failures    map[uint32]int `json:"failures,omitempty"`

	found   bool            // read from the State
	doneSet map[uint32]bool // Done as a set
}

func decodePosition(b []byte) (position, error) {
	var p position
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%w: %v", ErrBadState, err)
	}
	if p.UIDValidity == 0 || p.Next == 0 {
		return p, fmt.Errorf("%w: uidvalidity %d, next %d", ErrBadState, p.UIDValidity, p.Next)
	}
	p.found = true
	p.doneSet = map[uint32]bool{}
	for _, u := range p.Done {
		p.doneSet[u] = true
	}
	return p, nil
}

func (p *position) encode() []byte {
	p.Done = p.Done[:0]
	for u := range p.doneSet {
		if u >= p.Next {
			p.Done = append(p.Done, u)
		}
	}
	slices.Sort(p.Done)
	for u := range p.Failures {
		if u < p.Next || p.doneSet[u] {
			delete(p.Failures, u)
		}
	}
	b, _ := json.Marshal(p) // cannot fail: numbers only
	return b
}

func (p *position) done(uid uint32) bool { return uid < p.Next || p.doneSet[uid] }

func (p *position) markDone(uid uint32) {
	if p.doneSet == nil {
		p.doneSet = map[uint32]bool{}
	}
	p.doneSet[uid] = true
	delete(p.Failures, uid)
}

func (p *position) fail(uid uint32) int {
	if p.Failures == nil {
		p.Failures = map[uint32]int{}
	}
	p.Failures[uid]++
	return p.Failures[uid]
}
