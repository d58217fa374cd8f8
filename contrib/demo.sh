#!/bin/sh
# The demo: a local site with the file transport, a network list, three
# members, a thematic sub-list, a real mailing-list archive imported, a new
# post received, delivered and archived.  Run from the source tree by
# `make demo`.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
confer="$top/confer"
demo="$top/demo"
corpus="$top/../shared/corpus/notmuch/test/corpora/default"

rm -rf "$demo"
"$confer" init "$demo" --domain lists.example.org --transport file \
	--url "file://$demo/archive/"
c() { "$confer" -c "$demo/confer.conf" "$@"; }

c list create health --description "Health systems working group"
c member add network amina@example.org --name "Amina Diallo" --role owner
c member add network jorge@example.net --name "Jorge Pérez"
c member add network li.wei@example.com --name "Li Wei" --role moderator
c member add health amina@example.org
c member add health li.wei@example.com

# A real list's archive as an mbox: the notmuch mailing list corpus when
# it is there, else the sample thread shipped with confer.
mbox="$demo/import.mbox"
if [ -d "$corpus" ]; then
	/usr/bin/python3 "$top/contrib/maildir-to-mbox.py" "$corpus" > "$mbox"
else
	cp "$top/contrib/sample-thread.mbox" "$mbox"
fi
c import mbox network "$mbox"

c receive --sender amina@example.org health@lists.example.org <<'MAIL'
From: Amina Diallo <amina@example.org>
To: health@lists.example.org
Subject: Welcome to the health systems group
Date: Thu, 03 Dec 2026 10:00:00 +0000
Message-ID: <welcome-1@example.org>
Content-Type: text/plain; charset=utf-8

Dear all,

welcome to the health systems working group.  Please introduce
yourselves, and share the documents from the last meeting here.

Amina
MAIL
c run --once
c lists
echo
echo "delivered copies: $(ls "$demo/outbox" | wc -l) files in $demo/outbox/"
echo "archive: $demo/archive/index.html"
