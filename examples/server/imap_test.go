package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestIMAPRestartResumes polls a Dovecot mailbox, stops, and starts again on
// the same SQLite file: the second process takes only the mail that came
// meanwhile, although the first message was marked unread again, because
// the position is kept in the store.
func TestIMAPRestartResumes(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := srv.User(t, "support")
	admin, err := imapclient.DialInsecure(srv.IMAPAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if err := admin.Login(u.Address, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	appendMail := func(raw string) imap.UID {
		t.Helper()
		cmd := admin.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		data, err := cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		return data.UID
	}

	db := filepath.Join(t.TempDir(), "cases.db")
	mailboxes := fmt.Sprintf(`mailboxes:
  - name: %s
    addr: %s
    username: %s
    password_env: TEST_IMAP_PASSWORD
    tls: none
    interval: 50ms
`, mailbox, srv.IMAPAddr(), u.Address)
	env := withGetenv(func(k string) string {
		if k == "TEST_IMAP_PASSWORD" {
			return u.Password
		}
		return testEnv[k]
	})
	waitCase := func(s casemgmt.CaseStore, id string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			cases, err := s.FindCasesByMessageID(t.Context(), []string{id})
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no case for %s after 15s", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	uid1 := appendMail(newEmail("imap-1@mail.example.com", "Floodlight, first"))
	first := start(t, db, mailboxes, env)
	waitCase(first.svc.store, "imap-1@mail.example.com")
	if got := received(t, first.url); got != 1 {
		t.Errorf("first process received %d messages, want 1", got)
	}
	first.shutdown(t)

	// Mark the first message unread again: only the stored position says
	// it was handled.
	if _, err := admin.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Store(imap.UIDSetNum(uid1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	appendMail(newEmail("imap-2@mail.example.com", "Floodlight, second"))

	second := start(t, db, mailboxes, env)
	waitCase(second.svc.store, "imap-2@mail.example.com")
	if got := received(t, second.url); got != 1 {
		t.Errorf("second process received %d messages, want 1 (only the new one)", got)
	}
	if got := countCases(t, second.svc.store); got != 2 {
		t.Errorf("%d cases, want 2", got)
	}
}

var receivedRE = regexp.MustCompile(`(?m)^caseagent_imap_messages_total\{[^}]*result="received"[^}]*\} (\d+)$`)

// received reads from /metrics how many IMAP messages the process handed
// to the agent, once it counted one and a few more polls passed.
func received(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for receivedNow(t, url) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(250 * time.Millisecond) // five poll intervals
	return receivedNow(t, url)
}

func receivedNow(t *testing.T, url string) int {
	t.Helper()
	_, body := get(t, url+"/metrics")
	m := receivedRE.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}
