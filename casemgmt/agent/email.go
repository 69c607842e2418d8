package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	retry "github.com/caseagent/caseagent/internal/backoff"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
)

// Triggers and meta keys of email runs.
const (
	TriggerEmail = "email"
	// TriggerAcknowledgement records an acknowledgement that was not sent.
	TriggerAcknowledgement = "acknowledgement"
	// MetaSent counts the emails the agent sent about a case.
	MetaSent = "agent.sent"
)

// mailSettings configure what the agent does with email.
type mailSettings struct {
	sender   channel.Sender
	ids      email.MessageIDs
	from     channel.Address
	ackLimit int
	wait     time.Duration
	claimTTL time.Duration // 0: emailClaimTTL
}

// WithSender sets the sender of the mail the agent writes itself
// (acknowledgements). Without one, acknowledgements are recorded as not
// sent.
func WithSender(s channel.Sender, from channel.Address) Option {
	return func(a *Agent) { a.mail.sender, a.mail.from = s, from }
}

// WithMessageIDs sets the key and domain of the signed Message-IDs the
// sender gives the agent's mail, so that replies to it find their case
// even when nothing else links them.
func WithMessageIDs(ids email.MessageIDs) Option {
	return func(a *Agent) { a.mail.ids = ids }
}

// WithAckLimit sets how many acknowledgements one address receives per day
// at most (default 3).
func WithAckLimit(n int) Option { return func(a *Agent) { a.mail.ackLimit = n } }

// WithEmailWait sets how long InboundEmail waits for another delivery of
// the same message, in this process or another sharing the store, to
// finish before it gives up with ErrEmailBusy (default 30s).
func WithEmailWait(d time.Duration) Option { return func(a *Agent) { a.mail.wait = d } }

// WithClaimTTL sets how long the claims of this agent last: the claim one
// delivery of an email holds against other deliveries (default two
// minutes) and the claim on a case whose follow-up is being sent (default
// one minute). It is how long an email or a follow-up waits after the
// process handling it crashed before another process takes it over, so
// it must be longer than the handling takes (the predictor included). Zero
// or less keeps the defaults.
func WithClaimTTL(d time.Duration) Option { return func(a *Agent) { a.mail.claimTTL = d } }

// claimTTL is the TTL of a claim whose default is def.
func (a *Agent) claimTTL(def time.Duration) time.Duration {
	if a.mail.claimTTL > 0 {
		return a.mail.claimTTL
	}
	return def
}

// ReceiveEmail implements email.Receiver: it hands a parsed message that
// arrived in mailbox to InboundEmail.
func (a *Agent) ReceiveEmail(ctx context.Context, mailbox string, p *email.Parsed) error {
	if p == nil {
		return fmt.Errorf("%w: nil message", casemgmt.ErrInvalid)
	}
	_, err := a.InboundEmail(ctx, mailbox, &p.Message)
	return err
}

// ReceiveEmailReceipt implements email.ReceiptReceiver: ReceiveEmail,
// and what became of the message.
func (a *Agent) ReceiveEmailReceipt(ctx context.Context, mailbox string, p *email.Parsed) (channel.Receipt, error) {
	if p == nil {
		return channel.Receipt{}, fmt.Errorf("%w: nil message", casemgmt.ErrInvalid)
	}
	res, err := a.InboundEmail(ctx, mailbox, &p.Message)
	if err != nil {
		return channel.Receipt{}, err
	}
	return res.Receipt(), nil
}

