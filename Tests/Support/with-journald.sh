#!/usr/bin/env bash
# Usage: with-journald.sh OUTFILE -- CMD [ARGS...]
#
# Runs CMD beside a private, real systemd-journald and writes every journal entry it received to OUTFILE as JSON
# lines (`journalctl -o json`). Exits with CMD's status. Everything happens in a private mount namespace with a
# tmpfs on /run, so the machine's own journal and /run are untouched. Needs root and /lib/systemd/systemd-journald
# (Debian package systemd). The recipe is in shared/spec/SYSTEMD.md.
set -euo pipefail
out=$1
shift
[ "${1:-}" = "--" ] && shift
export WITH_JOURNALD_OUT=$out
exec unshare --mount --propagation private bash -c '
  set -eu
  mount -t tmpfs tmpfs /run
  mkdir -p /run/systemd/journal /run/log/journal /run/systemd/journald.conf.d
  # No rate limit: a test must not lose entries.
  printf "[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\nRateLimitBurst=0\n" \
    > /run/systemd/journald.conf.d/test.conf
  /lib/systemd/systemd-journald >/dev/null 2>&1 &
  journald=$!
  # Wait (bounded) for journald to listen.
  for _ in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.02; done
  [ -S /run/systemd/journal/socket ] || { echo "with-journald: journald did not start" >&2; exit 70; }
  set +e
  "$@"
  status=$?
  set -e
  journalctl --sync >/dev/null 2>&1 || true
  journalctl --no-pager -o json > "$WITH_JOURNALD_OUT"
  kill "$journald"
  wait "$journald" 2>/dev/null || true
  exit "$status"
' with-journald "$@"
