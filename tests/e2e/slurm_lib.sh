# Helpers for the tests that run a real Slurm cluster (sourced after lib.sh):
# the checks that skip where the cluster cannot run, and bringing it up
# under $WORK (down at exit whatever happens).

# slurm_require: skips (77) without the Slurm, munge or MariaDB binaries, or when not root.
slurm_require() {
  local b
  for b in munged mariadbd slurmdbd slurmctld slurmd sbatch squeue sacct scancel srun; do
    command -v "$b" > /dev/null || skip "$b not on PATH (scripts/install-deps.sh --test installs it)"
  done
  [[ $(id -u) -eq 0 ]] || skip "the test cluster runs its daemons as root"
}

# slurm_up: starts the cluster in $WORK/cluster and exports SLURM_CONF; a
# second try, fresh, when the first fails (the free ports it picked may have
# been taken meanwhile). Sets CLUSTER and CLUSTER_SCRIPT.
slurm_up() {
  CLUSTER=$WORK/cluster
  CLUSTER_SCRIPT=$JOBMON_SOURCE/scripts/slurm_cluster.sh
  on_exit "bash '$CLUSTER_SCRIPT' down '$CLUSTER' > /dev/null 2>&1"
  if ! bash "$CLUSTER_SCRIPT" up "$CLUSTER" > "$WORK/up.out" 2> "$WORK/up.err"; then
    cat "$WORK/up.err" >&2
    bash "$CLUSTER_SCRIPT" down "$CLUSTER" > /dev/null 2>&1 || true
    rm -rf "$CLUSTER"
    if ! bash "$CLUSTER_SCRIPT" up "$CLUSTER" > "$WORK/up.out" 2> "$WORK/up.err"; then
      cat "$WORK/up.err" >&2
      return 1
    fi
  fi
  eval "$(cat "$WORK/up.out")"
}

# squeue_state JOB: the state squeue gives one job or array task ("1_3"),
# ended ones included (-t all: squeue keeps them for MinJobAge), empty when it has none.
squeue_state() { squeue -h -t all -j "$1" -o %T 2> /dev/null | head -1; }
# squeue_reason JOB: why it waits.
squeue_reason() { squeue -h -t all -j "$1" -o %r 2> /dev/null | head -1; }
# sacct_state JOB: the job row's state in sacct ("1_3", not its steps), empty when it has none.
sacct_state() { sacct -n -X -P -j "$1" -o State 2> /dev/null | head -1; }

# slurm_wait SECONDS COMMAND...: wait_until, polling every 0.5 s (not to flood slurmctld with squeue calls).
slurm_wait() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
