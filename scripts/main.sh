#!/usr/bin/env bash
# The main job: set up, build the default corpus and cache, train and evaluate all four
# models as DVC experiments (onf last, so the workspace and dvc.lock hold params.yaml's
# default model and steps), build the report from the MLflow store and say where the results
# are. Re-running skips what DVC already has (its run cache restores finished stages).
set -euo pipefail
cd "$(dirname "$0")/.."
full=()
setup=()
references=false
for option in "$@"; do
    case "$option" in
        --full) full=(--full) ;;
        --references) references=true; setup=(--references) ;;
        *) echo "main: unknown option $option (usage: main.sh [--full] [--references])" >&2; exit 2 ;;
    esac
done
bash scripts/setup.sh "${setup[@]}"
source .venv/bin/activate
[ -d .git ] || { echo "main: run this from a git clone of amt" >&2; exit 1; }

stage_times=metrics/stage_times.txt
mkdir -p metrics
: > "$stage_times"
timed() {
    local name=$1; shift
    local start=$SECONDS
    "$@"
    echo "$name $((SECONDS - start)) s" | tee -a "$stage_times"
}

# Labelled recordings of real pianos that every model is scored on after its experiment
# (amt evaluate; logged to its MLflow run, shown by the report beside the synthetic test):
# ../shared/data/real_piano_dev where it exists, or the folders in $AMT_REAL_SETS.
real_sets=()
for set in ${AMT_REAL_SETS-../shared/data/real_piano_dev}; do
    [ -d "$set" ] && real_sets+=("$set")
done

timed "download+cache" dvc repro cache
# On a CUDA GPU every model trains the GPU profile (profiles/gpu.yaml: the homework's sizes,
# its full steps, every GPU of the machine), not the CPU sizes; the CPU sizing is skipped.
profile=()
if python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    read -ra profile <<< "$(python -m amt.cli profile gpu)"
    full=(--full)
    echo "main: CUDA GPU found; training the GPU profile (profiles/gpu.yaml)" >&2
fi
# Steps and learning-rate decay interval per model: each model's schedule in params.yaml
# (train.schedules: onf, the best model, 6500 steps, the other three enough to rank them), all
# scaled down together on a machine too slow to train them within the 60-minute budget
# (amt/training/sizing.py, docs/main-job.md; --full: never). The sizing prints `auto` for a model's own
# schedule; both are passed every time because `dvc exp run -S` leaves its change in params.yaml
# for the next run.
start=$SECONDS
sizing=$(python scripts/size_main_job.py --elapsed "$SECONDS" "${full[@]}" --real-sets "${real_sets[@]}")
echo "sizing $((SECONDS - start)) s" | tee -a "$stage_times"
# Each experiment stops at `evaluate`: the report reads every run from the MLflow store, so
# it is built once, after the last (onf).
while read -r model steps decay; do
    timed "train+evaluate $model" dvc exp run evaluate "${profile[@]}" -S "model=$model" \
        -S "train.steps=$steps" -S "train.lr_decay_steps=$decay" < /dev/null
    if [ ${#real_sets[@]} -gt 0 ]; then
        timed "real recordings $model" python -m amt.cli evaluate runs/model.pt "${real_sets[@]}" \
            --out evaluations --overwrite < /dev/null
    fi
done <<< "$sizing"

# --references: the published systems on the test split (the references stage) and on the real
# recordings, after the four models (Transkun takes about real time on 2 cores: not in the budget).
if $references; then
    timed "references" dvc exp run references -S 'references=[basic-pitch,transkun]' < /dev/null
    for system in basic-pitch transkun; do
        if [ ${#real_sets[@]} -gt 0 ]; then
            timed "real recordings $system" python -m amt.cli evaluate --reference "$system" \
                "${real_sets[@]}" --out evaluations --overwrite < /dev/null
        fi
    done
fi

timed "report" dvc repro report
python scripts/readme_results.py

echo
cat reports/leaderboard.md
cat <<MSG

Done. Stage times: $stage_times
  leaderboard:    reports/leaderboard.md (and .csv); README.md shows reports/results.md
  report:         reports/index.html (open it in any browser), reports/errors.md
  metrics:        metrics/eval.json (dvc metrics show / dvc metrics diff)
  curves:         dvc plots show
  every run:      source .venv/bin/activate && mlflow ui --backend-store-uri sqlite:///$PWD/mlflow.db
MSG
