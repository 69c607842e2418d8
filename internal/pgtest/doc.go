// Package pgtest gives tests a throwaway, empty PostgreSQL database.
//
// DSN(t) returns the DSN of a database created for that test alone and
// dropped when it ends. Where the server comes from, in order:
//
//  1. CASEAGENT_TEST_POSTGRES, when set, is the DSN of a server the test run
//     may use; its role must be allowed to create databases.
//  2. Otherwise, when PostgreSQL's server binaries are installed (Debian puts
//     them in /usr/lib/postgresql/VERSION/bin; .ci/postgres.sh installs
//     them), the first call starts one private cluster for the whole test
//     binary: initdb into a temporary folder, postgres listening on a free
//     127.0.0.1 port with its unix socket in that folder. initdb refuses to
//     run as root, so under root the cluster runs as the unprivileged
//     "postgres" user (created by Debian's package), or "nobody".
//  3. Otherwise the test is skipped with a message saying how to enable it.
//
// The private cluster stops when the last test using it ends, or, when the
// package's TestMain calls Main, once after all tests ran (cheaper when many
// tests use it one after another).
//
// All functions are safe for concurrent use, including from parallel tests.
package pgtest
