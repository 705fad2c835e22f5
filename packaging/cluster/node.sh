#!/bin/sh
# Starts a test cluster node: node.sh ROLE, ROLE one of
#   ssh   sshd only (mpiexec over ssh)
#   node  sshd, munged and slurmd (a Slurm compute node)
#   ctl   sshd, munged and slurmctld (the Slurm controller)
# The secrets come from /cluster/secrets (made by the test): the users' key
# pair, the one host key every node presents (known_hosts names it for all),
# the munge key.
set -eu
role=${1:-ssh}
s=/cluster/secrets
install -m 600 "$s/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
install -m 644 "$s/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
install -d -o poisson -g poisson -m 700 /home/poisson/.ssh
install -o poisson -g poisson -m 600 "$s/id_ed25519" /home/poisson/.ssh/id_ed25519
install -o poisson -g poisson -m 600 "$s/id_ed25519.pub" /home/poisson/.ssh/authorized_keys
echo "* $(cat "$s/ssh_host_ed25519_key.pub")" >/etc/ssh/ssh_known_hosts
mkdir -p /run/sshd
/usr/sbin/sshd
if [ "$role" != ssh ]; then
  install -o munge -g munge -m 400 "$s/munge.key" /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/log/slurm
  install -d /var/lib/slurm/slurmd
  case $role in
    ctl) /usr/sbin/slurmctld ;;
    node) /usr/sbin/slurmd ;;
  esac
fi
exec sleep infinity
