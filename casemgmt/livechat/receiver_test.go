package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/casemgmt/livechat"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
)

const (
	hello  = "Hi, my router keeps rebooting every few minutes."
	serial = "The X200. Serial SN-4K2P9Q7Z."
)

var chatSecret = []byte("a shared secret of some length")

// chatServer is a chat webhook over an agent and a memstore.
type chatServer struct {
	*agenttest.Fixture
	srv  *httptest.Server
	recv *livechat.Receiver
}

func newChatServer(t *testing.T, f *agenttest.Fixture, opts ...livechat.Option) *chatServer {
	t.Helper()
	if f == nil {
		f = agenttest.NewFixture(t, nil)
	}
	recv, err := livechat.New(f.Agent, opts...)
	if err != nil {
		t.Fatal(err)
	}
	h, err := chat.NewHandler(chatSecret, recv)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &chatServer{Fixture: f, srv: srv, recv: recv}
}

// post sends an event, signed, and returns the status and the body.
func (s *chatServer) post(t *testing.T, ev *chat.Event) (int, string) {
	t.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := chat.Sign(chatSecret, body, time.Now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *chatServer) mustPost(t *testing.T, ev *chat.Event) {
	t.Helper()
	if code, body := s.post(t, ev); code != http.StatusOK {
		t.Fatalf("event %s (%s): %d %s", ev.ID, ev.Type, code, body)
	}
}

// story is a chat: a request from an authenticated visitor, a message
// while waiting, acceptance by rep-1, a question, an answer, the end.
func story(conv string) []*chat.Event {
	t0 := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	msg := func(i int, id string, role channel.Role, rep, text string) *chat.Event {
		return &chat.Event{ID: fmt.Sprintf("%s-e%d", conv, i), Type: chat.EventMessage, ConversationID: conv, Time: at(i),
			Representative: rep, Message: &chat.MessagePayload{ID: id, Role: role, Text: text}}
	}
	return []*chat.Event{
		{ID: conv + "-e0", Type: chat.EventRequested, ConversationID: conv, Time: at(0),
			Customer: &channel.Customer{ContactID: "C-1", Name: "Ana Lima", Email: "ana@example.org"}},
		msg(1, "m1", channel.RoleCustomer, "", hello),
		{ID: conv + "-e2", Type: chat.EventAccepted, ConversationID: conv, Time: at(2), Representative: "rep-1"},
		msg(3, "m2", channel.RoleRepresentative, "rep-1", "Sorry to hear that. Which model is it?"),
		msg(4, "m3", channel.RoleCustomer, "", serial),
		{ID: conv + "-e5", Type: chat.EventEnded, ConversationID: conv, Time: at(5), Representative: "rep-1"},
	}
}

// storyPredictor answers what the story's messages say.
func storyPredictor(f *agenttest.Fixture) {
	f.Pred.Set(map[string]agenttest.Answer{
		"issue_description": {Value: hello, Conf: 0.9, Quote: "keeps rebooting"},
		"contact":           {Value: "C-1", Conf: 0.95, Quote: ""},
		"category":          {Value: "Product defect", Conf: 0.8, Quote: "rebooting"},
		"product":           {Value: "P-X200", Conf: 0.9, Quote: "The X200"},
		"serial_number":     {Value: "SN-4K2P9Q7Z", Conf: 0.95, Quote: "SN-4K2P9Q7Z"},
	})
}

func TestChatBecomesACase(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := newChatServer(t, nil, livechat.WithResults(func(ctx context.Context, ev *chat.Event, res *agent.Result) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ev.ID+" "+string(res.Outcome))
	}))
	storyPredictor(s.Fixture)
	evs := story("chat-1")
	for _, ev := range evs[:3] {
		s.mustPost(t, ev)
	}
	c := s.CaseOf(t, "chat-1")
	want := casemgmt.Values{"issue_description": hello, "contact": "C-1", "category": "Product defect", "origin": "Chat"}
	if diff := cmp.Diff(want, c.Fields); diff != "" {
		t.Errorf("at accept (-want +got):\n%s", diff)
	}
	for _, ev := range evs[3:] {
		s.mustPost(t, ev)
	}
	c = s.CaseOf(t, "chat-1")
	want["product"], want["serial_number"] = "P-X200", "SN-4K2P9Q7Z"
	if diff := cmp.Diff(want, c.Fields); diff != "" {
		t.Errorf("at end (-want +got):\n%s", diff)
	}
	var trail []string
	for _, in := range s.Interactions(t, "chat-1") {
		trail = append(trail, in.Trigger+" "+string(in.Outcome))
	}
	if diff := cmp.Diff([]string{"conversation_accepted created", "conversation_ended updated"}, trail); diff != "" {
		t.Errorf("interactions (-want +got):\n%s", diff)
	}
	mu.Lock()
	if diff := cmp.Diff([]string{"chat-1-e2 created", "chat-1-e5 updated"}, seen); diff != "" {
		t.Errorf("results seen (-want +got):\n%s", diff)
	}
	mu.Unlock()
	raw, err := s.Store.GetState(context.Background(), livechat.StatePrefix+"chat-1")
	if err != nil {
		t.Fatal(err)
	}
	var st livechat.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Conversation.Status != channel.StatusEnded || len(st.Conversation.Messages) != 3 || st.Representative != "rep-1" ||
		st.Pending != nil || st.Conversation.Customer.ContactID != "C-1" {
		t.Errorf("stored conversation: %+v", st)
	}
	// After the end, nothing more is taken.
	late := &chat.Event{ID: "late", Type: chat.EventMessage, ConversationID: "chat-1", Time: time.Now(),
		Message: &chat.MessagePayload{ID: "m9", Role: channel.RoleCustomer, Text: "Hello?"}}
	if code, _ := s.post(t, late); code != http.StatusConflict {
		t.Errorf("message after the end: %d, want 409", code)
	}
}

