#!/bin/sh
# hello: greets from the site this server belongs to. The site is written in /etc/hello/site.conf,
# a file somebody once put on one machine by hand. (Replace this script with your lesson's app.)
# hello: このサーバーが属する拠点からあいさつします。拠点は /etc/hello/site.conf に書かれています。
# 誰かが1台にだけ手で置いたファイルです。(このスクリプトはレッスンのアプリに置き換えてください。)
set -eu
if [ ! -f /etc/hello/site.conf ]; then
    echo "hello: /etc/hello/site.conf is missing" >&2
    exit 1
fi
. /etc/hello/site.conf
echo "Hello from ${SITE:?SITE is not set in /etc/hello/site.conf}"
