// Package imapsource reads inbound mail from an IMAP mailbox and hands
// each message, parsed by email.Parser, to an email.Receiver, such as the
// agent's inbound email entry point.
//
// A Poller logs in to one mailbox (github.com/emersion/go-imap/v2) and
// fetches what arrived since its last poll, by UID. Its position (the
// mailbox's UIDVALIDITY and the UIDs handled) lives in a State, a small
// interface that casemgmt.Store satisfies, so that a restarted poller, or
// one on another machine, goes on where the last one stopped. When the
// server changes UIDVALIDITY the old UIDs mean nothing any more and the
// poller starts over; the receiver's dedupe by mailbox and Message-ID
// absorbs what comes again.
//
// For every message, in UID order:
//
//  1. its RFC822.SIZE is read first; a message over the size limit is
//     skipped without being downloaded: it gets the keyword
//     Config.SkipFlag, is reported (Report.Skipped, Config.OnSkip and a
//     warning in the log) and stays in the mailbox for a person;
//  2. otherwise it is downloaded without setting \Seen (BODY.PEEK[]) and
//     parsed; mail that is not mail at all is skipped the same way;
//  3. the receiver gets it. Only when the receiver succeeded is the
//     position stored and then the message marked as Config.Mark says:
//     \Seen (the default), a keyword such as $CaseAgentProcessed, or moved
//     to another folder. A receiver error leaves the message as it was,
//     and the next poll offers it again (Config.MaxAttempts can bound
//     that).
//
// Run polls every Config.Interval until its context ends, or, with
// Config.Idle, waits for new mail with IMAP IDLE in between, and
// reconnects after failures with exponential backoff and jitter; PollOnce
// does one poll, for hosts that schedule polls themselves and for tests.
// Receiver failures do not count as failures of the connection: they are
// reported per message (Report.Failed) and retried on the next poll.
//
// # Wiring
//
// With a casemgmt store and agent (whose not-found error is
// casemgmt.ErrNotFound), a host runs a poller per mailbox:
//
//	parser := email.NewParser(email.WithLoopMarker("support@example.com"))
//	poller, err := imapsource.New(imapsource.Config{
//		Addr:       "imap.example.com:993",
//		Username:   "support@example.com",
//		Password:   os.Getenv("IMAP_PASSWORD"),
//		Parser:     parser,
//		Mark:       imapsource.MarkMove,
//		MoveTo:     "Processed",
//		IsNotFound: func(err error) bool { return errors.Is(err, casemgmt.ErrNotFound) },
//		Logger:     logger,
//	}, store, agent) // agent: anything with ReceiveEmail(ctx, mailbox, *email.Parsed) error
//	if err != nil {
//		return err
//	}
//	go poller.Run(ctx)
//
// # OAuth 2.0 and probes
//
// Microsoft 365 and Google Workspace refuse passwords: give
// Config.TokenSource instead of Config.Password, and the poller
// authenticates with XOAUTH2 or OAUTHBEARER (Config.Mechanism; by default
// OAUTHBEARER when the server offers it, else XOAUTH2). Use an
// email.TokenCache (email.ClientCredentials for Microsoft 365's
// application identity, see the email package) so that a token is reused
// until shortly before it expires. Since some servers, Microsoft 365
// among them, end a session when the token it logged in with expires,
// the poller logs in anew, with a fresh token, a minute before that, and
// ends an IDLE wait in time for it. For Microsoft 365 the address is outlook.office365.com:993, the
// Username the mailbox, and the token's scope
// https://outlook.office365.com/.default; for Google Workspace
// imap.gmail.com:993 and the scope https://mail.google.com/.
//
// A refused password or token is an *Error that matches
// email.ErrAuthFailed, with the token and the SASL message carrying it
// redacted. Probe (and Poller.Probe) log in, select the folder read-only
// and log out, for a prerequisites panel that checks the connection
// rather than the configuration alone.
//
// The tests of this package run against Dovecot and Postfix on loopback
// (see internal/mailtest); they are skipped where those are not
// installed.
package imapsource
