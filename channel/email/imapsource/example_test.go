package imapsource_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"golang.org/x/oauth2/clientcredentials"
)

// mapState is the smallest State: a map, reporting missing keys as
// (nil, nil). It is not safe for concurrent use, which one poller does
// not need.
type mapState map[string][]byte

func (m mapState) GetState(_ context.Context, key string) ([]byte, error) { return m[key], nil }

func (m mapState) PutState(_ context.Context, key string, value []byte) error {
	m[key] = value
	return nil
}

// A poller is built from its connection settings, a State for its
// position and a Receiver for the mail. New checks the settings without
// connecting: credentials never travel in clear text except to a test
// server on loopback.
func ExampleNew() {
	receive := email.ReceiverFunc(func(ctx context.Context, mailbox string, p *email.Parsed) error {
		fmt.Println(mailbox, p.Message.ID, p.Message.Subject)
		return nil
	})
	_, err := imapsource.New(imapsource.Config{
		Addr:     "imap.example.com:143",
		Username: "support@example.com",
		Password: "secret",
		TLS:      imapsource.NoTLS,
	}, mapState{}, receive)
	fmt.Println(errors.Is(err, imapsource.ErrInvalidConfig))
	fmt.Println(err)

	poller, err := imapsource.New(imapsource.Config{
		Addr:     "imap.example.com:993",
		Username: "support@example.com",
		Password: "secret",
		Mark:     imapsource.MarkFlag, // $CaseAgentProcessed
	}, mapState{}, receive)
	fmt.Println(poller != nil, err)
	// Output:
	// true
	// imapsource: invalid configuration: NoTLS is for loopback test servers only, not imap.example.com
	// true <nil>
}

// Microsoft 365: the application identity reads the shared mailbox with
// tokens from the client credentials grant. New fetches no token and
// connects nowhere; Run and PollOnce log in, and Probe checks the login
// for a prerequisites panel.
func ExampleNew_microsoft365() {
	tenantID := "00000000-0000-0000-0000-000000000000"
	tokens, err := email.ClientCredentials(context.Background(), &clientcredentials.Config{
		ClientID:     "11111111-1111-1111-1111-111111111111",
		ClientSecret: "the app registration's secret",
		TokenURL:     "https://login.microsoftonline.com/" + tenantID + "/oauth2/v2.0/token",
		Scopes:       []string{"https://outlook.office365.com/.default"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	receive := email.ReceiverFunc(func(ctx context.Context, mailbox string, p *email.Parsed) error { return nil })
	poller, err := imapsource.New(imapsource.Config{
		Addr:        "outlook.office365.com:993",
		Username:    "support@contoso.com",
		TokenSource: tokens,
		Mechanism:   email.XOAuth2,
	}, mapState{}, receive)
	fmt.Println(poller != nil, err)
	// Output: true <nil>
}