// InboundEmail processes one inbound email that arrived in mailbox:
//
//   - a message already processed (the same Message-ID, linked to a case
//     or skipped before in the same mailbox) is a duplicate and changes
//     nothing, with no prediction; deliveries of one message at the same
//     time are processed once: the others wait for it and are duplicates
//     (or, after the wait set by WithEmailWait, fail with ErrEmailBusy);
//   - an auto-reply or a bounce, or mail from the agent's own address or
//     the mailbox itself (a loop, or a copy of a representative's mail),
//     is linked to its case, when it has one, and triggers nothing else:
//     no prediction, no acknowledgement, no status change;
//   - a reply (by In-Reply-To or References, by the signed token in our own
//     Message-IDs, or by the case number in the subject when the sender is
//     the case's contact) is linked to its case and updates it;
//   - a new email (or a forward) goes through the intake rules: the first
//     that holds creates the case with its initial fields, deals with an
//     unknown sender, and may acknowledge; then the agent fills the fields
//     it has context for, leaving the intake rule's values alone.
//
// Every outcome, skips included, is recorded with its reason.
func (a *Agent) InboundEmail(ctx context.Context, mailbox string, m *channel.Message) (res *Result, err error) {
	ctx, span := a.tel.startEmail(ctx, mailbox, m)
	defer func() { span.end(res, err) }()
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", casemgmt.ErrInvalid)
	}
	msg := *m
	msg.Kind, msg.Direction = channel.KindEmail, channel.Inbound
	if msg.Role == "" {
		msg.Role = channel.RoleCustomer
		if msg.Automated() {
			msg.Role = channel.RoleSystem
		}
	}
	msg.ID = strings.Trim(strings.TrimSpace(msg.ID), "<>")
	if msg.ID == "" {
		msg.ID = syntheticID(&msg)
	}
	r := &run{a: a, trigger: TriggerEmail, mailbox: mailbox, start: a.now()}
	// The record names the delivery (mailbox and Message-ID) as its
	// conversation: a skipped email's record is what makes a redelivery a
	// duplicate, and it goes when records are purged.
	r.in = &casemgmt.Interaction{Trigger: TriggerEmail, Actor: a.actor(), MessageIDs: []string{msg.ID}, Time: r.start,
		ConversationID: emailKey(mailbox, msg.ID)}
	link := casemgmt.Link{Kind: casemgmt.LinkEmail, ID: msg.ID}
	if err := link.Validate(); err != nil {
		return nil, err
	}
	key := emailKey(mailbox, msg.ID)
	// A redelivery of a message processed before changes nothing.
	if c, dup, err := a.processed(ctx, key, msg.ID); err != nil {
		return nil, err
	} else if dup {
		return r.finish(ctx, casemgmt.OutcomeDuplicate, "duplicate delivery of "+msg.ID, c, nil)
	}
	// Concurrent deliveries of one message: one processes it, the others
	// wait for it and are then duplicates. No prediction is made for them.
	if !a.shadow {
		release, c, dup, err := a.claimEmail(ctx, key, msg.ID)
		if err != nil {
			return nil, err
		}
		if dup {
			return r.finish(ctx, casemgmt.OutcomeDuplicate, "duplicate delivery of "+msg.ID, c, nil)
		}
		defer release()
	}
	c, how, err := a.threadCase(ctx, &msg)
	if err != nil {
		return nil, err
	}
	own := a.ownAddress(mailbox, msg.From.Email)
	if msg.Automated() || own {
		kind := "auto-reply"
		switch {
		case msg.Bounce:
			kind = "bounce"
		case own:
			// Mail from our own address coming back in is a loop, or a
			// copy of what a representative sent: it is kept with its
			// case but is not a customer writing.
			kind = "email from the agent's own address"
		}
		if c == nil {
			return r.skipEmail(ctx, kind+" that belongs to no case")
		}
		r.in.CaseID = c.ID
		if err := r.relate(ctx, c.ID, link, "stored the "+kind+" on its case", true); err != nil {
			return nil, err
		}
		if own { // a representative's copy counts as a follow-up (repemail.go)
			a.representativeCopy(ctx, c.ID, &msg)
		}
		return &Result{Outcome: casemgmt.OutcomeSkipped, Reason: kind + " stored on its case; no prediction", Case: c, Interaction: r.in}, nil
	}
	if msg.Bulk {
		// List, bulk or junk mail: kept with its case when it threads to
		// one; otherwise only an intake rule that accepts bulk mail makes
		// a case of it.
		if c != nil {
			r.in.CaseID = c.ID
			if err := r.relate(ctx, c.ID, link, "stored the list or bulk email on its case", true); err != nil {
				return nil, err
			}
			return &Result{Outcome: casemgmt.OutcomeSkipped, Reason: "list or bulk email stored on its case; no prediction", Case: c, Interaction: r.in}, nil
		}
		return r.afterRun(ctx)(r.emailIntake(ctx, &msg))
	}
	if c != nil && !a.isParticipant(ctx, c, msg.From.Email) {
		// A stranger who cites the case's messages does not write into
		// it: the email waits on the case for a person, or starts a case
		// of its own.
		if a.cfg.StrangerReplies != StrangerRepliesNewCase {
			r.in.CaseID = c.ID
			why := fmt.Sprintf("reply from %s, who is not a participant of the case (threaded by %s), kept for a person; no prediction", msg.From.Email, how)
			if err := r.relate(ctx, c.ID, link, why, true); err != nil {
				return nil, err
			}
			return &Result{Outcome: casemgmt.OutcomeSkipped, Reason: why, Case: c, Interaction: r.in}, nil
		}
		c = nil
	}
	if c != nil {
		return r.afterRun(ctx)(r.emailReply(ctx, &msg, c, how))
	}
	return r.afterRun(ctx)(r.emailIntake(ctx, &msg))
}

// ErrEmailBusy is returned by InboundEmail when another delivery of the
// same message has been processing it for longer than the agent waits for
// it (see WithEmailWait). Nothing was changed; deliver the message again
// later.
var ErrEmailBusy = errors.New("casemgmt: the email is being processed by another delivery")