// snapshot is everything the store holds about one conversation.
func snapshot(t *testing.T, f *agenttest.Fixture, conv string) string {
	t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	c, err := f.Store.FindCaseByConversation(ctx, conv)
	if err == nil {
		audit := f.Audit(t, c.ID)
		_ = json.NewEncoder(&b).Encode(struct {
			Case  *casemgmt.Case
			Audit []casemgmt.AuditEntry
		}{c, audit})
	}
	_ = json.NewEncoder(&b).Encode(f.Interactions(t, conv))
	st, _ := f.Store.GetState(ctx, livechat.StatePrefix+conv)
	b.Write(st)
	return b.String()
}

func TestChatRedeliveryChangesNothing(t *testing.T) {
	s := newChatServer(t, nil, livechat.WithCustomerMessages(true))
	storyPredictor(s.Fixture)
	evs := story("chat-1")
	for i, ev := range evs {
		s.mustPost(t, ev)
		before, calls := snapshot(t, s.Fixture, "chat-1"), s.Pred.Calls.Load()
		for _, again := range evs[:i+1] { // every event so far, once more
			s.mustPost(t, again)
		}
		if diff := cmp.Diff(before, snapshot(t, s.Fixture, "chat-1")); diff != "" {
			t.Fatalf("redelivery after event %d changed the store (-before +after):\n%s", i, diff)
		}
		if got := s.Pred.Calls.Load(); got != calls {
			t.Fatalf("redelivery after event %d made %d predictor calls", i, got-calls)
		}
	}
	// A message id already received, under another event id, is a
	// redelivery too.
	s2 := newChatServer(t, nil)
	ev := story("chat-2")[1]
	s2.mustPost(t, ev)
	other := *ev
	other.ID = "another-event-id"
	if err := s2.recv.ReceiveChatEvent(context.Background(), &other); !errors.Is(err, chat.ErrDuplicateMessage) {
		t.Errorf("same message, new event id: err = %v, want ErrDuplicateMessage", err)
	}
}

