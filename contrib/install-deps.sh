#!/bin/sh
# Installs the Debian 12 packages that building, testing and the demo need,
# only when one is missing.  Run as root (or with sudo available).
set -e
PKGS="gcc make pkg-config libc6-dev libdpkg-perl
libetpan-dev libesmtp-dev libsqlite3-dev libconfig-dev libsodium-dev
libmicrohttpd-dev libcmocka-dev sqlite3
python3 python3-pytest python3-aiosmtpd python3-html5lib
chromium mhonarc"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