// emailClaimTTL is how long one delivery holds a message against others:
// longer than any processing, short enough that a delivery that crashed
// does not hold the message for long.
const emailClaimTTL = 2 * time.Minute

// defaultEmailWait is how long a delivery waits for another delivery of
// the same message to finish.
const defaultEmailWait = 30 * time.Second

// processedPrefix is the state key prefix under which earlier versions
// marked emails they skipped; such marks are still read.
const processedPrefix = "casemgmt:email:processed:"

// processed reports whether a message was processed before: it is linked
// to a case (created from it, or a reply or auto-reply stored on it), or
// it was skipped when it arrived in the same mailbox (the skip's record,
// whose conversation is the delivery's key, says so until records older
// than a tenant's retention are purged).
func (a *Agent) processed(ctx context.Context, key, msgID string) (*casemgmt.Case, bool, error) {
	cs, err := a.store.FindCasesByMessageID(ctx, []string{msgID})
	if err != nil {
		return nil, false, err
	}
	if len(cs) > 0 {
		return cs[0], true, nil
	}
	ins, err := a.store.ListInteractions(ctx, casemgmt.InteractionQuery{ConversationID: key, Outcome: casemgmt.OutcomeSkipped})
	if err != nil {
		return nil, false, err
	}
	for _, in := range ins {
		if !in.Shadow {
			return nil, true, nil
		}
	}
	_, err = a.store.GetState(ctx, processedPrefix+key)
	switch {
	case err == nil:
		return nil, true, nil
	case errors.Is(err, casemgmt.ErrNotFound):
		return nil, false, nil
	}
	return nil, false, err
}

// claimEmail claims a message for this delivery. When another delivery
// holds it, it waits until that one is done (then the message is a
// duplicate, dup is true) or its claim expires, at most the agent's email
// wait; then the error is ErrEmailBusy. release gives the claim up.
func (a *Agent) claimEmail(ctx context.Context, key, msgID string) (release func(), c *casemgmt.Case, dup bool, err error) {
	name, owner := "email:"+msgID, casemgmt.NewID("delivery_")
	wait := a.mail.wait
	if wait <= 0 {
		wait = defaultEmailWait
	}
	deadline := time.Now().Add(wait)
	for attempt := 0; ; attempt++ {
		ok, err := a.store.AcquireClaim(ctx, name, owner, a.claimTTL(emailClaimTTL))
		if err != nil {
			return nil, nil, false, err
		}
		if ok {
			release = func() {
				if err := a.store.ReleaseClaim(context.WithoutCancel(ctx), name, owner); err != nil {
					a.log.WarnContext(ctx, "could not release an email claim", "message", msgID, "err", err)
				}
			}
			// The holder before us may have finished just now.
			c, dup, err := a.processed(ctx, key, msgID)
			if err != nil || dup {
				release()
				return nil, c, dup, err
			}
			return release, nil, false, nil
		}
		if c, dup, err := a.processed(ctx, key, msgID); err != nil || dup {
			return nil, c, dup, err
		}
		if time.Now().After(deadline) {
			return nil, nil, false, fmt.Errorf("%w: %s", ErrEmailBusy, msgID)
		}
		if err := retry.Sleep(ctx, time.Millisecond<<min(attempt, 7)); err != nil {
			return nil, nil, false, err
		}
	}
}

// skipEmail records that the run's email was skipped, and why: the record
// makes a redelivery a duplicate.
func (r *run) skipEmail(ctx context.Context, reason string) (*Result, error) {
	return r.finish(ctx, casemgmt.OutcomeSkipped, reason, nil, nil)
}

// ownAddress reports whether addr is the agent's sending address or the
// mailbox the email arrived in.
func (a *Agent) ownAddress(mailbox, addr string) bool {
	addr = channel.NormalizeEmail(addr)
	return addr != "" && (addr == channel.NormalizeEmail(a.mail.from.Email) || addr == channel.NormalizeEmail(mailbox))
}

// syntheticID names a message that has no Message-ID by its content.
func syntheticID(m *channel.Message) string {
	h := sha256.New()
	for _, s := range []string{m.From.Email, m.Subject, m.Time.UTC().Format(time.RFC3339), m.Text} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "sha256." + hex.EncodeToString(h.Sum(nil)[:16]) + "@caseagent.invalid"
}

