# Sourced by the scripts that start MPI jobs. OpenMPI refuses to run as root
# unless told it may, and refuses more ranks than cores unless allowed to
# oversubscribe (OpenMPI 4 and 5 spell it differently).
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
