package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/livechat"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
	"github.com/caseagent/caseagent/predict"
)

func Example() {
	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(`
fields:
  - {name: issue_description, type: text, multiline: true}
  - {name: contact, type: lookup, lookup: contacts}
contacts:
  - {id: C-1, name: Ana Lima, email: ana@example.org}
create: {fields: [issue_description, contact], require: all}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := memstore.New()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		fmt.Println(err)
		return
	}
	// A stand-in predictor: the first message describes the issue, and
	// the chat platform authenticated the customer.
	pred := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		first := req.Messages[0].Text
		return &predict.Result{Predictor: "example", Predictions: map[string]predict.Prediction{
			"issue_description": {Value: first, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: first}}},
			"contact":           {Value: req.Customer.ContactID, Confidence: 1},
		}}, nil
	})
	ag, err := agent.New(store, pred, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	recv, err := livechat.New(ag)
	if err != nil {
		fmt.Println(err)
		return
	}

	secret := []byte("a secret shared with the chat platform")
	h, err := chat.NewHandler(secret, recv)
	if err != nil {
		fmt.Println(err)
		return
	}
	post := func(body string) string {
		ts, sig := chat.Sign(secret, []byte(body), time.Now())
		req := httptest.NewRequest(http.MethodPost, "/chat", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(chat.HeaderTimestamp, ts)
		req.Header.Set(chat.HeaderSignature, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var receipt channel.Receipt
		_ = json.Unmarshal(rec.Body.Bytes(), &receipt)
		return strings.TrimSpace(fmt.Sprint(rec.Code, " ", receipt.Outcome, " ", receipt.CaseNumber))
	}
	fmt.Println(post(`{"id": "e1", "type": "requested", "conversation_id": "chat-7", "time": "2026-01-02T09:00:00Z",
		"customer": {"contact_id": "C-1"}}`))
	fmt.Println(post(`{"id": "e2", "type": "message", "conversation_id": "chat-7", "time": "2026-01-02T09:01:00Z",
		"message": {"id": "m1", "role": "customer", "text": "My invoice looks wrong."}}`))
	fmt.Println(post(`{"id": "e3", "type": "accepted", "conversation_id": "chat-7", "time": "2026-01-02T09:02:00Z",
		"representative": "rep-1"}`))
	fmt.Println(post(`{"id": "e3", "type": "accepted", "conversation_id": "chat-7", "time": "2026-01-02T09:02:00Z",
		"representative": "rep-1"}`)) // a redelivery changes nothing

	c, err := store.FindCaseByConversation(ctx, "chat-7")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Number, c.Fields["issue_description"], c.ContactID)
	// Output:
	// 200 recorded
	// 200 recorded
	// 200 created CAS-000001
	// 200 duplicate
	// CAS-000001 My invoice looks wrong. C-1
}
