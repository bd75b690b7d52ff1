#!/usr/bin/env bash
# start.sh: how the menu service starts in production (the systemd unit runs this).
set -euo pipefail
cd "$(dirname "$0")"
export MENU_FILE="${MENU_FILE:-$PWD/menu.json}"
exec python3 app.py "$@"
