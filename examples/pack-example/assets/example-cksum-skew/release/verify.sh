#!/bin/sh
# verify: checks the release against the digests the developer published before anything is installed.
# The developer wrote it on a laptop with coreutils 9, where cksum -a sha256 can check a digest file.
set -eu
cd "$(dirname "$0")"
cksum -a sha256 --check SHA256SUMS
