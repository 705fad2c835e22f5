#!/usr/bin/env bash
# A test cluster in containers of the project's image (poisson:bookworm plus
# Debian's ssh, munge and Slurm: packaging/cluster/), each container a host
# with its own name on a private network without outside access, and on it:
#   1. mpiexec across 2 and 3 hosts (over ssh, keys made here) against one
#      host with the same ranks: same residual history, same solution;
#   2. Slurm (a controller, two compute nodes, one munge key): the job script
#      packaging/slurm/poisson.sbatch submitted with sbatch;
#   3. the Apptainer model: this machine's mpiexec starting each rank inside
#      the image's root file system;
#   4. faults mid-solve: a host killed, a host cut off the network, a slurmd
#      stopped, a bad option in one host's environment;
#   5. poisson-scaling's weak series over 1, 2 and 3 hosts.
# One PASS/FAIL line per check, then "cluster: N passed, M failed".
# Everything it creates (containers, network, files) is removed on exit,
# whatever happened. CLUSTER_PREFIX (default pcl) prefixes every Docker name.
set -uo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-poisson:bookworm}
prefix=${CLUSTER_PREFIX:-pcl}
node_image=$prefix-node:bookworm
net=$prefix-net
if ! docker info >/dev/null 2>&1; then
  echo "test-cluster: skipped: no Docker engine answers"
  exit 0
fi
if ! docker image inspect "$image" >/dev/null 2>&1; then
  echo "test-cluster: skipped: no image $image (packaging/docker/build.sh bookworm makes it)"
  exit 0
fi

