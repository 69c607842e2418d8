package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/caseagent/caseagent/channel/chat"
)

// A chat platform signs each event it posts; the handler checks the
// signature and hands the event to the receiver.
func ExampleHandler() {
	secret := []byte("a shared secret of enough length")
	recv := chat.ReceiverFunc(func(_ context.Context, ev *chat.Event) error {
		fmt.Printf("%s in %s: %q\n", ev.Type, ev.ConversationID, ev.Message.Text)
		return nil
	})
	h, err := chat.NewHandler(secret, recv)
	if err != nil {
		panic(err)
	}

	body := fmt.Sprintf(`{"id":"ev-1","type":"message","conversation_id":"conv-7","time":%q,`+
		`"message":{"id":"m-1","role":"customer","text":"My camera is offline."}}`, time.Now().UTC().Format(time.RFC3339))
	req := httptest.NewRequest(http.MethodPost, "/chat", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	ts, sig := chat.Sign(secret, []byte(body), time.Now())
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// message in conv-7: "My camera is offline."
	// 204
}
