# Shared by the .ci install scripts; sourced, not run.

# install_quietly PKG...: installs Debian packages as root, without asking
# anything and without starting any service they bring: a policy-rc.d that
# denies every start is in place while they install.
install_quietly() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$(basename "$0"): installing $* needs root (apt-get install $*)" >&2
		return 1
	fi
	policy=/usr/sbin/policy-rc.d
	added_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 0755 "$policy"
		added_policy=1
	fi
	status=0
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || status=$?
	if [ -n "$added_policy" ]; then
		rm -f "$policy"
	fi
	return "$status"
}