// threadCase finds the case an email continues, and says how.
func (a *Agent) threadCase(ctx context.Context, m *channel.Message) (*casemgmt.Case, string, error) {
	if m.Bounce && m.BouncedMessageID != "" {
		if cs, err := a.store.FindCasesByMessageID(ctx, []string{m.BouncedMessageID}); err != nil {
			return nil, "", err
		} else if len(cs) > 0 {
			return cs[0], "bounced message", nil
		}
	}
	if email.IsForward(m) {
		return nil, "", nil
	}
	if id, ok := a.mail.ids.CaseOf(m); ok {
		c, err := a.store.GetCase(ctx, id)
		if err == nil {
			return c, "signed Message-ID", nil
		}
		if !errors.Is(err, casemgmt.ErrNotFound) {
			return nil, "", err
		}
	}
	if keys := email.ThreadKeys(m); len(keys) > 0 {
		cs, err := a.store.FindCasesByMessageID(ctx, keys)
		if err != nil {
			return nil, "", err
		}
		if len(cs) > 0 {
			// The most recent case of the thread.
			return cs[len(cs)-1], "In-Reply-To/References", nil
		}
	}
	// The case number in the subject counts only when the sender is the
	// case's contact, so that a guessed number cannot attach mail to a
	// stranger's case.
	for _, num := range email.CaseNumbers(m.Subject) {
		c, err := a.store.GetCaseByNumber(ctx, num)
		if errors.Is(err, casemgmt.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if a.isParticipant(ctx, c, m.From.Email) {
			return c, "case number in the subject", nil
		}
	}
	return nil, "", nil
}

// isParticipant reports whether addr is the email of the case's contact or
// of a contact linked to it.
func (a *Agent) isParticipant(ctx context.Context, c *casemgmt.Case, addr string) bool {
	addr = channel.NormalizeEmail(addr)
	if addr == "" {
		return false
	}
	ids := append([]string{c.ContactID}, c.LinkIDs(casemgmt.LinkContact)...)
	for _, id := range ids {
		if id == "" {
			continue
		}
		ct, err := a.store.GetContact(ctx, id)
		if err == nil && channel.NormalizeEmail(ct.Email) == addr {
			return true
		}
	}
	return false
}

// relate links the run's email to a case, with the run's record when
// record is set; the email's key makes a concurrent redelivery a no-op.
func (r *run) relate(ctx context.Context, caseID string, l casemgmt.Link, why string, record bool) error {
	a := r.a
	var in *casemgmt.Interaction
	if record {
		in = r.in
		in.CaseID, in.Outcome, in.Reason = caseID, casemgmt.OutcomeSkipped, why
		in.Latency = a.now().Sub(r.start)
	}
	if a.shadow {
		if in == nil {
			return nil
		}
		return a.record(ctx, in)
	}
	now := a.now()
	err := a.store.Relate(ctx, caseID, l, casemgmt.Write{Time: now, Audit: []casemgmt.AuditEntry{casemgmt.LinkAudit(caseID, l, false, a.stamp(why, now))},
		Interaction: in, Key: r.emailKey()})
	if errors.Is(err, casemgmt.ErrKeyUsed) || errors.Is(err, casemgmt.ErrDuplicate) {
		return nil
	}
	return err
}

func emailKey(mailbox, msgID string) string {
	return "email:" + channel.NormalizeEmail(mailbox) + ":" + msgID
}

// emailKey is the key of the run's email (its first message id).
func (r *run) emailKey() string { return emailKey(r.mailbox, r.in.MessageIDs[0]) }

// emailReply links a reply to its case and updates the case from it.
func (r *run) emailReply(ctx context.Context, m *channel.Message, c *casemgmt.Case, how string) (*Result, error) {
	a := r.a
	r.in.CaseID = c.ID
	r.conv = emailConversation(c, m)
	res, err := r.updateCase(ctx, c)
	if err != nil {
		// Nothing is linked yet: a redelivery processes the reply again.
		return nil, err
	}
	// A reply to a case waiting on the customer settles or reopens it.
	if after, err := a.customerReplied(ctx, c.ID, m); err != nil {
		return nil, err
	} else if !a.shadow {
		res.Case = after
	}
	// The link comes last and makes a redelivery a duplicate. Should the
	// process stop before it, the redelivery finds the update done (the
	// case remembers what its last prediction saw) and only links.
	if err := r.relate(ctx, c.ID, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: m.ID}, "reply threaded by "+how, false); err != nil {
		return nil, err
	}
	if !a.shadow {
		if after, err := a.store.GetCase(ctx, c.ID); err == nil {
			res.Case = after
		}
	}
	return res, nil
}

// emailConversation is the conversation a prediction sees for an email:
// the message alone, with the case's values as context.
func emailConversation(c *casemgmt.Case, m *channel.Message) *channel.Conversation {
	id := "email:" + m.ID
	if c != nil {
		id = "case:" + c.ID
	}
	return &channel.Conversation{
		ID: id, Kind: channel.KindEmail, Status: channel.StatusActive,
		Customer: channel.Customer{Name: m.From.Name, Email: m.From.Email},
		Messages: []channel.Message{*m}, StartedAt: m.Time,
	}
}

