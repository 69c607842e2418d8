package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
)

// outbox is a channel.Sender that writes each message as a JSON file
// into a folder instead of sending it: for trials and tests without a
// mail server. A file appears whole or not at all (it is written under a
// temporary name, synced and renamed). It is safe for concurrent use.
type outbox struct {
	dir     string
	process string
}

// outboxMessage is the content of an outbox file.
type outboxMessage struct {
	ID      string            `json:"id"`
	Process string            `json:"process"`
	Message *channel.Outgoing `json:"message"`
}

func newOutbox(dir, process string) (*outbox, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &outbox{dir: dir, process: process}, nil
}

// Send writes m to the folder and returns its Message-ID.
func (o *outbox) Send(ctx context.Context, m *channel.Outgoing) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	id := casemgmt.NewID("") + "@outbox.invalid"
	b, err := json.Marshal(outboxMessage{ID: id, Process: o.process, Message: m})
	if err != nil {
		return "", fmt.Errorf("outbox: %w", err)
	}
	name := filepath.Join(o.dir, casemgmt.NewID("")+".json")
	f, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("outbox: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("outbox: %w", err)
	}
	return id, nil
}
