#!/bin/sh
# Installs Dovecot (IMAP) and Postfix from Debian's packages so that the
# tests' helper (internal/mailtest) can start private servers of its own,
# configured in temporary folders and listening on 127.0.0.1 only.
# dovecot-imapd brings dovecot-core, whose authentication process has the
# oauth2 passdb (and the XOAUTH2 and OAUTHBEARER mechanisms) that the
# OAuth tests use; Postfix hands SMTP AUTH to Dovecot, which Debian's
# postfix supports (postconf -a lists dovecot). Both are checked below.
#
# Idempotent and non-interactive: does nothing when the binaries are
# present. Postfix is preseeded with "No configuration", so apt asks
# nothing and the system instance has no main.cf and cannot start. A
# policy-rc.d that denies every start is in place while the packages
# install, and any system instance that runs anyway is stopped, so no
# system mail server listens anywhere. Runs as root on a bare Debian
# machine; without root it says what it needs and fails.
set -eu

have_servers() {
	for b in dovecot doveadm postfix postconf; do
		if [ ! -x "/usr/sbin/$b" ] && [ ! -x "/usr/bin/$b" ]; then
			return 1
		fi
	done
	echo "mail.sh: dovecot and postfix present"
	return 0
}

# check_oauth says whether the OAuth tests can run; they skip otherwise.
check_oauth() {
	if grep -q -a dovecot-oauth2-passdb /usr/lib/dovecot/auth 2>/dev/null; then
		echo "mail.sh: dovecot has the oauth2 passdb"
	else
		echo "mail.sh: dovecot has no oauth2 passdb: the OAuth tests will skip" >&2
	fi
	if ! postconf -a 2>/dev/null | grep -qx dovecot; then
		echo "mail.sh: postfix has no Dovecot SASL: the SMTP AUTH tests will fail" >&2
		return 1
	fi
}

stop_system_servers() {
	# The tests start their own instances; a system one must not listen.
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now dovecot.service postfix.service >/dev/null 2>&1 || true
	fi
	if [ -f /var/run/dovecot/master.pid ] && kill -0 "$(cat /var/run/dovecot/master.pid)" 2>/dev/null; then
		kill "$(cat /var/run/dovecot/master.pid)" || true
	fi
	if [ -f /etc/postfix/main.cf ] && /usr/sbin/postfix status >/dev/null 2>&1; then
		/usr/sbin/postfix stop >/dev/null 2>&1 || true
	fi
}

if have_servers; then
	stop_system_servers
	check_oauth
	exit 0
fi

. "$(dirname "$0")/lib.sh"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
install_quietly dovecot-imapd postfix

stop_system_servers
have_servers
check_oauth