// emailIntake runs the intake rules on a new email: the first rule that
// holds creates the case with its fields, the agent fills what it has
// context for, and the rule's acknowledgement may follow.
func (r *run) emailIntake(ctx context.Context, m *channel.Message) (*Result, error) {
	a := r.a
	ir, skip := r.intakeRule(ctx, m)
	if ir == nil {
		return r.skipEmail(ctx, skip)
	}
	contact, skip, err := r.intakeSender(ctx, m, ir)
	if err != nil || skip != "" {
		if err != nil {
			return nil, err
		}
		return r.skipEmail(ctx, skip)
	}
	in := &intake{rule: ir, m: m, contact: contact, now: a.now(), vars: emailVars(r.mailbox, m),
		c: &casemgmt.Case{Status: casemgmt.StatusActive, Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: m.ID}}}}
	r.intakeValues(ctx, in)
	r.fillFromEmail(ctx, in)
	if r.answersWithoutCase(ctx, in) {
		// The case as it would be, for resolution to read.
		tmp := &casemgmt.Case{Status: casemgmt.StatusActive, ContactID: in.contact.ID}
		if _, err := a.schema.Apply(ctx, tmp, in.changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: in.now}); err == nil {
			saved := in.c
			in.c = tmp
			res, err := r.answerWithoutCase(ctx, in)
			in.c = saved
			if err != nil || res != nil {
				return res, err
			}
		}
	}
	return r.createFromEmail(ctx, in)
}

// intake is what the steps of one email intake share.
type intake struct {
	rule    *IntakeRule
	m       *channel.Message
	contact *casemgmt.Contact
	now     time.Time
	vars    map[string]string // the templates' placeholders
	c       *casemgmt.Case    // the case to create

	changes   []casemgmt.Change     // field values, by the rule, then predicted
	attrAudit []casemgmt.AuditEntry // case attributes the rule set
	set       map[string]bool       // the fields the rule or the system set
}

// intakeRule returns the first intake rule that holds for the email, or
// nil and why none does.
func (r *run) intakeRule(ctx context.Context, m *channel.Message) (*IntakeRule, string) {
	a := r.a
	rv := a.rules.intake.NewValues()
	_ = rv.Set(VarChannel, string(channel.KindEmail))
	if m.From.Email != "" {
		_ = rv.Set(VarFrom, m.From.Email)
	}
	var to []string
	for _, ad := range append(slices.Clone(m.To), m.Cc...) {
		if ad.Email != "" {
			to = append(to, ad.Email)
		}
	}
	if r.mailbox != "" && !slices.ContainsFunc(to, func(s string) bool { return strings.EqualFold(s, r.mailbox) }) {
		to = append(to, r.mailbox)
	}
	if len(to) > 0 {
		_ = rv.Set(VarTo, to)
	}
	if m.Subject != "" {
		_ = rv.Set(VarSubject, m.Subject)
	}
	if m.Text != "" {
		_ = rv.Set(VarBody, m.Text)
	}
	rule, errs := a.rules.intake.First(rv)
	for _, e := range errs {
		a.log.WarnContext(ctx, "intake rule failed", "rule", e.Rule, "err", e.Err)
	}
	if rule == nil {
		return nil, "no intake rule matches the email"
	}
	ir := &a.cfg.IntakeRules[rule.Action]
	if m.Bulk && !ir.AcceptBulk {
		return nil, fmt.Sprintf("list or bulk email (intake rule %q does not accept bulk mail)", ir.Name)
	}
	return ir, ""
}

// intakeSender finds the sender's contact, or creates it when the rule
// says so, and checks the rule's conditions on the sender's other cases.
// It returns why the email is skipped, or "".
func (r *run) intakeSender(ctx context.Context, m *channel.Message, ir *IntakeRule) (*casemgmt.Contact, string, error) {
	a := r.a
	var contact *casemgmt.Contact
	if addr := m.From.Email; addr != "" {
		cs, err := a.store.FindContacts(ctx, predict.ContactQuery{Email: addr})
		if err != nil {
			return nil, "", err
		}
		if len(cs) > 0 {
			contact = &cs[0]
		}
	}
	if contact == nil {
		if m.From.Email == "" {
			return nil, fmt.Sprintf("intake rule %q: the email has no sender address", ir.Name), nil
		}
		// Skipping is the default: only a rule that says so creates
		// contacts.
		if ir.UnknownSenders != UnknownSendersCreateContact {
			return nil, fmt.Sprintf("intake rule %q skips unknown senders (%s)", ir.Name, m.From.Email), nil
		}
		var err error
		if contact, err = r.newContact(ctx, m.From); err != nil {
			return nil, "", err
		}
	}
	if !ir.RequireNoOpenCase && ir.WaitAfterResolved <= 0 {
		return contact, "", nil
	}
	cs, err := a.store.FindCasesByContact(ctx, contact.ID, casemgmt.Filter{})
	if err != nil {
		return nil, "", err
	}
	now := a.now()
	for _, c := range cs {
		if ir.RequireNoOpenCase && c.Status.Open() {
			return nil, fmt.Sprintf("intake rule %q: the sender has an open case %s", ir.Name, c.Number), nil
		}
		if w := time.Duration(ir.WaitAfterResolved); w > 0 && c.Status == casemgmt.StatusResolved && now.Sub(c.StatusChangedAt) < w {
			return nil, fmt.Sprintf("intake rule %q: case %s of the sender was resolved less than %s ago", ir.Name, c.Number, w), nil
		}
	}
	return contact, "", nil
}

