#!/bin/sh
# Slurm: one array task per shard; each takes its shard from
# SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (oomlab reads them itself).
# Submit from the oomlab checkout:
#   sbatch --array=1-4 ci/slurm-array.sh [run options] [SELECTOR...]
# then join the shards into one run:
#   build/oomlab merge results/slurm-JOBID/merged results/slurm-JOBID/shard-*
# OOMLAB (default build/oomlab) and OOMLAB_SLURM_OUT (default results) may be
# set in the environment sbatch exports.  ci/slurm-test.sh runs this on a
# single-node Slurm on this machine.
#SBATCH --job-name=oomlab
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=01:30:00
set -eu
cd "${SLURM_SUBMIT_DIR:-.}"
run="${OOMLAB_SLURM_OUT:-results}/slurm-${SLURM_ARRAY_JOB_ID:-0}"
mkdir -p "$run"
exec "${OOMLAB:-build/oomlab}" run --quiet --out "$run/shard-${SLURM_ARRAY_TASK_ID:-1}" "$@"
