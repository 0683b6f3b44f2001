# The CDS Hooks service under a real systemd: socket activation, hardening, JWT verification, reload keeping the
# last good keys, watchdog, stop. Sourced by inside.sh (uses its check, waitfor and log); tokens and the JWKS come
# from cds-tokens.py, made on the host just before the container booted (/root/e2e/cds).
cds=regimen-guard-cds.service
cds_socket=regimen-guard-cds.socket
cds_url=http://127.0.0.1:8421
cdsprop() { systemctl show -p "$1" --value "$cds"; }
cds_journal() {  # cds_journal MATCH...: the CDS unit's journal has an entry matching all field matches
  journalctl --sync
  [ -n "$(journalctl --no-pager -u "$cds" -o json "$@")" ]
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

check "the packaged CDS configuration (no JWKS yet) makes the service exit 78 without a restart loop" bash -c "
  ! systemctl start $cds; [ \"\$(systemctl show -p ExecMainStatus --value $cds)\" = 78 ] &&
  [ \"\$(systemctl show -p NRestarts --value $cds)\" = 0 ]"
systemctl stop "$cds_socket" >/dev/null 2>&1; systemctl reset-failed "$cds" "$cds_socket" >/dev/null 2>&1
install -m 0644 /root/e2e/cds/ehr.jwks.json /etc/regimen-guard/cds-jwks/ehr.jwks.json
sed -i 's|^public_base_url: .*|public_base_url: http://127.0.0.1:8421|' /etc/regimen-guard/cds.yaml
mkdir -p /etc/systemd/system/$cds.d
printf '[Service]\nWatchdogSec=3s\n' > /etc/systemd/system/$cds.d/e2e.conf
systemctl daemon-reload

check "systemctl enable --now regimen-guard-cds.socket listens; the service waits for a connection" bash -c "
  systemctl enable --now $cds_socket && systemctl is-active $cds_socket && ! systemctl is-active $cds"
check "the first connection starts the service (socket activation) and /healthz answers 200" bash -c "
  curl -sSf $cds_url/healthz | grep -q '\"status\":\"ok\"' && systemctl is-active $cds"
check "the service got its socket from systemd (sd_listen_fds), not by binding" \
  cds_journal MESSAGE_ID=dd9f918dd56c492aa553e03fdf35118a
journalctl --no-pager -u "$cds" -o cat >> "$log" 2>&1
cds_pid=$(cdsprop MainPID)
check "the CDS process runs as a dynamic user with no capabilities, no_new_privs and a seccomp filter" bash -c "
  s=/proc/$cds_pid/status; [ \"\$(awk '/^Uid:/{print \$2}' \$s)\" != 0 ] && grep -q '^NoNewPrivs:\s*1' \$s &&
  grep -q '^Seccomp:\s*2' \$s && grep -q '^CapEff:\s*0000000000000000' \$s"
check "a signed ES384 discovery call is answered 200 under the hardened unit (libcrypto works in the sandbox)" bash -c "
  $(declare -f status_of); [ \"\$(status_of -H \"Authorization: Bearer \$(cat /root/e2e/cds/token-1)\" $cds_url/cds-services)\" = 200 ]
" 
check "an unsigned call is 401 and its reason is in the unit's journal" bash -c "
  $(declare -f cds_journal); cds=$cds
  [ \"\$(curl -s -o /dev/null -w '%{http_code}' $cds_url/cds-services)\" = 401 ] &&
  cds_journal MESSAGE_ID=5acd265684414d4fb099a78f3563fe3a"

# Reload: a broken JWKS file keeps the last good keys.
echo '{"keys": "broken"}' > /etc/regimen-guard/cds-jwks/ehr.jwks.json
check "systemctl reload (RELOADING=1 ... READY=1) keeps the process and logs the broken JWKS" bash -c "
  $(declare -f waitfor cds_journal); cds=$cds
  systemctl reload $cds && waitfor 20 cds_journal MESSAGE_ID=5e4d5fc8491f4e6d8eddd89fc216b95f &&
  waitfor 20 cds_journal MESSAGE_ID=a6fd7d70dfcc4d6ea3df47a4b25d302b &&
  [ \"\$(systemctl show -p MainPID --value $cds)\" = $cds_pid ] && systemctl is-active $cds"
check "after the failed key reload the last good keys still verify" bash -c "
  $(declare -f status_of); [ \"\$(status_of -H \"Authorization: Bearer \$(cat /root/e2e/cds/token-2)\" $cds_url/cds-services)\" = 200 ]"
install -m 0644 /root/e2e/cds/ehr.jwks.json /etc/regimen-guard/cds-jwks/ehr.jwks.json

# Watchdog (WatchdogSec=3s from the drop-in): pings arrive; a frozen process is killed and restarted.
check "the watchdog is fed while the service runs" bash -c "
  $(declare -f waitfor)
  a=\$(systemctl show -p WatchdogTimestampMonotonic --value $cds)
  waitfor 10 bash -c '[ \"\$(systemctl show -p WatchdogTimestampMonotonic --value $cds)\" -gt '\$a' ]'"
kill -STOP "$cds_pid"
check "a frozen service is killed by the watchdog and restarted; the socket keeps serving" bash -c "
  $(declare -f waitfor)
  waitfor 20 bash -c '[ \"\$(systemctl show -p NRestarts --value $cds)\" -ge 1 ] && systemctl is-active $cds' &&
  [ \"\$(systemctl show -p MainPID --value $cds)\" != $cds_pid ] && curl -sf $cds_url/healthz >/dev/null"

# Stop: clean exit; the socket stays and starts the service again on the next connection.
check "systemctl stop regimen-guard-cds is clean: exit 0, result success" bash -c "
  systemctl stop $cds && [ \"\$(systemctl show -p Result --value $cds)\" = success ] &&
  [ \"\$(systemctl show -p ExecMainStatus --value $cds)\" = 0 ]"
check "after a stop, the next connection starts the service again" bash -c "
  curl -sf $cds_url/healthz >/dev/null && systemctl is-active $cds"
check "stopping the socket and the service leaves nothing listening" bash -c "
  systemctl stop $cds_socket $cds && ! curl -s -m 2 $cds_url/healthz"
rm -rf /etc/systemd/system/$cds.d; systemctl daemon-reload
# The admin's key file is site configuration that a purge keeps (like local policies); the purge check below
# expects /etc/regimen-guard gone, so remove it as an admin retiring the service would.
rm -f /etc/regimen-guard/cds-jwks/ehr.jwks.json
echo "### CDS service journal" >> "$log"
journalctl --no-pager -b -u "$cds" >> "$log" 2>&1