// newContact creates the contact of an unknown sender (in shadow mode, a
// stand-in that is not stored).
func (r *run) newContact(ctx context.Context, from channel.Address) (*casemgmt.Contact, error) {
	a := r.a
	if a.shadow {
		return &casemgmt.Contact{ID: "(new contact)", Name: from.Name, Email: from.Email}, nil
	}
	ct := &casemgmt.Contact{Name: from.Name, Email: from.Email, CreatedAt: a.now()}
	err := a.store.CreateContact(ctx, ct)
	if errors.Is(err, casemgmt.ErrDuplicate) {
		// Another delivery created it meanwhile.
		cs, ferr := a.store.FindContacts(ctx, predict.ContactQuery{Email: from.Email})
		if ferr != nil || len(cs) == 0 {
			return nil, errors.Join(err, ferr)
		}
		return &cs[0], nil
	}
	if err != nil {
		return nil, err
	}
	return ct, nil
}

// intakeValues sets the rule's fields and attributes, the sender as the
// contact, and the origin.
func (r *run) intakeValues(ctx context.Context, in *intake) {
	a, ir, m := r.a, in.rule, in.m
	ruleActor := casemgmt.Actor{Kind: casemgmt.ActorIntakeRule, ID: ir.Name}
	in.set = map[string]bool{}
	for _, k := range sortedKeys(ir.Set) {
		v := ir.Set[k]
		if s, ok := v.(string); ok {
			v = renderTemplate(s, in.vars)
		}
		if !a.schema.Has(k) {
			// A case attribute the schema has no field for (title,
			// origin, status, status reason).
			entries, why := setAttribute(in.c, k, v, casemgmt.Stamp{Actor: ruleActor, Reason: "set by intake rule " + ir.Name, Time: in.now})
			if why != "" {
				a.log.WarnContext(ctx, "intake rule value not used", "rule", ir.Name, "attribute", k, "reason", why)
				r.in.Fields = append(r.in.Fields, casemgmt.FieldOutcome{Field: k, Value: fmt.Sprint(v), Reason: "intake rule value not used: " + why})
			}
			in.attrAudit = append(in.attrAudit, entries...)
			continue
		}
		// A template can make a value the field refuses: it is left out,
		// and the field is predicted instead.
		if _, err := a.schema.Validate(ctx, k, v, a.store); err != nil {
			a.log.WarnContext(ctx, "intake rule value not used", "rule", ir.Name, "field", k, "err", err)
			r.in.Fields = append(r.in.Fields, casemgmt.FieldOutcome{Field: k, Value: fmt.Sprint(v), Reason: "intake rule value not used: " + errText(err)})
			continue
		}
		in.changes = append(in.changes, casemgmt.Change{Field: k, Value: v, Reason: "set by intake rule " + ir.Name,
			Provenance: casemgmt.Provenance{Actor: ruleActor, Rule: ir.Name, MessageIDs: []string{m.ID}}})
		in.set[k] = true
	}
	if f, ok := a.schema.Field(casemgmt.FieldContact); ok && !in.set[casemgmt.FieldContact] && f.Lookup == predict.LookupContacts && !a.shadow {
		in.changes = append(in.changes, casemgmt.Change{Field: casemgmt.FieldContact, Value: in.contact.ID, Reason: "the sender of the email",
			Provenance: casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem, ID: "email"}, MessageIDs: []string{m.ID}}})
		in.set[casemgmt.FieldContact] = true
	}
	if !in.set[casemgmt.FieldOrigin] {
		for _, ch := range a.originChange(channel.KindEmail) {
			in.changes = append(in.changes, ch)
			in.set[casemgmt.FieldOrigin] = true
		}
	}
	if a.shadow {
		in.c.ContactID = in.contact.ID
	}
}

