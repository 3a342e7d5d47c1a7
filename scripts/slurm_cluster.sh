#!/usr/bin/env bash
# A real single-node Slurm 22.05 cluster on 127.0.0.1, for the tests that ask
# the scheduler (tests/e2e/test_slurm_query.sh) and for trying jobmon by hand.
#
#   scripts/slurm_cluster.sh up     [STATE_DIR]   start it (a no-op when it runs), print its env
#   scripts/slurm_cluster.sh down   [STATE_DIR]   stop what `up` started there, nothing else
#   scripts/slurm_cluster.sh status [STATE_DIR]   exit 0 when every daemon answers
#   scripts/slurm_cluster.sh env    [STATE_DIR]   print the env lines only
#
# STATE_DIR (default /tmp/jobmon-slurm) holds everything: configs, keys, the
# MariaDB datadir, spool dirs, logs, sockets, pid files. Nothing under /etc or
# /run is touched and no service manager is used (apt's policy-rc.d refuses
# service starts in containers): every daemon is started here, by path, in
# the foreground of its own session, and `down` stops exactly the pids it
# recorded. Ports are picked free on 127.0.0.1 at the first `up` and kept.
#
# Why these settings (learnt on Slurm 22.05 in a container):
# - proctrack/linuxproc + task/none, no cgroup plugin: cgroup v2 needs systemd
#   in 22.05. So there is no memory enforcement (no OUT_OF_MEMORY here).
# - DefMemPerCPU: otherwise a job asks for the node's whole memory and the
#   tasks of an array run one at a time. RealMemory (declared, like the
#   CPUs) leaves room for 16 tasks asking datatrove's --mem-per-cpu=1G.
# - SlurmctldHost must be the real `hostname -s` (slurmctld refuses another).
# - KillWait=2: a task over its time limit ends 2 s after SIGTERM, not 30.
# - MinJobAge=300 (Slurm's default): finished jobs stay in squeue for 5 min.
# Exit codes: 0 ok; 1 a daemon did not come up (its log tail is printed);
# 77 the Slurm/munge/MariaDB binaries are not installed.
set -euo pipefail

ACTION=${1:-status}
STATE=${2:-/tmp/jobmon-slurm}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
ETC=$STATE/etc LOG=$STATE/log RUN=$STATE/run
DB_PASS=jobmon-slurm-test
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)

say() { echo "slurm_cluster: $*" >&2; }

