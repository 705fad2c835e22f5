# Sourced by the scripts that start MPI jobs. OpenMPI refuses to run as root
# unless told it may, and refuses more ranks than cores unless allowed to
# oversubscribe (OpenMPI 4 and 5 spell it differently). Its cm layer, the
# way to Omni-Path (psm, psm2) and libfabric (ofi) networks, probes for them
# at every start: 0.2 s of each run here, on a machine with neither. Shared
# memory, TCP and InfiniBand (UCX) go another way, so it is left out unless
# OMPI_MCA_pml is already set (OMPI_MCA_pml=cm on such a network). When a
# rank exits with an error, OpenMPI 4's launcher signals the others to end
# and then waits a second before it kills them, even when they have already
# ended: 1.2 to 2.2 s for every failed run here, against 0.17 s without the
# wait. The launcher maps the machine with hwloc at every start, its PCI
# devices too, whose configuration it reads from sysfs; in a virtual machine
# each read traps to the host: about 18 ms of every launch here. Jobs on one
# host have no use for the devices, so hwloc leaves them out unless
# HWLOC_COMPONENTS is already set (set it empty for hwloc's full map, on a
# cluster whose ranks are placed by their network cards). And the ranks
# learn about the job from the launcher's PMIx server by message, not from
# the shared-memory store it otherwise writes into files of its session
# directory (13 to 19 ms of every start here), unless PMIX_MCA_gds is set:
# the store saves memory on nodes running hundreds of ranks.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
export OMPI_MCA_pml=${OMPI_MCA_pml:-^cm}
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-0}
export HWLOC_COMPONENTS=${HWLOC_COMPONENTS--pci,-linuxio}
export PMIX_MCA_gds=${PMIX_MCA_gds-hash}