// fillFromEmail predicts the fields the rule left, for the agent to fill
// what it has context for. A prediction that fails leaves them for the
// next message: the case is still created from the rule.
func (r *run) fillFromEmail(ctx context.Context, in *intake) {
	a, m := r.a, in.m
	var names []string
	for _, n := range a.candidateFields(a.cfg.Create.Fields) {
		if !in.set[n] {
			names = append(names, n)
		}
	}
	r.conv = emailConversation(nil, m)
	if email.IsForward(m) && m.Quoted != "" {
		// What a customer forwards is what they are writing about.
		fwd := &r.conv.Messages[0]
		fwd.Text = strings.TrimSpace(fwd.Text + "\n\n" + fwd.Quoted)
		fwd.Quoted = ""
	}
	if len(names) == 0 {
		return
	}
	if _, err := r.predict(ctx, nil, names); err != nil {
		a.log.WarnContext(ctx, "prediction failed for a new email", "message", m.ID, "err", err)
		r.in.Reason = "prediction failed: " + errText(err)
		return
	}
	// Evaluate rules with the rule's values in.
	tmp := &casemgmt.Case{Status: casemgmt.StatusActive}
	if _, err := a.schema.Apply(ctx, tmp, in.changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Now: in.now}); err == nil {
		in.changes = r.plan(ctx, tmp, a.cfg.Create.Fields, in.changes, false)
	} else {
		in.changes = r.plan(ctx, in.c, a.cfg.Create.Fields, in.changes, false)
	}
}

// createFromEmail applies the intake's changes, stores the case with its
// audit and the run's record, and acknowledges the email when the rule
// says so.
func (r *run) createFromEmail(ctx context.Context, in *intake) (*Result, error) {
	a, c, m, ir := r.a, in.c, in.m, in.rule
	var contacts casemgmt.ContactGetter = a.store
	if a.shadow {
		contacts = nil
	}
	applied, err := a.schema.Apply(ctx, c, in.changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: contacts, Now: in.now})
	if err != nil {
		return r.failed(ctx, err)
	}
	a.markApplied(r.in, applied)
	applied.Audit = append(applied.Audit, a.titleCase(ctx, c, r.conv, in.now)...)
	if c.ContactID == "" {
		c.ContactID = in.contact.ID
	}
	ruleActor := casemgmt.Actor{Kind: casemgmt.ActorIntakeRule, ID: ir.Name}
	audit := append([]casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: ruleActor, Reason: "created from email " + m.ID + " by intake rule " + ir.Name, Time: in.now}}, in.attrAudit...)
	audit = append(audit, applied.Audit...)
	r.in.Outcome = casemgmt.OutcomeCreated
	r.in.Latency = a.now().Sub(r.start)
	if a.shadow {
		return r.shadowed(ctx, "would create a case", &Result{Case: c, Changes: audit})
	}
	err = a.store.CreateCase(ctx, c, casemgmt.Write{Time: in.now, Audit: audit, Interaction: r.in, Key: r.emailKey()})
	if errors.Is(err, casemgmt.ErrKeyUsed) || errors.Is(err, casemgmt.ErrDuplicate) {
		// A concurrent delivery of the same email won.
		cs, ferr := a.store.FindCasesByMessageID(ctx, []string{m.ID})
		if ferr == nil && len(cs) > 0 {
			return &Result{Outcome: casemgmt.OutcomeDuplicate, Reason: "duplicate delivery of " + m.ID, Case: cs[0]}, nil
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if ir.Acknowledge != nil {
		if why := r.acknowledge(ctx, c, m, ir, addCaseVars(in.vars, c, in.contact.Name)); why != "" {
			// The case stands; the acknowledgement that was not sent is
			// recorded with its reason.
			a.log.InfoContext(ctx, "acknowledgement not sent", "case", c.ID, "reason", why)
			skip := &casemgmt.Interaction{CaseID: c.ID, MessageIDs: []string{m.ID}, Trigger: TriggerAcknowledgement,
				Actor: a.actor(), Outcome: casemgmt.OutcomeSkipped, Reason: "acknowledgement not sent: " + why}
			if err := a.record(ctx, skip); err != nil {
				a.log.WarnContext(ctx, "could not record an unsent acknowledgement", "case", c.ID, "err", err)
			}
		}
	}
	return &Result{Outcome: casemgmt.OutcomeCreated, Case: c, Changes: audit, Interaction: r.in}, nil
}

// setAttribute sets a case attribute that is not a schema field, as an
// intake rule asks, and returns the audit entries of the change, or why
// the value cannot be used.
func setAttribute(c *casemgmt.Case, name string, v any, by casemgmt.Stamp) ([]casemgmt.AuditEntry, string) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Sprintf("%v is not text", v)
	}
	switch name {
	case casemgmt.FieldTitle:
		c.Title = clip(s, 200)
	case casemgmt.FieldOrigin:
		c.Origin = s
	case casemgmt.AttrStatus:
		es, err := casemgmt.SetStatus(c, casemgmt.Status(s), c.StatusReason, by)
		if err != nil {
			return nil, errText(err)
		}
		return es, ""
	case casemgmt.AttrStatusReason:
		es, err := casemgmt.SetStatus(c, c.Status, s, by)
		if err != nil {
			return nil, errText(err)
		}
		return es, ""
	default:
		return nil, "unknown field"
	}
	return []casemgmt.AuditEntry{{Field: name, New: s, Actor: by.Actor, Reason: by.Reason, Time: by.Time}}, ""
}