need_binaries() {
  local b missing=()
  for b in munged mariadbd mariadb-install-db mariadb slurmdbd slurmctld slurmd sacctmgr sinfo squeue sacct sbatch; do
    command -v "$b" > /dev/null || [[ -x /usr/sbin/$b ]] || missing+=("$b")
  done
  if ((${#missing[@]})); then
    say "not installed: ${missing[*]} (scripts/install-deps.sh --test installs them)"
    exit 77
  fi
}

# alive NAME: the pid recorded for NAME runs, and is that daemon (not a reused pid).
alive() {
  local pidfile=$RUN/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(< "$pidfile")
  [[ -r /proc/$pid/comm ]] || return 1
  [[ $(< "/proc/$pid/comm") == "$1" ]]
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)); then say "timed out after $limit s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# start NAME LOGFILE COMMAND...: runs COMMAND in its own session, records its pid.
start() {
  local name=$1 logfile=$2; shift 2
  setsid "$@" >> "$logfile" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

# fail_with LOG: prints the tail of a daemon's log and fails.
fail_with() {
  say "last lines of $1:"
  tail -n 30 "$1" >&2 || true
  exit 1
}

free_ports() {
  /usr/bin/python3 - "$1" << 'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

write_configs() {
  [[ -s $ETC/ports ]] || free_ports 4 > "$ETC/ports"
  local ctld_port dbd_port slurmd_port db_port
  read -r ctld_port dbd_port slurmd_port db_port < "$ETC/ports"
  local host
  host=$(hostname -s)
  local cpus
  cpus=$(nproc)
  # Declared, not real (config_overrides): room for the datatrove test's
  # arrays, several tasks each, to run at once on a 2-core machine.
  ((cpus >= 16)) || cpus=16
  echo "$db_port" > "$ETC/db_port"

  cat > "$ETC/slurm.conf" << EOF
# Written by scripts/slurm_cluster.sh: a test cluster on 127.0.0.1.
ClusterName=jobmon
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$RUN/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$RUN/slurmctld.own.pid
SlurmdPidFile=$RUN/slurmd.own.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
KillWait=2
OverTimeLimit=0
InactiveLimit=0
MailProg=/bin/true
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$dbd_port
# The munge socket for the connection to slurmdbd (AuthInfo covers the rest).
AccountingStoragePass=$RUN/munge.socket
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=32000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=7-00:00:00 State=UP
EOF

  cat > "$ETC/slurmdbd.conf" << EOF
# Written by scripts/slurm_cluster.sh: accounting in the private MariaDB.
AuthType=auth/munge
AuthInfo=socket=$RUN/munge.socket
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$dbd_port
SlurmUser=root
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.own.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$ETC/slurmdbd.conf"
}

print_env() {
  echo "export SLURM_CONF=$ETC/slurm.conf"
}

start_munge() {
  alive munged && return 0
  mkdir -p "$STATE/munge"
  chmod 700 "$STATE/munge"
  if [[ ! -s $STATE/munge/munge.key ]]; then
    dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$STATE/munge/munge.key"
  fi
  rm -f "$RUN/munge.socket" "$RUN/munge.socket.lock"
  start munged "$LOG/munged.out" munged --foreground --force \
    --socket="$RUN/munge.socket" --key-file="$STATE/munge/munge.key" \
    --pid-file="$RUN/munged.own.pid" --log-file="$LOG/munged.log" --seed-file="$STATE/munge/seed"
  wait_for 20 munged bash -c "munge -n -S '$RUN/munge.socket' | unmunge -S '$RUN/munge.socket'" ||
    fail_with "$LOG/munged.log"
}

db_client() { mariadb --no-defaults --socket="$RUN/mysqld.sock" -u root "$@"; }

start_mariadb() {
  alive mariadbd && return 0
  if [[ ! -d $STATE/db/mysql ]]; then
    mariadb-install-db --no-defaults --datadir="$STATE/db" --user=root \
      --auth-root-authentication-method=socket --skip-test-db > "$LOG/mariadb-install.log" 2>&1 ||
      fail_with "$LOG/mariadb-install.log"
  fi
  start mariadbd "$LOG/mariadbd.out" "$(command -v mariadbd || echo /usr/sbin/mariadbd)" --no-defaults \
    --datadir="$STATE/db" --socket="$RUN/mysqld.sock" --port="$(< "$ETC/db_port")" \
    --bind-address=127.0.0.1 --pid-file="$RUN/mariadbd.own.pid" --log-error="$LOG/mariadbd.log" \
    --user=root --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 \
    --innodb-log-file-size=64M --max-allowed-packet=16M
  wait_for 60 mariadbd db_client -e "SELECT 1" || fail_with "$LOG/mariadbd.log"
  db_client -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"
}

start_slurmdbd() {
  alive slurmdbd && return 0
  start slurmdbd "$LOG/slurmdbd.out" "$(command -v slurmdbd || echo /usr/sbin/slurmdbd)" -D
  wait_for 60 slurmdbd sacctmgr -n show cluster || fail_with "$LOG/slurmdbd.log"
  # slurmctld registers with its cluster; adding it first is harmless and sure.
  sacctmgr -i add cluster jobmon > /dev/null 2>&1 || true
}

start_slurmctld() {
  alive slurmctld && return 0
  start slurmctld "$LOG/slurmctld.out" "$(command -v slurmctld || echo /usr/sbin/slurmctld)" -D -i
  wait_for 60 slurmctld scontrol ping || fail_with "$LOG/slurmctld.log"
}

node_ready() { [[ $(sinfo -h -N -o %t 2>/dev/null) == idle* || $(sinfo -h -N -o %t 2>/dev/null) == mix* ]]; }

start_slurmd() {
  if ! alive slurmd; then
    start slurmd "$LOG/slurmd.out" "$(command -v slurmd || echo /usr/sbin/slurmd)" -D
  fi
  wait_for 60 "the node to be idle" node_ready || { cat "$LOG/slurmd.out" >&2 || true; fail_with "$LOG/slurmd.log"; }
}

up() {
  need_binaries
  mkdir -p "$ETC" "$LOG" "$RUN" "$STATE/spool/ctld" "$STATE/spool/d"
  write_configs
  export SLURM_CONF=$ETC/slurm.conf
  start_munge
  start_mariadb
  start_slurmdbd
  start_slurmctld
  start_slurmd
  say "up in $STATE"
  print_env
}

# stop NAME: TERM, then KILL after 15 s; only the pid `up` recorded.
stop() {
  alive "$1" || { rm -f "$RUN/$1.pid"; return 0; }
  local pid
  pid=$(< "$RUN/$1.pid")
  kill -TERM "$pid" 2> /dev/null || true
  local deadline=$((SECONDS + 15))
  while alive "$1" && ((SECONDS < deadline)); do sleep 0.1; done
  if alive "$1"; then kill -KILL "$pid" 2> /dev/null || true; fi
  rm -f "$RUN/$1.pid"
}

# Our jobs' processes: every slurmstepd started under this cluster's SLURM_CONF,
# and everything below it (a job's script and what it started).
job_processes() {
  local pid stepds=()
  for pid in $(pgrep -x slurmstepd 2> /dev/null || true); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -qx "SLURM_CONF=$ETC/slurm.conf"; then stepds+=("$pid"); fi
  done
  ((${#stepds[@]})) || return 0
  ps -e -o pid=,ppid= | awk -v roots="${stepds[*]}" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; ++i) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do { grew = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } } while (grew)
      for (p in keep) print p
    }'
}

down() {
  [[ -d $RUN ]] || return 0
  export SLURM_CONF=$ETC/slurm.conf
  # Cancel what still runs while slurmctld can, so no job outlives the cluster.
  if alive slurmctld; then
    local jobs
    jobs=$(timeout 10 squeue -h -o %A 2> /dev/null | sort -u | tr '\n' ' ' || true)
    if [[ -n ${jobs// /} ]]; then
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs > /dev/null 2>&1 || true
      wait_for 10 "jobs to end" bash -c '[[ -z $(squeue -h -t running,completing -o %A 2> /dev/null) ]]' || true
    fi
  fi
  local i
  # Reverse order: the node first, munge last (the others need it to say goodbye).
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; --i)); do stop "${DAEMONS[i]}"; done
  local pid
  for pid in $(job_processes); do kill -KILL "$pid" 2> /dev/null || true; done
  say "down ($STATE)"
}

status() {
  local name ok=0
  for name in "${DAEMONS[@]}"; do
    if alive "$name"; then echo "$name: running (pid $(< "$RUN/$name.pid"))"; else echo "$name: stopped"; ok=1; fi
  done
  return $ok
}

case $ACTION in
  up) up ;;
  down) down ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 up|down|status|env [STATE_DIR]" >&2; exit 2 ;;
esac
