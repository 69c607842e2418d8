#!/bin/sh
# Installs Chromium from Debian's packages so that the insights report's
# test can open the report in a headless browser (casemgmt/insights).
#
# Idempotent: does nothing when /usr/bin/chromium is already there. Quiet:
# apt prints nothing unless it fails. Starts nothing. Runs as root on a bare
# Debian machine; without root it says what it needs and fails.
set -eu

have_chromium() {
	if [ -x /usr/bin/chromium ]; then
		echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) present"
		return 0
	fi
	return 1
}

if have_chromium; then
	exit 0
fi

. "$(dirname "$0")/lib.sh"
# fonts-dejavu-core gives the report's text a font when the machine has none.
install_quietly chromium fonts-dejavu-core

have_chromium
