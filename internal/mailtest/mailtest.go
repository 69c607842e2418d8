// Package mailtest starts private mail servers for tests: Dovecot serving
// IMAP and, when asked, Postfix accepting SMTP and delivering into the same
// Maildirs, so that mail sent over SMTP can be read back over IMAP.
//
// Start(t, cfg) writes the servers' configuration into a temporary folder,
// starts them as child processes on free ports of 127.0.0.1 (nothing else
// listens anywhere), and stops them and removes the folder when t ends.
// Dovecot speaks IMAP in clear text, with STARTTLS, and over implicit TLS
// (IMAPSAddr) with a certificate made for the server that TLSConfig
// trusts. Users live in a passwd-file (no system users are needed); mail
// is stored as user nobody. RestartIMAP, Kick and SetUIDValidity stage
// the failures a mail client must survive.
//
// Besides passwords, both servers take OAuth 2.0 access tokens (SASL
// XOAUTH2 and OAUTHBEARER): IssueToken makes a token for a user, which
// Dovecot's oauth2 passdb checks at every login against an RFC 7662
// introspection endpoint the Server runs on loopback, until it expires or
// RevokeToken revokes it. Postfix's submission ports (SubmissionAddr with
// STARTTLS, SubmissionsAddr with implicit TLS) require SMTP AUTH, which
// Postfix hands to Dovecot, so SMTP logins are checked the same way.
//
// The servers come from Debian's packages dovecot-imapd (with
// dovecot-core, which has the oauth2 passdb) and postfix, which
// .ci/mail.sh installs. When the binaries are absent, or
// the test does not run as root (both daemons drop privileges from root),
// the test is skipped with a message that says how to enable it.
//
// All functions and Server methods are safe for concurrent use.
package mailtest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Domain is the mail domain of every user of a Server.
const Domain = "example.test"

const enableHint = "install Debian's dovecot-imapd (and postfix for SMTP) and run the tests as root; .ci/mail.sh does both installs"

// Config says which servers Start starts.
type Config struct {
	// SMTP also starts Postfix, delivering mail for Domain to the users'
	// Maildirs. Dovecot always runs.
	SMTP bool
	// MaxMessageSize is Postfix's message_size_limit; default 50 MB.
	MaxMessageSize int64
	// Users are the local parts of the mailboxes created at start (see
	// Server.User). More can be added with AddUser.
	Users []string
}

// User is a mailbox of a Server.
type User struct {
	// Address is the user name for IMAP login and the mail address.
	Address  string
	Password string
}

// Server is a running private Dovecot and, with Config.SMTP, Postfix.
type Server struct {
	dir      string
	uid, gid int

	issuer *issuer

	mu        sync.Mutex
	users     map[string]User
	dovecot   *proc
	postfix   *proc
	imapAddr  string
	imapsAddr string
	certPool  *x509.CertPool
	smtpAddr  string

	submissionAddr, submissionsAddr string
}

// errMissing reports that a binary the servers need is not installed.
var errMissing = errors.New("mail server binaries not found")

// Start starts the servers cfg asks for and returns them; they stop when t
// ends. It skips t when the servers are not available and fails it when
// they do not start.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	if err := available(cfg); err != nil {
		t.Skipf("mailtest: %v; to run this test, %s", err, enableHint)
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = 50 << 20
	}
	uid, gid, err := mailOwner()
	if err != nil {
		t.Skipf("mailtest: %v; to run this test, %s", err, enableHint)
	}
	dir, err := os.MkdirTemp("", "mailtest-")
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	s := &Server{dir: dir, uid: uid, gid: gid, users: map[string]User{}}
	t.Cleanup(s.stop)
	if err := s.setup(cfg); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	if hasOAuthPassdb() {
		if s.issuer, err = startIssuer(dir); err != nil {
			t.Fatalf("mailtest: %v", err)
		}
	}
	for _, local := range cfg.Users {
		s.AddUser(t, local)
	}
	if err := s.startDovecot(0, 0); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	if cfg.SMTP {
		if err := s.startPostfix(cfg); err != nil {
			t.Fatalf("mailtest: %v", err)
		}
	}
	return s
}