// addressSeparators are left out when a local part is compared.
var addressSeparators = strings.NewReplacer("-", "", "_", "", ".", "")

// noReply matches addresses that must never get automatic mail.
func noReply(addr string) bool {
	local, _, _ := strings.Cut(channel.NormalizeEmail(addr), "@")
	local = addressSeparators.Replace(local)
	switch {
	case local == "", strings.HasPrefix(local, "noreply"), strings.HasPrefix(local, "donotreply"),
		local == "mailerdaemon", local == "postmaster", strings.HasPrefix(local, "bounce"), local == "notifications":
		return true
	}
	return false
}

// acknowledge sends the intake rule's acknowledgement, at most ackLimit a
// day per address, never to machines, no-reply addresses or the agent's
// own addresses. It returns why it sent nothing, or "".
func (r *run) acknowledge(ctx context.Context, c *casemgmt.Case, m *channel.Message, ir *IntakeRule, vars map[string]string) string {
	a := r.a
	to := channel.NormalizeEmail(m.From.Email)
	switch {
	case to == "":
		return "the email has no sender address"
	case m.Automated():
		return "the email was sent by a machine"
	case m.Bulk:
		return "the email is list or bulk mail: an answer would reach every member"
	case noReply(to):
		return to + " is a no-reply address"
	case a.ownAddress(r.mailbox, to):
		return to + " is the agent's own address"
	case a.mail.sender == nil:
		return "no sender is configured"
	}
	if why := a.allowMail(ctx, "ack", to); why != "" {
		return why
	}
	subject := renderTemplate(ir.Acknowledge.Subject, vars)
	if subject == "" {
		subject = "Re: " + m.Subject
	}
	out := &channel.Outgoing{
		From: a.mail.from, To: []channel.Address{m.From}, Subject: subject,
		Text: renderTemplate(ir.Acknowledge.Body, vars), InReplyTo: m.ID,
		References: append(slices.Clone(m.References), m.ID), Automated: true, CaseID: c.ID,
	}
	id, err := a.mail.sender.Send(ctx, out)
	if err != nil {
		return "sending failed: " + errText(err)
	}
	if err := a.recordSent(ctx, c.ID, id, "acknowledgement sent", out); err != nil {
		a.log.WarnContext(ctx, "acknowledgement sent but not recorded", "case", c.ID, "message", id, "err", err)
	}
	return ""
}

// allowMail counts one automatic message of a kind to an address today
// and returns why it may not be sent: at most the agent's limit a day per
// address and kind (WithAckLimit, default 3), shared by every process.
func (a *Agent) allowMail(ctx context.Context, kind, to string) string {
	limit := a.mail.ackLimit
	if limit <= 0 {
		limit = 3
	}
	day := a.now().UTC().Format("2006-01-02")
	for i := 0; i < limit; i++ {
		first, err := a.store.UseKey(ctx, kind+":"+to+":"+day+":"+strconv.Itoa(i))
		if err != nil {
			return "counting the day's messages failed: " + errText(err)
		}
		if first {
			return ""
		}
	}
	return fmt.Sprintf("the limit of %d automatic messages (%s) a day to %s is reached", limit, kind, to)
}

// recordSent links mail the agent sent to its case and counts it, with an
// "email sent" event on the change feed.
func (a *Agent) recordSent(ctx context.Context, caseID, msgID, why string, m *channel.Outgoing) error {
	msgID = strings.Trim(msgID, "<> ")
	ev := casemgmt.Event{Kind: casemgmt.ChangeEmailSent, Actor: a.actor(), Reason: why,
		Data: map[string]string{"message_id": msgID, "subject": m.Subject}}
	if msgID != "" {
		ev.MessageIDs = []string{msgID}
	}
	if len(m.To) > 0 {
		ev.Data["to"] = m.To[0].Email
	}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(c.Meta[MetaSent])
		if c.Meta == nil {
			c.Meta = map[string]string{}
		}
		c.Meta[MetaSent] = strconv.Itoa(n + 1)
		now := a.now()
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Events: []casemgmt.Event{ev}})
		if again, err := a.retryable(ctx, attempt, err); again {
			continue
		} else if err != nil {
			return err
		}
		break
	}
	if msgID == "" {
		return nil
	}
	l := casemgmt.Link{Kind: casemgmt.LinkEmail, ID: msgID}
	now := a.now()
	return a.store.Relate(ctx, caseID, l, casemgmt.Write{Time: now, Audit: []casemgmt.AuditEntry{casemgmt.LinkAudit(caseID, l, false, a.stamp(why, now))}})
}

// SentCount returns how many emails the agent has sent about the case.
func SentCount(c *casemgmt.Case) int {
	n, _ := strconv.Atoi(c.Meta[MetaSent])
	return n
}
