#!/bin/bash
# Runs inside the booted container as root: installs the package and checks the service as an admin would.
set -u
results=/out/results
: > "$results"
check() {  # check "description" command...
  local what=$1; shift
  if "$@" >>/out/inside.log 2>&1; then echo "ok - $what" >> "$results"; else echo "not ok - $what" >> "$results"; fi
}
waitfor() {  # waitfor SECONDS command...: poll an observable effect until a deadline
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
spool=/var/spool/regimen-guard
order() {  # order ID DRUG2: an HR+/HER2+ metastatic first-line order; DRUG2 epirubicin gives a reject
  cat <<JSON
{"order_id": "$1", "patient": {"id": "MRN-E2E-SECRET", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
 "line_of_therapy": 1,
 "medications": [{"drug": "trastuzumab", "start": "2026-12-01"}, {"drug": "pertuzumab", "start": "2026-12-01"},
                 {"drug": "$2", "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21}],
 "observations": [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]}
JSON
}
submit() {  # submit ID DRUG2, as a pharmacy-system user: write a dotfile in incoming/, then rename it in
  order "$1" "$2" | runuser -u pharmacy -- sh -c "cat > $spool/incoming/.$1.part && mv $spool/incoming/.$1.part $spool/incoming/$1.json"
}

check "the package installs" dpkg -i /root/e2e/regimen-guard.deb
check "the unit file verifies without warnings" bash -c '[ -z "$(systemd-analyze verify regimen-guard.service 2>&1)" ]'
check "the spool folders exist with their modes" bash -c "[ \"\$(stat -c %a:%U:%G $spool/incoming)\" = 2770:regimen-guard:regimen-guard-submit ] && [ \"\$(stat -c %a $spool/archive)\" = 700 ]"
useradd --system --no-create-home --groups regimen-guard-submit pharmacy
check "the service starts under all hardening directives" systemctl start regimen-guard
check "the service is active with its STATUS text" bash -c 'systemctl is-active regimen-guard && systemctl show -p StatusText --value regimen-guard | grep -q "orders:"'

submit RX-E2E-1 epirubicin
check "an order dropped by a pharmacy user gets its verdict" waitfor 20 test -s $spool/verdicts/RX-E2E-1.json.verdict.json
check "the verdict is reject and the original is archived" bash -c "grep -q '\"decision\": \"reject\"' $spool/verdicts/RX-E2E-1.json.verdict.json && test -f $spool/archive/RX-E2E-1.json"
check "the pharmacy user can read verdicts but not the archive" bash -c "runuser -u pharmacy -- cat $spool/verdicts/RX-E2E-1.json.verdict.json >/dev/null && ! runuser -u pharmacy -- ls $spool/archive"
journalctl --sync
check "the journal holds the finding with its MESSAGE_ID and fields" bash -c "journalctl -u regimen-guard -o json MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb | grep -q '\"REGIMEN_GUARD_ORDER_ID\":\"RX-E2E-1\"'"
check "journalctl -x shows the catalog text" bash -c "journalctl -x -u regimen-guard --no-pager MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb | grep -q 'Why it matters'"
check "the patient identifier is nowhere in the journal" bash -c "! journalctl -o json --no-pager | grep -q MRN-E2E-SECRET"

digest=$(grep -o '"digest": "[^"]*"' $spool/verdicts/RX-E2E-1.json.verdict.json)
sed 's/baseline_days: 90/baseline_days: ninety/' /usr/share/regimen-guard/policies/rules.yaml > /etc/regimen-guard/policies/rules.yaml
check "regimen-guard policy check refuses the broken local policy" bash -c '! regimen-guard policy check /usr/share/regimen-guard/policies /etc/regimen-guard/policies'
check "systemctl reload with a broken local policy returns" systemctl reload regimen-guard
check "the service stays active after the broken reload" systemctl is-active regimen-guard
submit RX-E2E-2 docetaxel
check "orders are still judged with the last good policy" bash -c "$(declare -f waitfor); waitfor 20 test -s $spool/verdicts/RX-E2E-2.json.verdict.json && grep -q '$digest' $spool/verdicts/RX-E2E-2.json.verdict.json"
check "the failed reload is in the journal" bash -c "journalctl --sync; journalctl -u regimen-guard -o json MESSAGE_ID=be01e0d49f684e9c9f15d08892ffee1b | grep -q baseline_days"
rm /etc/regimen-guard/policies/rules.yaml

# A hung service is killed by the watchdog and restarted (a short watchdog for the test).
mkdir -p /etc/systemd/system/regimen-guard.service.d
printf '[Service]\nWatchdogSec=2s\n' > /etc/systemd/system/regimen-guard.service.d/watchdog.conf
systemctl daemon-reload
systemctl restart regimen-guard
restarts=$(systemctl show -p NRestarts --value regimen-guard)
kill -STOP "$(systemctl show -p MainPID --value regimen-guard)"
check "a hung service is killed by the watchdog and restarted" waitfor 30 bash -c "[ \$(systemctl show -p NRestarts --value regimen-guard) -gt $restarts ] && systemctl is-active regimen-guard"
submit RX-E2E-3 docetaxel
check "the restarted service judges orders" waitfor 20 test -s $spool/verdicts/RX-E2E-3.json.verdict.json

check "an upgrade (reinstall) restarts the running service and it keeps judging" bash -c "dpkg -i /root/e2e/regimen-guard.deb && systemctl is-active regimen-guard"
submit RX-E2E-4 docetaxel
check "orders are judged after the upgrade" waitfor 20 test -s $spool/verdicts/RX-E2E-4.json.verdict.json

check "systemctl stop is clean" bash -c 'systemctl stop regimen-guard && [ "$(systemctl show -p Result --value regimen-guard)" = success ]'
check "the package purges cleanly and keeps the clinical records" bash -c "dpkg --purge regimen-guard && test -f $spool/archive/RX-E2E-1.json && ! test -e /usr/bin/regimen-guard"
systemctl show regimen-guard -p NRestarts -p Result >> /out/inside.log 2>&1