// available checks the binaries and privileges Start needs.
func available(cfg Config) error {
	if _, err := binary("dovecot"); err != nil {
		return err
	}
	if _, err := binary("doveadm"); err != nil {
		return err
	}
	if cfg.SMTP {
		if _, err := binary("postfix"); err != nil {
			return err
		}
	}
	if os.Geteuid() != 0 {
		return errors.New("the mail servers must be started as root (they drop privileges themselves)")
	}
	return nil
}

// binary finds a server program on PATH or in the sbin folders, which are
// often not on a test's PATH.
func binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no %s on PATH or in /usr/sbin", errMissing, name)
}

// mailOwner returns the unprivileged uid and gid that own the Maildirs.
func mailOwner() (uid, gid int, err error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return 0, 0, fmt.Errorf("no user nobody to own the mail: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("user nobody has ids %q/%q", u.Uid, u.Gid)
	}
	return uid, gid, nil
}

// IMAPAddr is Dovecot's host:port (plain IMAP, no TLS, plain
// authentication allowed).
func (s *Server) IMAPAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imapAddr
}

// IMAPSAddr is Dovecot's host:port for IMAP over implicit TLS. IMAPAddr
// offers STARTTLS as well. Both present a certificate for 127.0.0.1 and
// localhost that TLSConfig trusts.
func (s *Server) IMAPSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imapsAddr
}

// TLSConfig returns a client configuration that trusts the server's
// certificate (and nothing else).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.certPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// SMTPAddr is Postfix's host:port, or "" without Config.SMTP. It relays
// nothing: it accepts mail for Domain only, without authentication or
// TLS. It offers STARTTLS, and SMTP AUTH once TLS is on.
func (s *Server) SMTPAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.smtpAddr
}

// SubmissionAddr is Postfix's submission host:port (as port 587), or ""
// without Config.SMTP: it requires STARTTLS and then SMTP AUTH, checked
// by Dovecot, before it accepts any mail: PLAIN and LOGIN with a user's
// password, XOAUTH2 and OAUTHBEARER with a token from IssueToken. Its
// certificate is the one TLSConfig trusts.
func (s *Server) SubmissionAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submissionAddr
}

// SubmissionsAddr is as SubmissionAddr over implicit TLS (as port 465).
func (s *Server) SubmissionsAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submissionsAddr
}

// Dir is the folder holding the configuration, logs and mail.
func (s *Server) Dir() string { return s.dir }

// User returns the user local@Domain, created at start or by AddUser; it
// fails t when there is none.
func (s *Server) User(t testing.TB, local string) User {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[local+"@"+Domain]
	if !ok {
		t.Fatalf("mailtest: no user %s@%s", local, Domain)
	}
	return u
}

