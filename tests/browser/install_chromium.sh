#!/usr/bin/env bash
# Installs Debian's chromium for the web console's browser test
# (tests/web_browser_test.ts drives it with playwright-core).
exec bash "$(dirname "$0")/../support/apt_install.sh" /usr/bin/chromium chromium \
	"the browser test will be skipped"
