/* The public PETSc headers the bindings are generated from. */
#include <petscksp.h>
#include <petscdmda.h>
#include <petscviewer.h>
#include <petscsf.h>
