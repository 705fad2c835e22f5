# Sourced by the scripts that start MPI jobs. OpenMPI refuses to run as root
# unless told it may, and refuses more ranks than cores unless allowed to
# oversubscribe (OpenMPI 4 and 5 spell it differently). Its cm layer, the
# way to Omni-Path (psm, psm2) and libfabric (ofi) networks, probes for them
# at every start: 0.2 s of each run here, on a machine with neither. Shared
# memory, TCP and InfiniBand (UCX) go another way, so it is left out unless
# OMPI_MCA_pml is already set (OMPI_MCA_pml=cm on such a network).
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
export OMPI_MCA_pml=${OMPI_MCA_pml:-^cm}
