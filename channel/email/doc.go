// Package email reads inbound mail into channel messages and provides
// what an agent needs to act on it safely.
//
// # Parsing
//
// A Parser reads a raw RFC 5322 / MIME message (with
// github.com/jhillyerd/enmime for the MIME structure) into a Parsed: the
// channel.Message, its Classification, and the Problems worked around to
// read it. It accepts text, HTML-only mail (turned into readable text, see
// HTMLToText), every kind of multipart, declared charsets, RFC 2047
// encoded words and attachments (kept as metadata). The size limit
// (DefaultMaxSize unless WithMaxSize says otherwise) is enforced while
// reading, before anything is parsed. Parsing takes time linear in the
// size: the number of parts, the nesting depth and the number of header
// fields are limited (WithMaxParts, WithMaxDepth, WithMaxHeaders), and a
// message over a limit is refused with a *LimitError (ErrTooComplex)
// before the work grows with it. No message within the limits takes
// 100 ms of CPU to parse: not the costliest structures (a thousand parts
// in 3.7 MB, nesting at the depth limit, ten thousand header fields), not
// a body of the whole 25 MB default (BenchmarkParseWorstCase measures
// them). An HTML body is turned into text up to its first MiB; a longer
// one is cut there, with a Problem saying so. Header
// syntax that RFC 5322 asks readers to accept (white space before a
// field's colon, a body that follows the header without a blank line) is
// read as meant. Malformed and truncated mail is
// read as far as it goes; only input that is not mail at all is an error
// (ErrUnusable).
//
// # Replies, quotes and signatures
//
// The new text of a message is separated from the quoted history and the
// signature, and all three are kept (Message.Text, Quoted, Signature).
// SplitReply does this on plain text and knows the reply headers of the
// common mail programs in a dozen languages; for HTML-only mail the quote
// containers of Gmail, Apple Mail, Thunderbird, Outlook and Yahoo are set
// apart before the HTML is turned into text.
//
// # Auto-replies and bounces
//
// Parse classifies every message (ClassifyHeaders does it from a header
// alone): RFC 3834 auto-replies, RFC 3464 delivery-status notifications,
// feedback reports, bulk and list mail, from their headers, report types,
// sender and, as a weak signal, subject; Amazon SES notifications, also
// when SNS wraps them as escaped JSON; and automatic mail whose text says
// that delivery failed, in several languages. Auto-replies and bounces
// are marked on the Message (AutoReply, Bounce, Role system) so that they
// trigger no work; for a bounce the Message-ID of the undelivered message
// is recovered when it can be. Exchange's X-MS-Exchange-Inbox-Rules-Loop
// alone is not taken for an auto-reply: Exchange sets it on a person's
// mail that an inbox rule forwarded.
//
// List, bulk and junk mail (Precedence: bulk, list or junk; List-Id;
// List-Unsubscribe and the like) is flagged as Message.Bulk and
// Classification.Bulk, whatever else it is. It is not Automated, since a
// person writing through a list sends the same headers, but an answer to
// it may reach every member of a list: consumers create no case and send
// no mail for it unless a rule opts in.
//
// # Threading
//
// ThreadKeys lists the ids a reply refers to; MessageIDs makes our own
// Message-IDs carry an HMAC-signed case id, so that a reply finds its case
// even when nothing else is known, and a guessed id does not. CaseNumbers
// reads case numbers from subjects, which callers may use only for known
// participants of the case. NormalizeSubject strips reply prefixes in
// several languages, and IsForward tells forwards, which start new cases.
//
// # Receiving and sending
//
// Handler accepts raw MIME from inbound-mail webhooks and authenticates
// the caller before reading the message: with a shared secret (the
// message is the body or a form field of the body), or with an HMAC
// signature of a timestamp and the body, in the same headers and scheme
// as the chat handler (HeaderTimestamp, HeaderSignature, Sign), checked
// against a replay window. A signed request is read only as far as it is
// signed: the body is the message; the URL's query, form decoding and the
// Content-Type play no part. The mailbox comes from configuration
// (WithMailbox), never from the request. The handler limits size and
// hands the Parsed message to a Receiver, the small interface the agent
// satisfies. SMTPSender implements channel.Sender over SMTP with
// STARTTLS (or implicit TLS) and AUTH; every message carries our
// Message-ID (signed with the case of the Outgoing), In-Reply-To and
// References for replies, and an X-Loop header, and automated mail
// carries Auto-Submitted, so that auto-responders stay quiet and our own
// mail coming back is recognised (see WithLoopMarker). Header fields are
// folded at 78 octets where the value has white space and never exceed
// the 998 of RFC 5322; text that is not ASCII, or has a word too long to
// fold, is written as RFC 2047 encoded words that never split a
// character. The composer is written here rather than taken from a mail
// library such as github.com/wneessen/go-mail: it writes one text/plain
// part with a handful of fields, several of which (the signed
// Message-ID, Auto-Submitted, X-Loop) are ours to control, and a library
// would bring its own SMTP client and message model for what folding and
// encoded words, about a hundred tested lines, already do.
//
// The errors of SMTPSender (SendError) have keys, tokens and the
// configured password redacted, since servers echo what they were sent.
//
// # OAuth 2.0: Microsoft 365 and Google Workspace
//
// Microsoft 365 and Google Workspace refuse passwords for SMTP and IMAP.
// SMTPConfig (and imapsource.Config) take an oauth2.TokenSource
// (golang.org/x/oauth2) instead of a Password: the access token is sent
// with SASL XOAUTH2 or OAUTHBEARER (RFC 7628), over TLS only, with
// OAuthMechanism choosing (by default OAUTHBEARER when the server offers
// it, else XOAUTH2, the only one Microsoft 365 offers). A token is asked
// for at every login, so the source should hand out the same token until
// shortly before it expires: TokenCache does that with a margin
// (DefaultRefreshMargin), and ClientCredentials makes one for the client
// credentials grant, the application identity of Microsoft 365:
//
//	// An app registration in the tenant, with the Office 365 Exchange
//	// Online application permissions SMTP.SendAsApp and IMAP.AccessAsApp,
//	// and a service principal given access to the shared mailbox.
//	tokens, err := email.ClientCredentials(ctx, &clientcredentials.Config{
//		ClientID:     clientID,
//		ClientSecret: clientSecret,
//		TokenURL:     "https://login.microsoftonline.com/" + tenantID + "/oauth2/v2.0/token",
//		Scopes:       []string{"https://outlook.office365.com/.default"},
//	})
//	sender, err := email.NewSMTPSender(email.SMTPConfig{
//		Addr:        "smtp.office365.com:587", // STARTTLS
//		Username:    "support@contoso.com",
//		TokenSource: tokens,
//		From:        channel.Address{Name: "Support", Email: "support@contoso.com"},
//	})
//	// The IMAP poller takes the same token source:
//	// imapsource.Config{Addr: "outlook.office365.com:993", Username: "support@contoso.com", TokenSource: tokens}
//
// Google Workspace has no client credentials grant: a service account
// with domain-wide delegation for the scope https://mail.google.com/
// acts as the mailbox (golang.org/x/oauth2/jwt, with Subject set to the
// mailbox), against smtp.gmail.com:587 and imap.gmail.com:993; wrap its
// TokenSource in oauth2.ReuseTokenSourceWithExpiry with the same margin,
// as its own cache would otherwise hand out a token until ten seconds
// before it expires (Example_googleWorkspace). A user's own consent
// (an oauth2.Config with a refresh token) works the same way.
//
// A refused token is a SendError that matches ErrAuthFailed, with what
// the server said (such as {"status":"invalid_token"}) and without the
// token. SMTPSender.Probe checks the connection and the credentials
// without sending, for a prerequisites panel.
//
// Everything in the package is safe for concurrent use unless its
// documentation says otherwise.
package email