started=$SECONDS
work=$(mktemp -d /tmp/poisson-cluster.XXXXXX)
containers=()
teardown() {
  [ ${#containers[@]} -eq 0 ] || docker rm -f "${containers[@]}" >/dev/null 2>&1
  docker network rm "$net" >/dev/null 2>&1
  # The nodes' files belong to their users: removed from inside a container.
  docker run --rm --network=none --user root --entrypoint rm -v "$work:/work" "$image" -rf /work/shared >/dev/null 2>&1
  rm -rf "$work"
}
trap teardown EXIT

. scripts/check.sh
# No job of this test needs more than a minute: one that runs for $limit
# seconds has hung, and is ended (by timeout inside the host, so that its
# mpiexec takes its remote ranks down with it) instead of holding up CI.
limit=300
on() { # on HOST COMMAND...: as the user poisson on a host, in the shared directory
  local host=$1
  shift
  docker exec -u poisson -w /shared "$prefix-$host" "$@"
}
as_root() { docker exec "$prefix-$1" "${@:2}"; }

# The node image, from the project's image and Debian's packages; the one
# it replaces (made from an older project image) is removed.
previous=$(docker image inspect -f '{{.Id}}' "$node_image" 2>/dev/null)
if ! docker build --network=host -q --build-arg IMAGE="$image" -t "$node_image" \
  -f packaging/cluster/Dockerfile packaging/cluster >"$work/build.log" 2>&1; then
  tail -n 20 "$work/build.log"
  check "$node_image builds from $image" false
  echo "cluster: $passed passed, $failed failed"
  exit 1
fi
[ -z "$previous" ] || [ "$previous" = "$(docker image inspect -f '{{.Id}}' "$node_image")" ] ||
  docker rmi "$previous" >/dev/null 2>&1
echo "test-cluster: $node_image built after $((SECONDS - started)) s"

# Secrets made now, never stored: the users' ssh key pair, the host key all
# nodes present, the munge key. /shared is the cluster's shared file system.
mkdir -p "$work/secrets" "$work/shared"
chmod 1777 "$work/shared"
docker run --rm --network=none --user root --entrypoint sh -v "$work/secrets:/out" "$node_image" -c '
  ssh-keygen -q -t ed25519 -N "" -C poisson-cluster -f /out/id_ed25519 &&
  ssh-keygen -q -t ed25519 -N "" -C poisson-cluster-host -f /out/ssh_host_ed25519_key &&
  head -c 1024 /dev/urandom >/out/munge.key'
docker network create --internal "$net" >/dev/null
start() { # start NAME ROLE: a host on the private network
  containers+=("$prefix-$1")
  docker run -d --name "$prefix-$1" --hostname "$1" --network "$net" --network-alias "$1" \
    --shm-size=256m -v "$work/secrets:/cluster/secrets:ro" -v "$work/shared:/shared" \
    "$node_image" "$2" >/dev/null
}
start ctl ctl
start node1 node
start node2 node
start node3 ssh
cp packaging/slurm/poisson.sbatch "$work/shared/"

# Every host answers over ssh; mpiexec reaches all three.
for i in $(seq 30); do
  hosts=$(on node1 timeout 30 mpiexec -n 3 --host node1,node2,node3 hostname 2>"$work/err" | sort | tr '\n' ' ')
  [ "$hosts" = "node1 node2 node3 " ] && break
  sleep 1
done
cat "$work/err"
check "3 hosts on the internal network $net, each its own name: mpiexec over ssh reaches $hosts" \
  [ "$hosts" = "node1 node2 node3 " ]
check "no host reaches outside the private network" \
  sh -c "! docker exec $prefix-node1 timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' 2>/dev/null"

# --- 1. Several hosts: the same run as on one host -----------------------
echo "test-cluster: part 1 at $((SECONDS - started)) s"
# compare A B: residual histories to round-off (1e-10 relative), solutions
# within 1e-10 (from -solution_view binary), records of the same rank count.
compare() {
  python3 - "$work/shared/$1" "$work/shared/$2" <<'EOF'
import json, struct, sys
def load(stem):
    record = json.load(open(stem + ".json"))
    data = open(stem + ".dat", "rb").read()
    n = struct.unpack(">i", data[4:8])[0]
    return record, struct.unpack(">%dd" % n, data[8:8 + 8 * n])
(ra, ua), (rb, ub) = load(sys.argv[1]), load(sys.argv[2])
ha, hb = ra["result"]["residual_history"], rb["result"]["residual_history"]
hist = max(abs(a - b) / max(abs(a), 1e-300) for a, b in zip(ha, hb))
diff = max(abs(a - b) for a, b in zip(ua, ub))
same = ra["solution"]["sha256"] == rb["solution"]["sha256"]
print("%d iterations, %d ranks: history max rel. difference %.1e, solution max difference %.1e%s"
      % (ra["result"]["iterations"], ra["problem"]["ranks"], hist, diff, ", same digest" if same else ""))
ok = len(ha) == len(hb) and len(ua) == len(ub) and ra["problem"]["ranks"] == rb["problem"]["ranks"]
sys.exit(0 if ok and hist <= 1e-10 and diff <= 1e-10 and ra["result"]["converged"] else 1)
EOF
}
user_job=(-assemble -ksp_monitor -pc_type gamg)
gmg_job=(-problem manufactured -nx 257 -ny 257 -pc_type gmg -ksp_type richardson -ksp_rtol 1e-10)
shared_dir() { mkdir -p "$work/shared/$1" && chmod 1777 "$work/shared/$1"; }
shared_dir p1
for layout in "2 4 node1:2,node2:2" "3 3 node1,node2,node3"; do
  read -r nhosts ranks hostlist <<<"$layout"
  for job in user gmg; do
    case $job in
      user) opts=("${user_job[@]}") ;;
      gmg) opts=("${gmg_job[@]}") ;;
    esac
    for where in one many; do
      h=$hostlist
      [ $where = many ] || h=node1:$ranks
      on node1 timeout $limit mpiexec -n "$ranks" --host "$h" poisson "${opts[@]}" -record "p1/$job-$ranks-$where.json" \
        -solution_view "binary:p1/$job-$ranks-$where.dat" >"$work/p1-$job-$ranks-$where.out" 2>&1
    done
    status=0
    summary=$(compare "p1/$job-$ranks-one" "p1/$job-$ranks-many" 2>&1) || status=$?
    check "1. poisson ${opts[*]} on $nhosts hosts ($hostlist) as on 1 host: $summary" [ $status -eq 0 ]
  done
