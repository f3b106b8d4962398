#!/bin/sh
# Slurm: one array task per shard; each takes its shard from
# SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT.  Submit from the oomlab checkout:
#   sbatch --array=1-4 ci/slurm-array.sh [--kernel PATH]
#SBATCH --job-name=oomlab
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=01:30:00
set -eu
cd "${SLURM_SUBMIT_DIR:-.}"
exec build/oomlab run --out "results/slurm-${SLURM_ARRAY_JOB_ID:-0}/shard-${SLURM_ARRAY_TASK_ID:-1}" "$@"