// AddUser creates the mailbox local@Domain with a random password and
// returns it. Adding an existing user returns it unchanged. When Postfix
// runs, it is told to reload its mailbox list; users listed in
// Config.Users are known to it from the start, without a reload.
func (s *Server) AddUser(t testing.TB, local string) User {
	t.Helper()
	if local == "" || strings.ContainsAny(local, ":@/\\ \t\r\n") || strings.HasPrefix(local, ".") {
		t.Fatalf("mailtest: user name %q is not a plain local part", local)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := local + "@" + Domain
	if u, ok := s.users[addr]; ok {
		return u
	}
	u := User{Address: addr, Password: fmt.Sprintf("pw-%d-%s", time.Now().UnixNano(), local)}
	home := filepath.Join(s.dir, "mail", Domain, local)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	if err := os.Chown(home, s.uid, s.gid); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	line := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", addr, u.Password, s.uid, s.gid, home)
	f, err := os.OpenFile(filepath.Join(s.dir, "users"), os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	// Dovecot rereads the passwd-file when its modification time changes;
	// two additions within its timestamp resolution must still be seen.
	later := time.Now().Add(time.Duration(len(s.users)+1) * time.Second)
	_ = os.Chtimes(filepath.Join(s.dir, "users"), later, later)
	s.users[addr] = u
	if err := s.writeMailboxes(); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	if s.postfix != nil {
		s.reloadPostfix(t)
	}
	return u
}

// reloadPostfix makes Postfix read its mailbox list again and waits until
// its master daemon logged the reload; s.mu is held.
func (s *Server) reloadPostfix(t testing.TB) {
	t.Helper()
	logPath := filepath.Join(s.dir, "postfix.log")
	reloads := func() int {
		b, _ := os.ReadFile(logPath)
		return strings.Count(string(b), "]: reload -- ")
	}
	before := reloads()
	// What "postfix reload" does, without its checks.
	if err := s.postfix.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("mailtest: postfix reload: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); reloads() == before; {
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: postfix did not log its reload\n%s", s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeMailboxes writes Postfix's list of mailboxes; s.mu is held.
func (s *Server) writeMailboxes() error {
	var b strings.Builder
	for addr := range s.users {
		local, _, _ := strings.Cut(addr, "@")
		fmt.Fprintf(&b, "%s %s/%s/\n", addr, Domain, local)
	}
	conf := filepath.Join(s.dir, "postfix", "conf")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return err
	}
	return writeSettled(filepath.Join(conf, "mailboxes"), b.String())
}

// Maildir returns the Maildir folder of a user's INBOX.
func (s *Server) Maildir(u User) string {
	local, _, _ := strings.Cut(u.Address, "@")
	return filepath.Join(s.dir, "mail", Domain, local)
}

// RestartIMAP stops Dovecot, which drops every IMAP connection, and starts
// it again on the same port with the same mail.
func (s *Server) RestartIMAP(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	p := s.dovecot
	s.dovecot = nil
	_, portStr, _ := net.SplitHostPort(s.imapAddr)
	_, tlsPortStr, _ := net.SplitHostPort(s.imapsAddr)
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
	port, _ := strconv.Atoi(portStr)
	tlsPort, _ := strconv.Atoi(tlsPortStr)
	var err error
	for range 50 { // the ports are free once the old listeners are gone
		if err = s.startDovecot(port, tlsPort); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailtest: restarting dovecot: %v", err)
}

// Kick drops the IMAP connections of a user, as a server or network
// failure would, without stopping the server.
func (s *Server) Kick(t testing.TB, u User) {
	t.Helper()
	if out, err := s.doveadm("kick", u.Address); err != nil {
		// doveadm kick exits 68 ("no such user") when nobody was connected.
		if !strings.Contains(string(out), "no users") && !strings.Contains(strings.ToLower(string(out)), "no such") {
			t.Fatalf("mailtest: doveadm kick: %v\n%s", err, out)
		}
	}
}

// SetUIDValidity changes the UIDVALIDITY of a user's mailbox, as a server
// that rebuilt its indexes would: every UID seen before is void.
func (s *Server) SetUIDValidity(t testing.TB, u User, mailbox string, v uint32) {
	t.Helper()
	out, err := s.doveadm("mailbox", "update", "-u", u.Address, "--uid-validity", strconv.FormatUint(uint64(v), 10), mailbox)
	if err != nil {
		t.Fatalf("mailtest: doveadm mailbox update: %v\n%s", err, out)
	}
}

func (s *Server) doveadm(args ...string) ([]byte, error) {
	bin, err := binary("doveadm")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-c", filepath.Join(s.dir, "dovecot.conf")}, args...)...)
	return cmd.CombinedOutput()
}

// Log returns what the servers logged so far, for failure messages.
func (s *Server) Log() string {
	var b strings.Builder
	for _, name := range []string{"dovecot.log", "postfix.log"} {
		out, err := os.ReadFile(filepath.Join(s.dir, name))
		if err == nil {
			fmt.Fprintf(&b, "== %s\n%s", name, out)
		}
	}
	return b.String()
}

// WaitDelivered waits until the Maildir of u holds at least n messages, as
// Postfix delivers asynchronously, and fails t after timeout.
func (s *Server) WaitDelivered(t testing.TB, u User, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := 0
		for _, sub := range []string{"new", "cur"} {
			entries, _ := os.ReadDir(filepath.Join(s.Maildir(u), sub))
			got += len(entries)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %d of %d messages delivered to %s after %v\n%s", got, n, u.Address, timeout, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) stop() {
	s.mu.Lock()
	d, p := s.dovecot, s.postfix
	s.dovecot, s.postfix = nil, nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, x := range []*proc{d, p} {
		if x != nil {
			wg.Go(x.stop)
		}
	}
	wg.Wait()
	s.issuer.close()
	os.RemoveAll(s.dir)
}

// setup writes the folders and the configuration shared by both servers.
func (s *Server) setup(cfg Config) error {
	// The daemons' unprivileged users must reach the mail and the users
	// file through this folder.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"mail", "run", "state"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return err
		}
	}
	for _, d := range []string{filepath.Join(s.dir, "mail"), filepath.Join(s.dir, "mail", Domain)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Chown(d, s.uid, s.gid); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(s.dir, "users"), nil, 0o644); err != nil {
		return err
	}
	return s.makeCert()
}

// makeCert writes a self-signed certificate for 127.0.0.1 and localhost
// and its key into tls/, and keeps it in certPool.
func (s *Server) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	s.certPool = x509.NewCertPool()
	s.certPool.AddCert(cert)
	return nil
}

// dovecotConf is Dovecot's whole configuration: IMAP only, on loopback,
// with STARTTLS and implicit TLS (a certificate made for the test) and
// clear text allowed too, users from a passwd-file.
const dovecotConf = `# written by mailtest
base_dir = {{dir}}/run
state_dir = {{dir}}/state
instance_name = mailtest-{{id}}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{{dir}}/tls/cert.pem
ssl_key = <{{dir}}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login{{oauthmechs}}
# Refusals are answered at once: tests try wrong credentials on purpose.
auth_failure_delay = 0
auth_verbose = yes
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
log_path = {{dir}}/dovecot.log
mail_location = maildir:{{dir}}/mail/%d/%n
first_valid_uid = 1
mail_fsync = never
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {{dir}}/users
}
{{oauthpassdb}}{{authlistener}}userdb {
  driver = passwd-file
  args = username_format=%u {{dir}}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{port}}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {{tlsport}}
    ssl = yes
  }
}
`

func (s *Server) startDovecot(port, tlsPort int) error {
	bin, err := binary("dovecot")
	if err != nil {
		return err
	}
	fixed := port != 0
	var lastErr error
	for range 3 { // a free port can be taken between finding and binding it
		if !fixed {
			if port, err = freePort(); err != nil {
				return err
			}
			if tlsPort, err = freePort(); err != nil {
				return err
			}
		}
		conf := strings.NewReplacer("{{dir}}", s.dir, "{{port}}", strconv.Itoa(port),
			"{{tlsport}}", strconv.Itoa(tlsPort), "{{id}}", filepath.Base(s.dir),
			"{{authlistener}}", s.authListener(), "{{oauthmechs}}", s.oauthMechs(),
			"{{oauthpassdb}}", s.oauthPassdb()).Replace(dovecotConf)
		confPath := filepath.Join(s.dir, "dovecot.conf")
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			return err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := startProc(filepath.Join(s.dir, "dovecot.out"), bin, "-F", "-c", confPath)
		if err != nil {
			return err
		}
		if err = waitGreeting(p, addr, "* OK", 20*time.Second); err != nil {
			p.stop()
			out, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.out"))
			log, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
			lastErr = fmt.Errorf("dovecot did not start: %v\n%s%s", err, out, log)
			if fixed {
				return lastErr
			}
			continue
		}
		s.mu.Lock()
		s.dovecot, s.imapAddr = p, addr
		s.imapsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
		s.mu.Unlock()
		return nil
	}
	return lastErr
}

// postfixMain is Postfix's main.cf: SMTP on loopback, mail for Domain to
// Maildirs named after the local part, everything else refused; the TLS
// and SASL settings serve the submission ports of postfixMaster.
const postfixMain = `# written by mailtest
compatibility_level = 3.6
queue_directory = {{dir}}/postfix/queue
data_directory = {{dir}}/postfix/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{{domain}}
mydomain = {{domain}}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_banner = $myhostname ESMTP
virtual_mailbox_domains = {{domain}}
virtual_mailbox_base = {{dir}}/mail
virtual_mailbox_maps = texthash:{{dir}}/postfix/conf/mailboxes
virtual_uid_maps = static:{{uid}}
virtual_gid_maps = static:{{gid}}
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
message_size_limit = {{size}}
default_transport = error:mailtest delivers to {{domain}} only
relay_transport = error:mailtest delivers to {{domain}} only
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
maillog_file_prefixes = {{dir}}
maillog_file = {{dir}}/postfix.log
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_tls_cert_file = {{dir}}/tls/cert.pem
smtpd_tls_key_file = {{dir}}/tls/key.pem
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {{authsocket}}
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
`

// postfixMaster runs every daemon unchrooted; the listeners are smtpd on
// loopback ports: open SMTP, and submission with STARTTLS or implicit TLS
// and SMTP AUTH through Dovecot.
const postfixMaster = `# written by mailtest
127.0.0.1:{{port}} inet n - n - - smtpd
127.0.0.1:{{subport}} inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:{{subsport}} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
virtual   unix  - n n -    - virtual
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsmgr    unix  - - n 1000? 1 tlsmgr
`

func (s *Server) startPostfix(cfg Config) error {
	master, err := masterDaemon()
	if err != nil {
		return err
	}
	pfUser, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("no postfix user (is the postfix package installed?): %v", err)
	}
	pfUID, _ := strconv.Atoi(pfUser.Uid)
	conf := filepath.Join(s.dir, "postfix", "conf")
	for _, d := range []string{conf, filepath.Join(s.dir, "postfix", "queue"), filepath.Join(s.dir, "postfix", "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.Chown(filepath.Join(s.dir, "postfix", "data"), pfUID, -1); err != nil {
		return err
	}
	if err := makeQueue(filepath.Join(s.dir, "postfix", "queue"), pfUID); err != nil {
		return err
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return err
		}
		subPort, err := freePort()
		if err != nil {
			return err
		}
		subsPort, err := freePort()
		if err != nil {
			return err
		}
		r := strings.NewReplacer("{{dir}}", s.dir, "{{domain}}", Domain, "{{port}}", strconv.Itoa(port),
			"{{subport}}", strconv.Itoa(subPort), "{{subsport}}", strconv.Itoa(subsPort), "{{authsocket}}", s.authSocket(),
			"{{uid}}", strconv.Itoa(s.uid), "{{gid}}", strconv.Itoa(s.gid),
			"{{size}}", strconv.FormatInt(cfg.MaxMessageSize, 10))
		if err := writeSettled(filepath.Join(conf, "main.cf"), r.Replace(postfixMain)); err != nil {
			return err
		}
		if err := writeSettled(filepath.Join(conf, "master.cf"), r.Replace(postfixMaster)); err != nil {
			return err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		// The master daemon runs in the foreground as our child, so that
		// stopping it stops Postfix.
		p, err := startProc(filepath.Join(s.dir, "postfix.out"), master, "-c", conf, "-d")
		if err != nil {
			return err
		}
		if err = waitGreeting(p, addr, "220 ", 30*time.Second); err != nil {
			p.stop()
			out, _ := os.ReadFile(filepath.Join(s.dir, "postfix.out"))
			log, _ := os.ReadFile(filepath.Join(s.dir, "postfix.log"))
			lastErr = fmt.Errorf("postfix did not start: %v\n%s%s", err, out, log)
			continue
		}
		s.mu.Lock()
		s.postfix, s.smtpAddr = p, addr
		s.submissionAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(subPort))
		s.submissionsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(subsPort))
		s.mu.Unlock()
		return nil
	}
	return lastErr
}