done

# --- 2. Through a scheduler: the job script, submitted with sbatch -------
echo "test-cluster: part 2 at $((SECONDS - started)) s"
idle() { [ "$(on ctl sinfo -h -N -o %T 2>/dev/null | grep -c '^idle')" -eq 2 ]; }
for i in $(seq 30); do idle && break; sleep 1; done
check "2. Slurm $(on ctl sinfo -V 2>&1): controller ctl, compute nodes node1 node2 idle ($(on ctl sinfo -h -N -o '%N:%T' | tr '\n' ' '))" idle
check "2. srun --mpi=list offers pmix ($(on node1 srun --mpi=list 2>&1 | grep -o 'pmix[a-z0-9_]*' | sort -u | tr '\n' ' '))" \
  sh -c "docker exec -u poisson $prefix-ctl srun --mpi=list 2>&1 | grep -q pmix"
# submit OUT [OPTIONS...]: sbatch of the shipped script as a user would, the
# image empty (the nodes are the image), the output in /shared/OUT; prints
# the job's number.
submit() {
  local out=$1
  shift
  docker exec -u poisson -w /shared -e IMAGE= -e OUT="/shared/$out" "$prefix-ctl" sbatch --parsable poisson.sbatch "$@"
}
# slurm_wait JOB: until the job ends; prints its final state, 0 if COMPLETED.
# A job still waiting or running after $limit seconds (a node that never came
# up, a controller gone) is cancelled and reported as such.
slurm_wait() {
  local state t0=$SECONDS
  while :; do
    state=$(on ctl scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
    case $state in
      COMPLETED) echo "$state"; return 0 ;;
      PENDING | CONFIGURING | RUNNING | COMPLETING | "")
        if [ $((SECONDS - t0)) -ge "$limit" ]; then
          on ctl scancel "$1" 2>/dev/null
          echo "${state:-unknown} after $limit s, cancelled"
          return 1
        fi
        sleep 1
        ;;
      *) echo "$state $(on ctl scontrol show job "$1" | grep -o 'ExitCode=[0-9:]*')"; return 1 ;;
    esac
  done
}
t0=$SECONDS
status=0
job=$(submit slurm)
state=$(slurm_wait "$job") || status=$?
grep -v 'KSP Residual' "$work/shared/poisson-$job.out"
nodes=$(on ctl scontrol show job "$job" 2>/dev/null | grep -o ' NodeList=[^ ]*' | cut -d= -f2)
unknowns=$((1025 * 1025))
record=$work/shared/slurm/run.json
check "2. sbatch poisson.sbatch: job $job on $nodes, $state after $((SECONDS - t0)) s, its record: converged $(scripts/record-field "$record" result.converged) on $(scripts/record-field "$record" problem.ranks) processes" \
  sh -c "[ $status -eq 0 ] && [ '$nodes' = 'node[1-2]' ] &&
         [ \"\$(scripts/record-field '$record' result.converged problem.ranks | tr '\n' ' ')\" = 'true 4 ' ]"
check "2. the job's solution ($(stat -c %s "$work/shared/slurm/u.dat" 2>/dev/null) bytes) and record collected in its output directory" \
  [ "$(stat -c %s "$work/shared/slurm/u.dat")" -eq $((8 + 8 * unknowns)) ]

# --- 3. The Apptainer model: this machine's mpiexec, ranks in the image ---
echo "test-cluster: part 3 at $((SECONDS - started)) s"
# What `apptainer exec IMAGE CMD` does for each rank: a mount namespace
# (unprivileged, through a user namespace) in which the image's root file
# system becomes / with the host's /dev, /proc, /sys and /tmp bound in; the
# host's environment, less LD_LIBRARY_PATH, with the image's on top; or only
# the image's with --cleanenv.
rootfs=$work/rootfs
mkdir "$rootfs"
cid=$(docker create "$image")
docker export "$cid" | tar -x -C "$rootfs" 2>/dev/null
docker rm "$cid" >/dev/null
docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$image" | sed '/^$/d' >"$work/image.env"
cat >"$work/apptainer-exec" <<'WRAP'
#!/bin/sh
# apptainer-exec [--cleanenv] ROOTFS ENVFILE COMMAND...
clean=
[ "$1" != --cleanenv ] || { clean=1; shift; }
root=$1 envfile=$2
shift 2
unset LD_LIBRARY_PATH
[ -z "$clean" ] || for v in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
while IFS= read -r line; do export "$line"; done <"$envfile"
exec unshare --user --map-root-user --mount sh -c '
  r=$1; shift
  for d in dev proc sys tmp; do mount --rbind "/$d" "$r/$d" || exit 1; done
  exec chroot "$r" "$@"' sh "$root" "$@"
WRAP
chmod +x "$work/apptainer-exec"
hybrid=("$work/apptainer-exec" "$rootfs" "$work/image.env")
host_mpi=$(mpiexec --version 2>/dev/null | head -n 1)
image_mpi=$("${hybrid[@]}" mpiexec --version 2>/dev/null | head -n 1)
host_pmix=$(ompi_info 2>/dev/null | sed -n 's/.*MCA pmix: \(ext[0-9x]*\).*/\1/p')
image_pmix=$("${hybrid[@]}" ompi_info 2>/dev/null | sed -n 's/.*MCA pmix: \(ext[0-9x]*\).*/\1/p')
check "3. version check: host '$host_mpi' (pmix $host_pmix), image '$image_mpi' (pmix $image_pmix)" \
  [ -n "$host_mpi" -a "$host_mpi" = "$image_mpi" -a "$host_pmix" = "$image_pmix" ]
shared_dir p3
# Its own TMPDIR for Open MPI's session directory, as in test-images.sh: the
# test suite's jobs run beside these.
(. scripts/mpi-env.sh && export TMPDIR=$work && timeout $limit mpiexec -n 3 "${hybrid[@]}" poisson "${user_job[@]}" -record "$work/shared/p3/user-3.json" \
  -solution_view "binary:$work/shared/p3/user-3.dat") >"$work/p3.out" 2>&1
grep -v 'KSP Residual' "$work/p3.out"
status=0
summary=$(compare p1/user-3-one p3/user-3 2>&1) || status=$?
image_rev=$(python3 -c 'import json,sys; print((json.load(open(sys.argv[1]))["provenance"]["image"] or {}).get("revision"))' \
  "$work/shared/p3/user-3.json" 2>/dev/null)
check "3. host mpiexec -n 3 starting each rank in the image's root file system (image revision ${image_rev:0:12}) as the image's own mpiexec: $summary" \
  [ $status -eq 0 -a -n "$image_rev" -a "$image_rev" != None ]
# With --cleanenv the launcher's OMPI_*/PMIX_* variables are gone: each rank
# starts alone, as its own one-process job.
(. scripts/mpi-env.sh && export TMPDIR=$work && timeout $limit mpiexec -n 2 "$work/apptainer-exec" --cleanenv "$rootfs" "$work/image.env" \
  poisson -nx 33 -ny 33) >"$work/p3-clean.out" 2>&1
check "3. --cleanenv drops the launcher's variables: $(grep -c '^Grid: .* on 1 process' "$work/p3-clean.out") ranks each solving alone" \
  [ "$(grep -c '^Grid: .* on 1 process' "$work/p3-clean.out")" -eq 2 ]

# --- 5. Scaling across hosts: poisson-scaling's weak series ---------------
echo "test-cluster: part 5 at $((SECONDS - started)) s"
# poisson-scaling runs on node1 and starts each point with mpiexec over the
# hosts (one rank a host: 1, 2, 3 ranks on 1, 2, 3 hosts).
scaling=target/release/poisson-scaling
cargo build --release --locked --quiet -p poisson-scaling 2>"$work/cargo.err" || cat "$work/cargo.err"
if [ -x "$scaling" ]; then
  docker cp "$scaling" "$prefix-node1:/usr/local/bin/poisson-scaling"
  scaling_cmd=(poisson-scaling weak --ranks 1,2,3 --points-per-rank 513 --repeat 1 --stream-elements 1000000
    --mpiexec-arg=--host --mpiexec-arg=node1,node2,node3 --out /shared/scaling --solver gmg)
  on node1 timeout $limit "${scaling_cmd[@]}" >"$work/scaling.out" 2>&1
  status=$?
  cat "$work/scaling.out"
  check "5. ${scaling_cmd[*]}: 3 points (exit $status)" \
    sh -c "[ $status -eq 0 ] && [ \"\$(awk -F, 'NR > 1 && \$7 == \"true\"' '$work/shared/scaling/weak.csv' | wc -l)\" -eq 3 ]"
else
  check "5. poisson-scaling builds" false
fi

# --- 4. Faults mid-solve ---------------------------------------------------
echo "test-cluster: part 4 at $((SECONDS - started)) s"
# A long CG run (it would take hours) writing a solution and a record at the
# end; the fault strikes once it is solving. The job must end on the hosts
# left with a non-zero status within 60 s, leave no process of the job on any
# host, and present no output file.
long_job=(-nx 1025 -ny 1025 -ksp_rtol 1e-30 -ksp_max_it 10000000)
shared_dir fault
leftovers() { # leftovers HOST...: the job's processes still there
  for h in "$@"; do
    docker exec "$prefix-$h" sh -c 'for p in /proc/[0-9]*; do cat "$p/comm"; done 2>/dev/null' |
      grep -E '^(poisson|orted|mpiexec|mpirun|orterun|srun|slurmstepd)$' | sed "s/^/$h:/"
  done | tr '\n' ' '
}
solving() { # solving HOST: a poisson rank there has used 1 s of CPU (past its set-up)
  docker exec "$prefix-$1" sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = poisson ] &&
    [ $(cut -d" " -f14 $p/stat) -gt 100 ] && exit 0; done 2>/dev/null; exit 1'
}
# fault NAME "HOSTS" ACTION...: the job is started by the caller (the pid of
# what waits for it in $job_pid, its log in $work/NAME.err); ACTION strikes
# once a rank on node1 is solving; then nothing of the job may be left on
# HOSTS.
fault() {
  local name=$1 hosts=$2 t0 status=0 left line running=0
  shift 2
  for i in $(seq 60); do solving node1 && running=1 && break; sleep 1; done
  t0=$SECONDS
  "$@"
  while kill -0 "$job_pid" 2>/dev/null && [ $((SECONDS - t0)) -lt 90 ]; do sleep 1; done
  kill -0 "$job_pid" 2>/dev/null && { kill "$job_pid"; echo "test-cluster: $name: still running after 90 s"; }
  wait "$job_pid" || status=$?
  local seconds=$((SECONDS - t0))
  sleep 2
  left=$(leftovers $hosts)
  line=$(grep -m1 -E 'poisson: error|lost communication|DUE TO NODE FAILURE|unexpectedly disconnected|closed by remote host' "$work/$name.err" |
    sed 's/^slurmstepd-[a-z0-9]*: error: //')
  echo "test-cluster: $name: exit $status after $seconds s; $(wc -l <"$work/$name.err") lines on stderr, the first:"
  grep -v 'KSP Residual' "$work/$name.err" | head -n 12 | sed 's/^/  /'
  check "4. $name mid-solve: exit $status after $seconds s, '$line', nothing left on $hosts${left:+ ($left)}, no output file" \
    sh -c "[ $running -eq 1 ] && [ $status -ne 0 ] && [ $seconds -le 60 ] && [ -n '$line' ] && [ -z '$left' ] &&
           [ \$(grep -c '^poisson: error' '$work/$name.err') -le 1 ] &&
           ! ls '$work/shared/fault/$name/u.dat' '$work/shared/fault/$name/run.json' 2>/dev/null"
}
over_ssh() { # over_ssh NAME HOSTS: the long job over ssh from node1, in the background
  shared_dir "fault/$1"
  on node1 mpiexec -n 3 --host "$2" poisson "${long_job[@]}" -solution_view "binary:fault/$1/u.dat" \
    -record "fault/$1/run.json" >"$work/$1.out" 2>"$work/$1.err" &
  job_pid=$!
}

