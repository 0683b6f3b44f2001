#!/bin/bash
# Runs inside the booted container (systemd as PID 1) as root, from e2e.service: installs the package and checks
# the service the way an admin and a pharmacy system would use it. One "ok - ..." / "not ok - ..." line per check
# goes to /out/results; command output goes to /out/inside.log.
set -u
results=/out/results
log=/out/inside.log
: > "$results"
spool=/var/spool/regimen-guard
unit=regimen-guard.service
deb=/root/e2e/regimen-guard.deb
textfile_dir=/var/lib/prometheus/node-exporter
prom=$textfile_dir/regimen-guard.prom
upgrade_deb=/root/e2e/regimen-guard-upgrade.deb

check() {  # check "description" command...: one result line
  local what=$1; shift
  echo "### $what" >> "$log"
  if "$@" >> "$log" 2>&1; then echo "ok - $what" >> "$results"; else echo "not ok - $what" >> "$results"; fi
}
waitfor() {  # waitfor SECONDS command...: poll an observable effect until a deadline
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
prop() { systemctl show -p "$1" --value "$unit"; }
order() {  # order ID DRUG: an HR+/HER2+ metastatic first-line THP-like order; DRUG=epirubicin gives a reject
  cat <<JSON
{"order_id": "$1", "patient": {"id": "MRN-E2E-SECRET", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
 "line_of_therapy": 1,
 "medications": [{"drug": "trastuzumab", "start": "2026-12-01"}, {"drug": "pertuzumab", "start": "2026-12-01"},
                 {"drug": "$2", "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21}],
 "observations": [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]}
JSON
}
submit() {  # submit ID DRUG: as a pharmacy system would, with umask 027 (only the group can read the file):
            # write a dotfile in incoming/, then rename it to its final name
  order "$1" "$2" | runuser -u pharmacy -- sh -c \
    "umask 027 && cat > $spool/incoming/.$1.json.part && mv $spool/incoming/.$1.json.part $spool/incoming/$1.json"
}
verdict() { echo "$spool/verdicts/$1.json.verdict.json"; }
judged() {  # judged ID DECISION: the verdict exists with that decision
  waitfor 20 test -s "$(verdict "$1")" && grep -q "\"decision\" *: *\"$2\"" "$(verdict "$1")"
}
journal_has() {  # journal_has MATCH... : the service's journal has an entry matching all field matches
  journalctl --sync
  [ -n "$(journalctl --no-pager -u "$unit" -o json "$@")" ]
}

# --- Install --------------------------------------------------------------------------------------------------
check "the package installs (dpkg -i)" dpkg -i "$deb"
check "systemd-analyze verify prints nothing for the installed unit" \
  bash -c 'out=$(systemd-analyze verify regimen-guard.service 2>&1); echo "$out"; [ -z "$out" ]'
check "systemd-analyze verify prints nothing for the report service and timer" \
  bash -c 'out=$(systemd-analyze verify regimen-guard-report.service regimen-guard-report.timer 2>&1); echo "$out"; [ -z "$out" ]'
check "systemd-analyze security: the report service's exposure is at most 0.5" bash -c '
  out=$(systemd-analyze security regimen-guard-report.service 2>&1); echo "$out" | tail -n 3
  score=$(echo "$out" | sed -n "s/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p")
  [ -n "$score" ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 0.5 else 1)" "$score"'
check "the user, the submit group and the membership exist" \
  bash -c 'id regimen-guard && getent group regimen-guard-submit | grep -q regimen-guard'
check "the spool folders have their owners and modes" bash -c "
  [ \"\$(stat -c %a:%U:%G $spool)\" = 2750:regimen-guard:regimen-guard-submit ] &&
  [ \"\$(stat -c %a:%U:%G $spool/incoming)\" = 3770:regimen-guard:regimen-guard-submit ] &&
  [ \"\$(stat -c %a:%U:%G $spool/verdicts)\" = 2750:regimen-guard:regimen-guard-submit ] &&
  [ \"\$(stat -c %a:%U $spool/archive)\" = 700:regimen-guard ] && [ \"\$(stat -c %a:%U $spool/quarantine)\" = 700:regimen-guard ]"
check "the journal catalog is registered (all 14 message ids)" bash -c '
  n=0; for id in f06e9ef1300d4630b8ab5ae01f6145fb 08f2d524095140d7b4fa1d3a7515178d b88613fc16984362b109e3cc8bd0fc7a \
    a7d5b56a74f14c35bbee13f26795684a 87898e0d12584dd3a81345823ad8e3a4 408d9aae5cb44854861f8318c368e17e \
    3275db35b2094a51867404e5e5c1fed0 89bd20b8ba344afeaff3985c613490bd ed2911b35c28484b8a9b2d05960b1e36 \
    a6fd7d70dfcc4d6ea3df47a4b25d302b be01e0d49f684e9c9f15d08892ffee1b 002083c98aaf40b795bacb7426e615d1 \
    00291e544d17496bb851ec6e189bf35f 4f73325df9404d37807f2628eeec0bc0; do
    journalctl --list-catalog "$id" | grep -q regimen-guard && n=$((n+1)); done; echo "$n ids"; [ $n = 14 ]'
check "regimen-guard policy check and policy test pass on the installed policies" \
  bash -c 'regimen-guard policy check && regimen-guard policy test | tail -n 1 | grep -E "^[1-9][0-9]* passed, 0 failed"'
check "a first install leaves the service disabled and stopped" \
  bash -c '[ "$(systemctl is-enabled regimen-guard)" = disabled ] && ! systemctl is-active regimen-guard'

check "the install enabled and started the report timer; the textfile folder exists (root:root 0755)" bash -c "
  [ \"\$(systemctl is-enabled regimen-guard-report.timer)\" = enabled ] && systemctl is-active regimen-guard-report.timer &&
  [ \"\$(stat -c %a:%U:%G $textfile_dir)\" = 755:root:root ]"

# --- Start, hardening ---------------------------------------------------------------------------------------
check "systemctl enable --now starts the service under every hardening directive" systemctl enable --now regimen-guard
check "the service is active with its STATUS text" \
  bash -c 'systemctl is-active regimen-guard && systemctl show -p StatusText --value regimen-guard | grep -E "^[0-9]+ orders: .*backlog"'
pid=$(prop MainPID)
echo "service MainPID $pid; status:" >> "$log"; grep -E '^(Uid|Gid|Groups|NoNewPrivs|Seccomp|Cap[A-Za-z]+):' "/proc/$pid/status" >> "$log" 2>&1
check "the process runs as regimen-guard with no capabilities, no_new_privs and a seccomp filter" bash -c "
  s=/proc/$pid/status; u=\$(id -u regimen-guard)
  grep -qP \"^Uid:\\t\$u\\t\" \$s && grep -qP '^NoNewPrivs:\\t1' \$s && grep -qP '^Seccomp:\\t2' \$s &&
  grep -qP '^CapEff:\\t0+\$' \$s && grep -qP '^CapBnd:\\t0+\$' \$s"
check "the process has its own network, mount and user namespaces" bash -c "
  for ns in net mnt user; do [ \"\$(readlink /proc/$pid/ns/\$ns)\" != \"\$(readlink /proc/1/ns/\$ns)\" ] || exit 1; done"
check "in its mount namespace /usr and /etc are read-only, /home is empty, the spool is writable" bash -c "
  nsenter -t $pid -m -- sh -c '! touch /usr/e2e-probe && ! touch /etc/e2e-probe && [ -z \"\$(ls -A /home)\" ] &&
    touch $spool/archive/.e2e-probe && rm $spool/archive/.e2e-probe'"
# Everything systemd and the service logged since the start: nothing failed, nothing unsupported was skipped. The one
# expected line is the container's loopback notice (see PrivateNetwork= in the unit).
check "neither systemd nor the service logs a failure, or a skipped directive, at start" bash -c "
  journalctl --sync; out=\$(journalctl --no-pager -b -o cat -u $unit | grep -i -E 'fail|not supported|ignor|denied|unknown' |
    grep -v 'Failed to configure loopback network device, ignoring'); echo \"\$out\"; [ -z \"\$out\" ]"

# --- Orders -------------------------------------------------------------------------------------------------
useradd --system --no-create-home --groups regimen-guard-submit pharmacy
useradd --system --no-create-home --groups regimen-guard-submit pharmacy2
submit RX-E2E-1 epirubicin
check "an order renamed into incoming/ by a submit-group user (umask 027) gets its verdict: reject" judged RX-E2E-1 reject
check "the original is archived, incoming/ is empty" \
  bash -c "test -f $spool/archive/RX-E2E-1.json && [ -z \"\$(ls -A $spool/incoming)\" ]"
check "the submit group reads verdicts/ but cannot write there, nor list archive/ or quarantine/" bash -c "
  runuser -u pharmacy -- cat $(verdict RX-E2E-1) >/dev/null &&
  ! runuser -u pharmacy -- touch $spool/verdicts/x && ! runuser -u pharmacy -- ls $spool/archive &&
  ! runuser -u pharmacy -- ls $spool/quarantine && ! runuser -u pharmacy -- touch $spool/x"
check "one submitter cannot delete another submitter's file in incoming/ (sticky bit)" bash -c "
  runuser -u pharmacy -- sh -c 'echo > $spool/incoming/.other.part' && ! runuser -u pharmacy2 -- rm -f $spool/incoming/.other.part &&
  rm $spool/incoming/.other.part"
check "the journal holds the finding: MESSAGE_ID, PRIORITY=2 and every REGIMEN_GUARD_* field" bash -c "
  $(declare -f journal_has); unit=$unit
  e=\$(journalctl --no-pager -u $unit -o json MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb REGIMEN_GUARD_ORDER_ID=RX-E2E-1)
  echo \"\$e\"
  for f in '\"PRIORITY\":\"2\"' '\"REGIMEN_GUARD_RULE\":\"her2-anthracycline-concurrent\"' '\"REGIMEN_GUARD_SEVERITY\":\"critical\"' \
    '\"REGIMEN_GUARD_DECISION\":\"reject\"' '\"REGIMEN_GUARD_FILE\":\"RX-E2E-1.json\"' '\"REGIMEN_GUARD_OVERRIDDEN\":\"0\"' \
    '\"REGIMEN_GUARD_POLICY_VERSION\":' '\"REGIMEN_GUARD_POLICY_DIGEST\":\"sha256:' '\"_SYSTEMD_UNIT\":\"regimen-guard.service\"'; do
    grep -qF \"\$f\" <<<\"\$e\" || { echo \"missing \$f\"; exit 1; }; done"
check "the journal holds the order summary and the service-started entry" bash -c "
  $(declare -f journal_has); unit=$unit
  journal_has MESSAGE_ID=408d9aae5cb44854861f8318c368e17e REGIMEN_GUARD_ORDER_ID=RX-E2E-1 &&
  journal_has MESSAGE_ID=002083c98aaf40b795bacb7426e615d1"
check "journalctl -x shows the catalog text for the finding" bash -c "
  out=\$(journalctl --no-pager -x -u $unit MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb); echo \"\$out\"
  grep -q 'Why it matters: in the pivotal trial' <<<\"\$out\" && grep -q 'Subject: HER2 antibody with' <<<\"\$out\""
printf '{"order_id": "RX-E2E-BAD", "patient": {"id": "MRN-E2E-SECRET"}, "medications": [{"drug": "trastuzumabb"}]}' |
  runuser -u pharmacy -- sh -c "cat > $spool/incoming/.bad.part && mv $spool/incoming/.bad.part $spool/incoming/RX-E2E-BAD.json"
check "an unreadable order gets an invalid verdict and an order-invalid journal entry" bash -c "
  $(declare -f waitfor journal_has verdict judged); spool=$spool unit=$unit
  judged RX-E2E-BAD invalid && journal_has MESSAGE_ID=3275db35b2094a51867404e5e5c1fed0 REGIMEN_GUARD_FILE=RX-E2E-BAD.json"
# --- One order's alert flood (journald's default rate limit: 10,000 entries per 30 s) ---------------------------
python3 - > /root/e2e/flood.json <<'PY'
import json
# Three HER2 antibodies against two anthracyclines: the core merges findings per pair of agents (six here), and the
# journal then gives that rule one entry with the count.
her2, anthracyclines = ["trastuzumab", "pertuzumab", "Kadcyla"], ["epirubicin", "doxorubicin"]
meds = [{"drug": her2[i % 3], "start": "2026-12-01"} for i in range(120)] + [
  {"drug": anthracyclines[i % 2], "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21} for i in range(120)]
print(json.dumps({"order_id": "RX-E2E-FLOOD", "patient": {"id": "MRN-E2E-SECRET", "her2_status": "positive", "hr_status": "positive",
  "disease_setting": "metastatic"}, "line_of_therapy": 1, "medications": meds,
  "observations": [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]}))
PY
runuser -u pharmacy -- sh -c "cat > $spool/incoming/.flood.part && mv $spool/incoming/.flood.part $spool/incoming/RX-E2E-FLOOD.json" < /root/e2e/flood.json
waitfor 60 test -s "$(verdict RX-E2E-FLOOD)"
submit RX-E2E-AFTER epirubicin
check "after a flood order (thousands of findings), the next order's critical finding reaches the journal (default rate limit)" bash -c "
  $(declare -f waitfor judged verdict journal_has); spool=$spool unit=$unit
  judged RX-E2E-AFTER reject && waitfor 20 journal_has MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb REGIMEN_GUARD_ORDER_ID=RX-E2E-AFTER"
check "the flood order has at most one journal entry per rule, with a count, and at most 22 in all" bash -c "
  journalctl --sync; n=\$(journalctl --no-pager -u $unit -o json REGIMEN_GUARD_ORDER_ID=RX-E2E-FLOOD | wc -l); echo \"\$n entries\"
  c=\$(journalctl --no-pager -u $unit -o json REGIMEN_GUARD_ORDER_ID=RX-E2E-FLOOD REGIMEN_GUARD_RULE=her2-anthracycline-concurrent | grep -o '\"REGIMEN_GUARD_COUNT\":\"[0-9]*\"')
  echo \"\$c\"; [ \"\$n\" -le 22 ] && [ \"\$(echo \"\$c\" | wc -l)\" = 1 ] && ! echo \"\$c\" | grep -q '\"1\"'"
check "journald suppressed nothing of the service" bash -c "
  journalctl --sync; ! journalctl --no-pager -b -o cat -u systemd-journald | grep -i 'suppressed'"
check "the patient identifier is nowhere in the journal" bash -c "journalctl --sync; ! journalctl -o json --no-pager | grep -q MRN-E2E-SECRET"

# --- The report timer: the Prometheus textfile ---------------------------------------------------------------
# The orders judged so far: RX-E2E-1, RX-E2E-FLOOD and RX-E2E-AFTER reject, RX-E2E-BAD invalid. The timer ran the
# report a few seconds after the install (OnActiveSec=), and then runs it a minute after each run (OnUnitActiveSec=):
# wait (bounded) for a run after a first one, and check that run's file counts them all.
cat > /root/e2e/prom-counts <<'SH'
#!/bin/sh
# prom-counts FILE: the order counts by decision in a .prom file, as "accept review reject invalid"
for d in accept review reject invalid; do
  v=$(sed -n "s/^regimen_guard_orders_total{decision=\"$d\"} \([0-9.e+]*\)$/\1/p" "$1")
  printf '%s ' "${v:-missing}"
done
SH
chmod 0755 /root/e2e/prom-counts
fired_since() {  # fired_since LAST_TRIGGER: the report timer triggered since (LastTriggerUSec changed), that run ended
  [ "$(systemctl show -p LastTriggerUSec --value regimen-guard-report.timer)" != "$1" ] &&
    [ "$(systemctl show -p ActiveState --value regimen-guard-report.service)" != activating ]
}
# The first run (OnActiveSec=5s after the install's start) may still be due: wait for it, then for the one after.
waitfor 30 bash -c '[ -n "$(systemctl show -p LastTriggerUSec --value regimen-guard-report.timer)" ]'
last_trigger=$(systemctl show -p LastTriggerUSec --value regimen-guard-report.timer)
echo "report timer: last trigger '$last_trigger', next '$(systemctl show -p NextElapseUSecMonotonic --value regimen-guard-report.timer)'" >> "$log"
check "the timer fires again within a minute of its last run, and that run's .prom file counts the orders judged (3 reject, 1 invalid)" bash -c "
  $(declare -f waitfor fired_since)
  waitfor 75 fired_since '$last_trigger'; fired=\$?; counts=\$(/root/e2e/prom-counts $prom)
  echo \"fired: \$fired; last trigger now \$(systemctl show -p LastTriggerUSec --value regimen-guard-report.timer); counts: \$counts\"
  [ \$fired = 0 ] && [ \"\$counts\" = '0 0 3 1 ' ]"
check "the .prom file is 0644 root, and no temporary file is left in the folder" bash -c "
  ls -la $textfile_dir; [ \"\$(stat -c %a:%U $prom)\" = 644:root ] && [ \"\$(ls -A $textfile_dir)\" = regimen-guard.prom ]"
check "promtool check metrics passes on the .prom file" bash -c "promtool check metrics < $prom"
check "the report service's runs succeed, under its hardening, with nothing failed in its journal" bash -c "
  journalctl --sync; out=\$(journalctl --no-pager -b -o cat -u regimen-guard-report.service | grep -i -E 'fail|denied|error' |
    grep -v 'Failed to configure loopback network device, ignoring'); echo \"\$out\"
  [ \"\$(systemctl show -p Result --value regimen-guard-report.service)\" = success ] && [ -z \"\$out\" ]"
check "the .prom file holds no patient identifier" bash -c "! grep -q MRN-E2E-SECRET $prom"

# --- Reload -------------------------------------------------------------------------------------------------
digest=$(grep -o '"digest" *: *"[^"]*"' "$(verdict RX-E2E-1)" | grep -o 'sha256:[0-9a-f]*')
echo "policy digest at start: $digest" >> "$log"
sed 's/baseline_days: 90/baseline_days: ninety/' /usr/share/regimen-guard/policies/rules.yaml > /etc/regimen-guard/policies/rules.yaml
check "the broken local policy is refused by regimen-guard policy check (exit 78)" \
  bash -c 'regimen-guard policy check; [ $? = 78 ]'
check "systemctl reload with the broken local policy returns success" systemctl reload regimen-guard
check "the service is still active, same process, and logged the refused reload" bash -c "
  $(declare -f waitfor journal_has); unit=$unit
  waitfor 20 journal_has MESSAGE_ID=be01e0d49f684e9c9f15d08892ffee1b &&
  systemctl is-active regimen-guard && [ \"\$(systemctl show -p MainPID --value regimen-guard)\" = $pid ]"
submit RX-E2E-2 docetaxel
check "orders are still judged, with the last good policy's digest" \
  bash -c "$(declare -f waitfor judged verdict); spool=$spool; judged RX-E2E-2 accept && grep -q '$digest' $(verdict RX-E2E-2)"
sed 's/baseline_days: 90/baseline_days: 120/' /usr/share/regimen-guard/policies/rules.yaml > /etc/regimen-guard/policies/rules.yaml
systemctl reload regimen-guard >> "$log" 2>&1
# systemd 252 ends the reload job when `kill -HUP` returns, which can be before the service has read the folders;
# the policy-loaded entry is the reload's observable end.
waitfor 20 journal_has MESSAGE_ID=a6fd7d70dfcc4d6ea3df47a4b25d302b
submit RX-E2E-3 docetaxel
check "a valid local change is loaded on reload: new digest in verdicts, policy-loaded entry" bash -c "
  $(declare -f waitfor judged verdict journal_has); spool=$spool unit=$unit
  journal_has MESSAGE_ID=a6fd7d70dfcc4d6ea3df47a4b25d302b && judged RX-E2E-3 accept && ! grep -q '$digest' $(verdict RX-E2E-3)"

# --- Watchdog -----------------------------------------------------------------------------------------------
# A hung service is killed by the watchdog and restarted. A drop-in shortens the watchdog for the test.
mkdir -p /etc/systemd/system/regimen-guard.service.d
printf '[Service]\nWatchdogSec=2s\n' > /etc/systemd/system/regimen-guard.service.d/e2e-watchdog.conf
systemctl daemon-reload
systemctl restart regimen-guard
restarts=$(prop NRestarts)
stopped=$(prop MainPID)
kill -STOP "$stopped"
check "SIGSTOP: the watchdog kills the hung service and systemd restarts it (NRestarts +1)" \
  bash -c "$(declare -f waitfor prop); unit=$unit
  waitfor 30 bash -c '[ \$(systemctl show -p NRestarts --value $unit) -gt $restarts ] && systemctl is-active $unit' &&
  [ \"\$(systemctl show -p MainPID --value $unit)\" != $stopped ] &&
  journalctl --no-pager -b -u $unit | grep -i 'watchdog timeout'"
check "a watchdog timeout ends the process at once (SIGKILL, within 3 s), not after TimeoutStopSec" bash -c "
  journalctl --sync; out=\$(journalctl --no-pager -b -u $unit -o short-unix | grep -E 'Watchdog timeout|Main process exited' | tail -n 2); echo \"\$out\"
  t1=\$(echo \"\$out\" | grep 'Watchdog timeout' | tail -n 1 | cut -d' ' -f1); t2=\$(echo \"\$out\" | grep 'Main process exited' | tail -n 1 | cut -d' ' -f1)
  [ -n \"\$t1\" ] && [ -n \"\$t2\" ] && python3 -c \"import sys; sys.exit(0 if 0 <= \$t2 - \$t1 < 3 else 1)\" &&
  echo \"\$out\" | grep -q 'status=9/KILL'"
check "the unit runs with WatchdogSignal=SIGKILL and SWIFT_BACKTRACE=enable=no, and nothing dumped memory to the journal" bash -c "
  [ \"\$(systemctl show -p WatchdogSignal --value $unit)\" = 9 ] && systemctl show -p Environment --value $unit | grep -q 'SWIFT_BACKTRACE=enable=no' &&
  journalctl --sync && ! journalctl --no-pager -b -o cat -u $unit | grep -E 'Program crashed|Backtrace|Fatal error|rax 0x|Registers:'"
submit RX-E2E-4 docetaxel
check "the restarted service judges orders" judged RX-E2E-4 accept
rm -r /etc/systemd/system/regimen-guard.service.d
systemctl daemon-reload

# --- A heavy or poison order under the real systemd (scaled: watchdog 2 s, judge time limit 1 s) ----------------
mkdir -p /etc/systemd/system/regimen-guard.service.d
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nWatchdogSec=2s\nRestartSec=1s\nExecStart=\nExecStart=/usr/bin/regimen-guard watch --spool /var/spool/regimen-guard --log-target journal --judge-time-limit 1\n' \
  > /etc/systemd/system/regimen-guard.service.d/e2e-poison.conf
systemctl daemon-reload
systemctl restart regimen-guard
python3 -c "
import sys
head = '{\"order_id\": \"RX-E2E-HEAVY\", \"patient\": {\"id\": \"MRN-E2E-SECRET\", \"her2_status\": \"positive\", \"hr_status\": \"positive\", \"disease_setting\": \"metastatic\"}, \"medications\": [{\"drug\": \"trastuzumab\", \"start\": \"2026-12-01\"}]'
keys = []; size = len(head); i = 0
while size < 1040000:
    k = '\"%x\":1' % i; keys.append(k); size += len(k) + 1; i += 1
sys.stdout.write(head + ',' + ','.join(keys) + '}')
" > /root/e2e/heavy.json
runuser -u pharmacy -- sh -c "cat > $spool/incoming/.heavy.part && mv $spool/incoming/.heavy.part $spool/incoming/RX-E2E-HEAVY.json" < /root/e2e/heavy.json
for i in $(seq 1 20); do submit RX-E2E-P$i docetaxel; done
check "the heavy order ends with a verdict (judged, or quarantined after 2 crashes) and the service is active" bash -c "
  $(declare -f waitfor verdict); spool=$spool
  waitfor 120 test -s $(verdict RX-E2E-HEAVY) && head -c 600 $(verdict RX-E2E-HEAVY) && systemctl is-active regimen-guard &&
  { ! grep -q 'stopped without warning' $(verdict RX-E2E-HEAVY) || test -e $spool/quarantine/RX-E2E-HEAVY.json; }"
check "beside the heavy 1 MiB order, 20 ordinary orders are all judged" bash -c "
  $(declare -f waitfor judged verdict); spool=$spool
  for i in \$(seq 1 20); do judged RX-E2E-P\$i accept || exit 1; done"
systemctl show regimen-guard -p NRestarts >> "$log"
rm -r /etc/systemd/system/regimen-guard.service.d
systemctl daemon-reload
systemctl restart regimen-guard
# --- Upgrade ------------------------------------------------------------------------------------------------
old_pid=$(prop MainPID)
check "an upgrade to a higher version installs and restarts the running service" bash -c "
  dpkg -i $upgrade_deb && dpkg-query -W -f '\${Version}' regimen-guard | grep -q e2e &&
  systemctl is-active regimen-guard && [ \"\$(systemctl show -p MainPID --value regimen-guard)\" != $old_pid ]"
check "the upgrade kept the local policy and the enablement" \
  bash -c "grep -q 'baseline_days: 120' /etc/regimen-guard/policies/rules.yaml && [ \"\$(systemctl is-enabled regimen-guard)\" = enabled ]"
submit RX-E2E-5 docetaxel
check "orders are judged after the upgrade" judged RX-E2E-5 accept

# --- CDS Hooks service (socket activation, reload, watchdog, stop) ----------------------------------------
. /root/e2e/cds-inside.sh

# --- Stop, remove, reinstall, purge -------------------------------------------------------------------------
check "systemctl stop is clean: exit 0, result success, stopping entry logged" bash -c "
  $(declare -f journal_has); unit=$unit
  systemctl stop regimen-guard && [ \"\$(systemctl show -p Result --value regimen-guard)\" = success ] &&
  [ \"\$(systemctl show -p ExecMainStatus --value regimen-guard)\" = 0 ] &&
  journal_has MESSAGE_ID=00291e544d17496bb851ec6e189bf35f"
check "dpkg -r removes the program and keeps the spool and the conffile" bash -c "
  dpkg -r regimen-guard && ! test -e /usr/bin/regimen-guard && test -f $spool/archive/RX-E2E-1.json &&
  test -f /etc/regimen-guard/policies/README"
check "reinstalling after a remove: the service starts again (not left masked)" bash -c "
  dpkg -i $deb && systemctl start regimen-guard && systemctl is-active regimen-guard && systemctl stop regimen-guard"
rm /etc/regimen-guard/policies/rules.yaml
check "dpkg --purge removes the package's files and links, and keeps the clinical records" bash -c "
  dpkg --purge regimen-guard && ! test -e /usr/bin/regimen-guard && ! test -e /etc/regimen-guard &&
  ! test -e /etc/systemd/system/multi-user.target.wants/regimen-guard.service &&
  ! test -e /usr/lib/systemd/system/regimen-guard.service && test -f $spool/archive/RX-E2E-1.json &&
  test -f $(verdict RX-E2E-1) && ! dpkg -s regimen-guard"
check "the purge also removed the report timer's enablement and its .prom file" bash -c "
  ! test -e /etc/systemd/system/timers.target.wants/regimen-guard-report.timer && ! test -e $prom &&
  ! systemctl is-active regimen-guard-report.timer"
systemctl show regimen-guard -p NRestarts -p Result >> "$log" 2>&1
echo "### report service journal" >> "$log"
journalctl --no-pager -b -u regimen-guard-report.service -u regimen-guard-report.timer >> "$log" 2>&1
echo "### service journal" >> "$log"
journalctl --no-pager -b -u "$unit" >> "$log" 2>&1
