#!/usr/bin/env bash
# Every GPU measurement of issue #33 in one prepared call, its results and logs written to the folder it is given.
#
#   scripts/gpu_check.sh --wheels                  here, with the package registry: .whl/ gets what the GPU image lacks
#   scripts/gpu_check.sh OUT [STEP ...]            on the GPU machine (carry .whl, and data/ with the datasets to train on)
#   scripts/gpu_check.sh OUT --dry-run [STEP ...]  on this CPU: every step at toy sizes, to check the script before a GPU is spent
#
# Steps, in this order (default: all): env bench tests throughput table1 table2.
#   env         torch, the device, nvidia-smi                                   -> OUT/log.txt
#   bench       `sll-nb bench` on MLP 3x1024 (eager, compiled, one CUDA graph), MLP 8x1024, the tiny net, VGG-11 (fp32; bf16
#               channels_last, eager and graphed), SID's SimpleCNN (its two-phase step twice, a control) -> OUT/bench.jsonl; rows marked `cuda:` are left out of a dry run
#   tests       the tests that run only with CUDA (float16 autocast, CUDA-graph replays, ...) -> OUT/log.txt
#   throughput  the throughput notebook, paper profile (on a GPU it checks #33's GPU goals) -> OUT/results.tar.gz
#   table1      `sll-nb reproduce --profile paper --only mlp_table1 -p jobs=$JOBS` (default 4 runs side by side), timed -> OUT/results.tar.gz, OUT/times.tsv
#   table2      the same for cnn_table2
# A step that fails is logged and the next one runs; the script exits non-zero if any failed. The tables' runs start fresh
# unless results/paper/runs holds a record of the same run by the same library code (then it is served, not timed).
# What travels (64 MiB): the checkout (about 6 MB), .whl (about 18 MB), data/MNIST (12 MB), data/FashionMNIST (30 MB);
# CIFAR-10 (134 MB) cannot, so Table 2's paper profile runs on Fashion-MNIST alone. Ten minutes a call: run
# `env bench tests throughput` in one call, then `table1`, then `table2`.
set -uo pipefail
cd "$(dirname "$0")/.."