# A bad option in one host's environment. PETSc reads PETSC_OPTIONS on rank 0
# and gives it to all ranks: on the host where the job starts (rank 0's), it
# ends the whole job with one line; on another host, it is not read.
t0=$SECONDS
status=0
docker exec -u poisson -w /shared -e PETSC_OPTIONS='-pc_type nosuch' "$prefix-node2" \
  timeout $limit mpiexec -n 3 --host node2,node1,node3 poisson -nx 129 -ny 129 >"$work/badopt.out" 2>"$work/badopt.err" || status=$?
seconds=$((SECONDS - t0))
ours=$(grep -c '^poisson: error' "$work/badopt.err")
check "4. PETSC_OPTIONS='-pc_type nosuch' on rank 0's host only: exit $status after $seconds s, $ours line: $(grep -m1 '^poisson: error' "$work/badopt.err")" \
  [ $status -ne 0 -a $seconds -le 60 -a "$ours" -eq 1 -a -z "$(leftovers node1 node2 node3)" ]
as_root node2 sh -c 'echo "PETSC_OPTIONS=-pc_type nosuch" >>/etc/environment'
status=0
on node1 timeout $limit mpiexec -n 3 --host node1,node2,node3 poisson -nx 129 -ny 129 >"$work/badopt2.out" 2>&1 || status=$?
check "4. the same in node2's environment only (its ssh sessions), rank 0 on node1: not read (exit $status, $(grep -o 'PC [a-z]*' "$work/badopt2.out"))" \
  [ $status -eq 0 ]
