package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvDSN names the environment variable holding the DSN of an existing
// server to use instead of a private cluster.
const EnvDSN = "CASEAGENT_TEST_POSTGRES"

// how to enable the tests, for skip messages.
const enableHint = "set " + EnvDSN + " to the DSN of a PostgreSQL server whose role may create databases, " +
	"or install PostgreSQL's server binaries (Debian: apt-get install postgresql, or run .ci/postgres.sh)"

var (
	mu       sync.Mutex
	srv      *server // running private cluster, or nil
	srvErr   error   // why the private cluster could not start (sticky)
	refs     int     // tests holding srv
	inMain   bool    // Main is running: stop only when it returns
	dbSerial int
)

// Main runs the tests of a package and then stops the private cluster, if
// one was started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// It keeps one cluster for all tests instead of one per run of consecutive
// tests. Main calls os.Exit with the tests' result.
func Main(m *testing.M) {
	mu.Lock()
	inMain = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	inMain = false
	s := srv
	srv = nil
	mu.Unlock()
	if s != nil {
		s.stop()
	}
	os.Exit(code)
}

// DSN returns the DSN of a new, empty database that exists until t ends, or
// skips t when no PostgreSQL is available. Failing to start an installed
// server or to create the database fails t.
func DSN(t testing.TB) string {
	t.Helper()
	if env := os.Getenv(EnvDSN); env != "" {
		return freshDatabase(t, env)
	}
	admin, err := acquire()
	if err != nil {
		if errors.Is(err, errNoBinaries) {
			t.Skipf("pgtest: PostgreSQL is not available: %v; to run this test, %s", err, enableHint)
		}
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(release)
	return freshDatabase(t, admin)
}

// freshDatabase creates a uniquely named database on the server of adminDSN
// and drops it when t ends.
func freshDatabase(t testing.TB, adminDSN string) string {
	t.Helper()
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	mu.Lock()
	dbSerial++
	name := fmt.Sprintf("pgtest_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbSerial)
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: creating database %s: %v (the role of the DSN needs CREATEDB)", name, err)
	}
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, adminDSN, name) })
	return dsn
}

func dropDatabase(t testing.TB, adminDSN, name string) {
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Errorf("pgtest: %v", err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// WITH (FORCE) (PostgreSQL 13+) ends sessions a test left open.
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		if _, err2 := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err2 != nil {
			t.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	}
}

// withDatabase returns dsn with its database replaced by name. It accepts
// both URL DSNs (postgres://...) and keyword/value DSNs (host=... user=...).
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parsing %s: %w", EnvDSN, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// In keyword/value form the last occurrence of a keyword wins.
	return strings.TrimSpace(dsn) + " dbname=" + name, nil
}

// errNoBinaries reports that no PostgreSQL server binaries were found.
var errNoBinaries = errors.New("no initdb and postgres binaries in /usr/lib/postgresql/*/bin or on PATH")

// acquire returns the admin DSN of the private cluster, starting it if
// needed, and counts one more user.
func acquire() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if srvErr != nil {
		return "", srvErr
	}
	if srv == nil {
		s, err := start()
		if err != nil {
			// Do not retry a broken installation for every test.
			srvErr = err
			return "", err
		}
		srv = s
	}
	refs++
	return srv.adminDSN, nil
}

// release counts one user less and stops the cluster when it was the last
// one, unless Main will stop it.
func release() {
	mu.Lock()
	refs--
	var s *server
	if refs == 0 && !inMain {
		s, srv = srv, nil
	}
	mu.Unlock()
	if s != nil {
		s.stop()
	}
}

// server is a running private cluster.
type server struct {
	dir      string
	cmd      *exec.Cmd
	exited   chan struct{}
	adminDSN string
}

// binDir finds the folder of initdb and postgres, newest version first.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// start runs initdb and postgres in a new temporary folder.
func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", data, "-U", "pgtest", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for range 3 { // a free port can be taken between finding and binding it
		s, err := launch(bin, dir, data, cred)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// launch starts postgres on a free loopback port and waits until it
// accepts connections.
func launch(bin, dir, data string, cred *syscall.Credential) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+dir,
		"-c", "max_connections=300",
		// A throwaway cluster: durability buys nothing and costs time.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "log_min_messages=warning",
		"-c", "jit=off",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	// Pdeathsig takes the server down with the test binary if it dies
	// without running its cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	s := &server{
		dir:      dir,
		cmd:      cmd,
		exited:   make(chan struct{}),
		adminDSN: fmt.Sprintf("postgres://pgtest@127.0.0.1:%d/postgres?sslmode=disable", port),
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.kill()
		out, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("postgres did not start: %v\n%s", err, out)
	}
	return s, nil
}

func (s *server) waitReady(limit time.Duration) error {
	db, err := sql.Open("pgx", s.adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited: %v", s.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// stop shuts the server down (fast shutdown) and removes its folder.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// credential returns who the cluster runs as: nil (the current user) unless
// running as root, which initdb and postgres refuse.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root and no unprivileged user (postgres, nobody) to run the cluster as; " +
		"initdb refuses to run as root: run the tests as another user or set " + EnvDSN)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
