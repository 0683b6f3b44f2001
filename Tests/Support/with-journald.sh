#!/usr/bin/env bash
# Usage: with-journald.sh OUTFILE [--keep DIR] [--machine-id ID] [--hostname NAME] -- CMD [ARGS...]
#
# Runs CMD beside a private, real systemd-journald and writes every journal entry it received to OUTFILE as JSON
# lines (`journalctl -o json`). Exits with CMD's status. Everything happens in private mount and UTS namespaces
# with a tmpfs on /run, so the machine's own journal, /run and host name are untouched. Needs root and
# /lib/systemd/systemd-journald (Debian package systemd). The recipe is in shared/spec/SYSTEMD.md.
#   --keep DIR        also copy the journal files to DIR (DIR/<machine id>/*.journal), for sd_journal readers
#   --machine-id ID   the machine id journald stamps on entries (32 hex digits); default the host's
#   --hostname NAME   the host name journald stamps on entries (_HOSTNAME); default the host's
set -euo pipefail
out=$1
shift
keep="" machine_id="" host_name=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    --keep) keep=$2; shift 2 ;;
    --machine-id) machine_id=$2; shift 2 ;;
    --hostname) host_name=$2; shift 2 ;;
    *) echo "with-journald: unknown option $1" >&2; exit 64 ;;
  esac
done
[ "${1:-}" = "--" ] && shift
export WITH_JOURNALD_OUT=$out WITH_JOURNALD_KEEP=$keep WITH_JOURNALD_MACHINE_ID=$machine_id WITH_JOURNALD_HOSTNAME=$host_name
exec unshare --mount --uts --propagation private bash -c '
  set -eu
  mount -t tmpfs tmpfs /run
  mkdir -p /run/systemd/journal /run/log/journal /run/systemd/journald.conf.d
  if [ -n "$WITH_JOURNALD_MACHINE_ID" ]; then
    echo "$WITH_JOURNALD_MACHINE_ID" > /run/with-journald-machine-id
    mount --bind /run/with-journald-machine-id /etc/machine-id
  fi
  [ -n "$WITH_JOURNALD_HOSTNAME" ] && hostname "$WITH_JOURNALD_HOSTNAME"
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
  if [ -n "$WITH_JOURNALD_KEEP" ]; then
    mkdir -p "$WITH_JOURNALD_KEEP"
    cp -a /run/log/journal/. "$WITH_JOURNALD_KEEP/"
  fi
  exit "$status"
' with-journald "$@"