as_root node2 sed -i '/^PETSC_OPTIONS=/d' /etc/environment

over_ssh disconnect node1,node2,node3
fault disconnect "node1 node2 node3" docker network disconnect "$net" "$prefix-node3"
docker network connect --alias node3 "$net" "$prefix-node3"

# Slurm: the shipped script (plain CG instead of its GAMG), node2's slurmd
# stopped mid-solve. Slurm declares node2 down after SlurmdTimeout and ends
# the job; node2's own ranks, which only its slurmd could stop, go when it
# returns.
shared_dir fault/slurmd
job=$(submit fault/slurmd "${long_job[@]}" -pc_type none)
for i in $(seq 60); do solving node2 && break; sleep 1; done
ln -sf "$work/shared/poisson-$job.out" "$work/slurmd.err"
slurm_wait "$job" >"$work/slurmd.state" &
job_pid=$!
fault slurmd node1 as_root node2 sh -c 'kill $(cat /run/slurmd.pid)'
t0=$SECONDS
as_root node2 /usr/sbin/slurmd
for i in $(seq 60); do left=$(leftovers node2) && [ -z "$left" ] && break; sleep 1; done
check "4. slurmd: the job ended $(cat "$work/slurmd.state"); node2's ranks gone $((SECONDS - t0)) s after its slurmd restarted${left:+ ($left)}" \
  [ -z "$left" ]

over_ssh kill node1,node2,node3
fault kill "node1 node2" docker kill "$prefix-node3"

# Everything made here goes, whatever happened (the trap does it on failure).
trap - EXIT
teardown
left=$(docker ps -a --format '{{.Names}}' --filter "name=^$prefix-" | tr '\n' ' ')
check "teardown: docker ps -a shows none of the cluster's containers${left:+ ($left)}, network $net removed" \
  sh -c "[ -z '$left' ] && ! docker network inspect '$net' >/dev/null 2>&1"
echo "test-cluster: $((SECONDS - started)) s"
echo "cluster: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
