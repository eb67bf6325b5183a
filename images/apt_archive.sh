# Sourced by images/*.sh: the Debian archive this host's apt already uses.
#
# archive_uri prints the first non-security Debian URI from /etc/apt's sources
# (one-line .list or deb822 .sources files); with none it fails with one line,
# so no script here ever names an archive host of its own.
archive_uri() {
	local uri
	uri="$(grep -rhsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*' | grep -v -e security -e '-src' | head -n1 || true)"
	if [ -z "$uri" ]; then
		echo "[images] ERROR: no Debian archive in /etc/apt/sources.list or /etc/apt/sources.list.d/ (add a 'deb' or 'URIs:' line)" >&2
		return 1
	fi
	echo "${uri%/}"
}