func TestChatFailedAgentCallIsRetried(t *testing.T) {
	s := newChatServer(t, nil)
	storyPredictor(s.Fixture)
	evs := story("chat-1")
	s.mustPost(t, evs[0])
	s.mustPost(t, evs[1])
	s.Pred.Err = errors.New("model down")
	if code, _ := s.post(t, evs[2]); code != http.StatusInternalServerError {
		t.Fatalf("accept with the model down: %d, want 500", code)
	}
	s.Pred.Err = nil
	s.mustPost(t, evs[2]) // the platform retries
	if c := s.CaseOf(t, "chat-1"); c.Fields["contact"] != "C-1" {
		t.Errorf("after the retry: %v", c.Fields)
	}
	// A call that failed is also made by the next event when the failed
	// one is not redelivered.
	s.Pred.Err = errors.New("model down")
	s.mustPost(t, evs[3]) // a representative's message: no agent call
	if code, _ := s.post(t, evs[5]); code != http.StatusInternalServerError {
		t.Fatalf("end with the model down: %d, want 500", code)
	}
	s.Pred.Err = nil
	late := &chat.Event{ID: "x", Type: chat.EventRequested, ConversationID: "chat-1", Time: time.Now()}
	if err := s.recv.ReceiveChatEvent(context.Background(), late); !errors.Is(err, chat.ErrEnded) {
		t.Fatalf("after the end: err = %v, want ErrEnded", err)
	}
	var trail []string
	for _, in := range s.Interactions(t, "chat-1") {
		trail = append(trail, in.Trigger+" "+string(in.Outcome))
	}
	want := []string{"conversation_accepted failed", "conversation_accepted created", "conversation_ended failed", "conversation_ended unchanged"}
	if diff := cmp.Diff(want, trail); diff != "" {
		t.Errorf("interactions (-want +got):\n%s", diff)
	}
}

func TestChatConcurrentEventsLoseNoMessage(t *testing.T) {
	f := agenttest.NewFixture(t, nil)
	f.Pred.Rule = nil
	// Two receivers on one store, as two processes would be.
	a := newChatServer(t, f, livechat.WithCustomerMessages(true), livechat.WithOwner("process-a"))
	b := newChatServer(t, f, livechat.WithCustomerMessages(true), livechat.WithOwner("process-b"))
	storyPredictor(f)
	evs := story("chat-1")
	a.mustPost(t, evs[0])
	a.mustPost(t, evs[2])
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &chat.Event{ID: fmt.Sprintf("c%d", i), Type: chat.EventMessage, ConversationID: "chat-1",
				Time: time.Now(), Message: &chat.MessagePayload{ID: fmt.Sprintf("msg-%d", i), Role: channel.RoleCustomer,
					Text: fmt.Sprintf("%s (%d)", hello, i)}}
			srv := a
			if i%2 == 1 {
				srv = b
			}
			if code, body := srv.post(t, ev); code != http.StatusOK {
				t.Errorf("event %d: %d %s", i, code, body)
			}
		}()
	}
	wg.Wait()
	raw, err := f.Store.GetState(context.Background(), livechat.StatePrefix+"chat-1")
	if err != nil {
		t.Fatal(err)
	}
	var st livechat.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range st.Conversation.Messages {
		got[m.ID] = true
	}
	for i := range n {
		if !got[fmt.Sprintf("msg-%d", i)] {
			t.Errorf("message %d was lost", i)
		}
	}
	if len(st.Conversation.Messages) != n || len(st.Events) != n+2 || st.Pending != nil {
		t.Errorf("%d messages, %d events, pending %v; want %d, %d, none", len(st.Conversation.Messages), len(st.Events), st.Pending, n, n+2)
	}
	if ins := f.Interactions(t, "chat-1"); len(ins) != n+1 {
		t.Errorf("%d interactions, want %d: one per accepted event and customer message", len(ins), n+1)
	}
}

func newReceiver(t *testing.T, f *agenttest.Fixture, opts ...livechat.Option) *livechat.Receiver {
	t.Helper()
	r, err := livechat.New(f.Agent, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A receiver that could not work is refused when it is made, not at its
// first event.
func TestNewRefusesBadOptions(t *testing.T) {
	f := agenttest.NewFixture(t, nil)
	for name, tc := range map[string]struct {
		ag   *agent.Agent
		opts []livechat.Option
	}{
		"no agent":    {nil, nil},
		"zero ttl":    {f.Agent, []livechat.Option{livechat.WithClaimTTL(0)}},
		"no messages": {f.Agent, []livechat.Option{livechat.WithMaxMessages(0)}},
		"no attempts": {f.Agent, []livechat.Option{livechat.WithMaxAttempts(-1)}},
		"empty owner": {f.Agent, []livechat.Option{livechat.WithOwner("")}},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := livechat.New(tc.ag, tc.opts...)
			if !errors.Is(err, casemgmt.ErrInvalid) || r != nil {
				t.Fatalf("New = %v, %v; want nil and an error wrapping ErrInvalid", r, err)
			}
		})
	}
}

