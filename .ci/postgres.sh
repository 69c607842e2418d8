#!/bin/sh
# Installs PostgreSQL's server binaries from Debian's packages so that the
# tests' helper (internal/pgtest) can start throwaway clusters of its own.
#
# Idempotent: does nothing when the binaries are already present. Starts
# nothing: a policy-rc.d that denies every start is in place while the
# packages install, so the cluster Debian creates stays stopped and no
# server listens anywhere. Runs as root on a bare Debian machine; without
# root it says what it needs and fails.
set -eu

have_server() {
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			echo "postgres.sh: PostgreSQL server binaries present in $d"
			return 0
		fi
	done
	return 1
}

if have_server; then
	exit 0
fi

. "$(dirname "$0")/lib.sh"
install_quietly postgresql

have_server
