#!/usr/bin/env bash
# Start one DVC experiment-queue worker per GPU, each seeing only its own GPU: run it in the
# repository after `dvc exp run --queue ...`, instead of `dvc queue start -j N` (whose N
# workers all see every GPU). DVC numbers its workers 1..N and `dvc queue start -j K` starts
# those of 1..K not yet running, so worker K is started alone, with CUDA_VISIBLE_DEVICES=K-1,
# once worker K-1 is up. Usage: scripts/queue_gpus.sh [COUNT] (default: every GPU torch sees).
set -euo pipefail
count=${1:-$(python -c "import torch; print(torch.cuda.device_count())")}
workers() {
    dvc queue status | sed -n 's/^Worker status: \([0-9]*\) active, \([0-9]*\) idle.*/\1 \2/p' |
        { read -r active idle && echo $((active + idle)); }
}
for ((gpu = 0; gpu < count; gpu++)); do
    CUDA_VISIBLE_DEVICES=$gpu dvc queue start -j $((gpu + 1)) > /dev/null
    for _ in $(seq 120); do
        [ "$(workers)" -gt "$gpu" ] && break
        sleep 0.5
    done
    [ "$(workers)" -gt "$gpu" ] || { echo "queue_gpus: worker $((gpu + 1)) did not start" >&2; exit 1; }
    echo "queue_gpus: worker $((gpu + 1)) runs experiments on GPU $gpu"
done