func TestChatReceiverRefuses(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	ev := story("chat-1")[0]
	for name, tc := range map[string]struct {
		recv *livechat.Receiver
		ev   *chat.Event
		is   error
	}{
		"no event":         {newReceiver(t, f), nil, chat.ErrInvalidEvent},
		"no conversation":  {newReceiver(t, f), &chat.Event{ID: "e"}, chat.ErrInvalidEvent},
		"no message":       {newReceiver(t, f), &chat.Event{ID: "e", Type: chat.EventMessage, ConversationID: "c", Time: time.Now()}, chat.ErrInvalidEvent},
		"too many":         {newReceiver(t, f, livechat.WithMaxMessages(1)), nil, chat.ErrInvalidEvent},
		"context canceled": {newReceiver(t, f), ev, context.Canceled},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := ctx
			evs := []*chat.Event{tc.ev}
			if name == "too many" {
				s := story("chat-many")
				evs = []*chat.Event{s[1], s[4]}
			}
			if name == "context canceled" {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			var err error
			for _, e := range evs {
				err = tc.recv.ReceiveChatEvent(ctx, e)
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
	// A claim another process holds is waited for until the context ends.
	if ok, err := f.Store.AcquireClaim(ctx, livechat.ClaimPrefix+"chat-1", "someone-else", time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	c, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if err := newReceiver(t, f).ReceiveChatEvent(c, ev); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("claimed elsewhere: err = %v, want the deadline", err)
	}
	if _, err := f.Store.GetState(ctx, livechat.StatePrefix+"chat-1"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("an event that waited in vain was stored: %v", err)
	}
}

// FuzzChatReceiver hands the receiver sequences of events (one JSON event
// a line) and checks that it never panics, that every refusal is one of
// the documented errors, and that what it stores stays readable.
func FuzzChatReceiver(f *testing.F) {
	for _, ev := range story("c") {
		b, _ := json.Marshal(ev)
		f.Add(string(b))
	}
	var all []string
	for _, ev := range story("c") {
		b, _ := json.Marshal(ev)
		all = append(all, string(b))
	}
	f.Add(strings.Join(all, "\n"))
	f.Add(all[5] + "\n" + all[1] + "\n" + all[5])
	f.Add(`{"id":"x","type":"message","conversation_id":"c","time":"2026-01-02T09:00:00Z","message":{"id":"m","role":"customer","text":"hi"}}`)
	f.Fuzz(func(t *testing.T, input string) {
		fx := agenttest.NewFixture(t, nil)
		storyPredictor(fx)
		recv, err := livechat.New(fx.Agent, livechat.WithCustomerMessages(true))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		lines := strings.Split(input, "\n")
		if len(lines) > 8 {
			lines = lines[:8]
		}
		for _, line := range lines {
			ev, err := chat.Decode([]byte(line))
			if err != nil {
				continue
			}
			err = recv.ReceiveChatEvent(ctx, ev)
			switch {
			case err == nil, errors.Is(err, chat.ErrInvalidEvent), errors.Is(err, chat.ErrEnded),
				errors.Is(err, chat.ErrDuplicateMessage), errors.Is(err, casemgmt.ErrInvalid):
			default:
				t.Fatalf("event %q: unexpected error %v", line, err)
			}
			raw, err := fx.Store.GetState(ctx, livechat.StatePrefix+ev.ConversationID)
			if errors.Is(err, casemgmt.ErrNotFound) {
				continue
			}
			var st livechat.State
			if err != nil || json.Unmarshal(raw, &st) != nil {
				t.Fatalf("stored state unreadable: %v", err)
			}
			if st.Pending != nil {
				t.Fatalf("an agent call left pending after %q", line)
			}
		}
	})
}