// writeSettled writes a Postfix configuration file dated a minute ago:
// Postfix waits until a file it reads is a couple of seconds old, in case
// it is still being written.
func writeSettled(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return err
	}
	past := time.Now().Add(-time.Minute)
	return os.Chtimes(path, past, past)
}

// masterDaemon finds Postfix's master daemon: in Debian's daemon
// directory, or wherever postconf says (which takes a while: it works out
// every default).
func masterDaemon() (string, error) {
	for _, d := range []string{"/usr/lib/postfix/sbin", "/usr/libexec/postfix"} {
		p := filepath.Join(d, "master")
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	postconf, err := binary("postconf")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(postconf, "-d", "-h", "daemon_directory").Output()
	if err != nil {
		return "", fmt.Errorf("postconf: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "master"), nil
}

// makeQueue creates Postfix's queue folders with the owners and modes
// "postfix check" would give them (it takes seconds to run).
func makeQueue(queue string, pfUID int) error {
	postdrop, err := user.LookupGroup("postdrop")
	if err != nil {
		return fmt.Errorf("no postdrop group (is the postfix package installed?): %v", err)
	}
	pdGID, _ := strconv.Atoi(postdrop.Gid)
	dirs := []struct {
		name     string
		uid, gid int
		mode     os.FileMode
	}{
		{"pid", 0, 0, 0o755},
		{"maildrop", pfUID, pdGID, 0o730},
		{"public", pfUID, pdGID, 0o710},
	}
	for _, n := range []string{"active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"} {
		dirs = append(dirs, struct {
			name     string
			uid, gid int
			mode     os.FileMode
		}{n, pfUID, 0, 0o700})
	}
	for _, d := range dirs {
		p := filepath.Join(queue, d.name)
		if err := os.MkdirAll(p, d.mode); err != nil {
			return err
		}
		if err := os.Chown(p, d.uid, d.gid); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	return nil
}

// proc is a running server process.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startProc(logPath, bin string, args ...string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	// Pdeathsig takes the server down with the test binary if it dies
	// without running its cleanups; Setpgid keeps terminal signals away.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// stop ends the server and all its processes: SIGTERM to the whole
// process group at once (a Dovecot master alone waits a second for its
// children, and a session process left serving a client would keep the
// connection open), then SIGKILL for whatever is left after a grace
// period. Session processes end on SIGTERM without leaving mailbox locks
// behind.
func (p *proc) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		if !groupRunning(pgid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// groupRunning reports whether a process of the group is still running.
// Zombies (children of a master that exited first, waiting for init to
// reap them) do not count.
func groupRunning(pgid int) bool {
	if syscall.Kill(-pgid, 0) != nil {
		return false
	}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return true // no /proc: assume the worst
	}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		rest := string(b)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) < 3 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(fields[2]); err == nil && g == pgid {
			return true
		}
	}
	return false
}

// waitGreeting waits until addr answers with a line starting with prefix.
func waitGreeting(p *proc, addr, prefix string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, rerr := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if rerr == nil && strings.HasPrefix(line, prefix) {
				return nil
			}
			err = fmt.Errorf("greeting %q: %v", line, rerr)
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited: %v", p.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