PRESENT_ON_IMAGE='torch|torchvision|numpy|pandas|scipy|scikit_learn|seaborn|matplotlib|tqdm|pyyaml|requests|urllib3|idna|certifi|charset_normalizer|attrs|jinja2|markupsafe|pygments|packaging|psutil|python_dateutil|six|pillow|contourpy|cycler|fonttools|kiwisolver|pyparsing|joblib|threadpoolctl|typing_extensions|filelock|fsspec|sympy|mpmath|networkx|triton|click|aiohttp|aiosignal|frozenlist|multidict|yarl|propcache|aiohappyeyeballs|setuptools|wheel|hypothesis|sortedcontainers|pytest|iniconfig|pluggy|tabulate|rich|markdown_it_py|mdurl|nvidia_.*|cuda_.*'
if [ "${1:-}" = "--wheels" ]; then
    # pip resolves papermill's, ipykernel's and fastcore's dependencies for the image's Python (3.12, x86-64); what the image has is dropped
    rm -rf .whl && mkdir -p .whl && grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
    python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any -d .whl \
        papermill ipykernel ipywidgets 'fastcore>=1.12.3,<1.13' || exit 1
    for w in .whl/*.whl; do
        name=$(basename "$w" | cut -d- -f1 | tr 'A-Z-' 'a-z_')
        if [[ "$name" =~ ^($PRESENT_ON_IMAGE)$ ]]; then rm "$w"; fi
    done
    echo "$(ls .whl | wc -l) wheels, $(du -sh .whl | cut -f1), in .whl/: carry .whl (and data/ with MNIST / Fashion-MNIST) to the GPU machine"
    exit 0
fi

OUT=${1:?usage: scripts/gpu_check.sh OUT [--dry-run] [STEP ...] (or --wheels)}; shift
DRY=0; [ "${1:-}" = "--dry-run" ] && { DRY=1; shift; }
STEPS=${*:-env bench tests throughput table1 table2}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
LOG=$OUT/log.txt; : > "$LOG"
export PYTHONUNBUFFERED=1
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl >> "$LOG" 2>&1 \
        && export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
REPO=$PWD; export PYTHONPATH=$REPO:${PYTHONPATH:-}
PY=${PYTHON:-python3}; [ -x .venv/bin/python ] && [ $DRY = 1 ] && PY=$REPO/.venv/bin/python
export SLL_NB_DATA=${SLL_NB_DATA:-$PWD/data}
sllnb() { "$PY" -c 'import sys; from sll_nb.cli import main; sys.exit(main(sys.argv[1:]))' "$@"; }
failed=()
step() {  # step NAME COMMAND...: run it, its output appended to the log, its time and exit status noted
    local name=$1; shift
    echo "=== $name: $*" >> "$LOG"; local t0=$(date +%s)
    "$@" >> "$LOG" 2>&1; local rc=$?
    echo "=== $name: rc=$rc, $(( $(date +%s) - t0 )) s" >> "$LOG"; printf '%s\t%s\t%s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" >> "$OUT/times.tsv"
    [ $rc = 0 ] || failed+=("$name")
}

if [ $DRY = 1 ]; then DEVICE=cpu; W=64; VW=8; SW=16; B=16; REPS="--reps 2 --steps 1"; else DEVICE=cuda; W=1024; VW=64; SW=256; B=128; REPS="--reps 15 --steps 10"; fi
bench_all() {
    : > "$OUT/bench.jsonl"
    local rows=$OUT/.rows.json rc=0
    while read -r args; do
        case $args in cuda:*) [ $DRY = 1 ] && continue; args=${args#cuda: } ;; esac  # a CUDA graph needs a GPU
        # a row that fails is logged and the others still run: one GPU call has to bring back all it can
        sllnb bench $args --device $DEVICE $REPS --out "$rows" || { echo "bench row failed: $args"; rc=1; continue; }
        "$PY" -c 'import json, sys; [print(json.dumps({**r, "args": sys.argv[2]})) for r in json.load(open(sys.argv[1]))["rows"]]' "$rows" "$args" >> "$OUT/bench.jsonl"
    done <<EOF
--model mlp --depth 3 --width $W --batch-size $B --methods bp,sll,sll@batched
--model mlp --depth 8 --width $W --batch-size $((2*B)) --methods bp,sll,sll@batched
--model mlp --depth 3 --width 16 --batch-size 16 --methods bp,sll,sll@batched
--model mlp --depth 3 --width $W --batch-size $B --methods bp,bp+compile,sll@batched,sll@batched+compile
cuda: --model mlp --depth 3 --width $W --batch-size $B --methods bp,bp+graph,sll@batched,sll@batched+graph,sll+graph
--model vgg11 --width $VW --batch-size $B --methods bp,sll,sll@batched
--model vgg11 --width $VW --batch-size $B --methods bp+bf16+channels_last,sll+bf16+channels_last,sll@batched+bf16+channels_last
cuda: --model vgg11 --width $VW --batch-size $B --methods bp+bf16+channels_last+graph,sll@batched+bf16+channels_last+graph
--model simplecnn --depth 10 --width $SW --batch-size $B --in-shape 3,32,32 --methods sid@public,sid,sid@two_phase
EOF
    rm -f "$rows"; return $rc
}
reproduce() {  # reproduce NOTEBOOK: the paper profile (dry run: shrunk to digits, in a scratch project), its tables kept
    local nb=$1; shift
    if [ $DRY = 1 ]; then
        local scratch=$OUT/.project  # a project of its own (settings.ini marks its root), so the checkout's results/paper stay as committed
        mkdir -p "$scratch/nbs" && touch "$scratch/settings.ini" && rm -rf "$scratch/nbs/experiments" && cp -r nbs/experiments "$scratch/nbs/"
        cd "$scratch" || return 1
        case $nb in
            throughput) sllnb reproduce --profile quick --only throughput -p dataset=digits -p 'epoch_seeds=[0]' ;;
            mlp_table1) sllnb reproduce --profile paper --only "$nb" -p "datasets=['digits']" -p epochs=10 -p 'seeds=[0]' -p width=64 ;;  # as tests/test_experiments.py
            cnn_table2) sllnb reproduce --profile paper --only "$nb" -p "datasets=['digits']" -p epochs=1 -p 'seeds=[0]' -p width=8 -p jobs=2 ;;
        esac
    elif [ "$nb" = throughput ]; then sllnb reproduce --profile paper --only throughput
    else sllnb reproduce --profile paper --only "$nb" -p jobs=${JOBS:-4}; fi || { cd "$REPO"; return 1; }  # JOBS runs side by side on the one GPU
    local profile=paper; [ $DRY = 1 ] && [ "$nb" = throughput ] && profile=quick
    tar -rf "$OUT/results.tar" -C results "$profile/$nb"; local rc=$?
    cd "$REPO"; return $rc
}

for s in $STEPS; do
    case $s in
        env) step env "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu")'
             command -v nvidia-smi >/dev/null && step nvidia-smi nvidia-smi ;;
        bench) step bench bench_all ;;
        tests) step tests "$PY" -m pytest -q -p no:cacheprovider tests/test_numerics.py tests/test_cli.py tests/test_cuda.py -k 'autocast or cuda' ;;
        throughput) step throughput reproduce throughput ;;
        table1) step table1 reproduce mlp_table1 ;;
        table2) step table2 reproduce cnn_table2 ;;
        *) echo "unknown step $s: choose among env bench tests throughput table1 table2" >&2; exit 2 ;;
    esac
done
[ -f "$OUT/results.tar" ] && gzip -f "$OUT/results.tar"; rm -rf "$OUT/.project"
echo "steps: $STEPS; failed: ${failed[*]:-none}" | tee -a "$LOG"
[ ${#failed[@]} = 0 ]
