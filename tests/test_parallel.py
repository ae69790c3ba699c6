"""The same stage-parallel run started two ways: by `sll-nb train --ranks 2` itself, and as two ranks of a `torchrun` job."""
import json, os, subprocess
from conftest import ROOT, BIN

COMMAND = ['train', '--method', 'sll', '--dataset', 'digits', '--depth', '3', '--width', '32', '--epochs', '3', '--dropout', '0',
           '--device', 'cpu', '--quiet', '--ranks', '2']


def test_torchrun_gives_the_record_sll_nb_gives(tmp_path):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}  # one thread per rank both ways, as torchrun sets
    own = subprocess.run([str(BIN/'sll-nb'), *COMMAND, '--out', str(tmp_path/'own.json')], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert own.returncode == 0, own.stderr
    job = subprocess.run([str(BIN/'torchrun'), '--standalone', '--nproc-per-node', '2', '--no-python', str(BIN/'sll-nb'), *COMMAND,
                          '--out', str(tmp_path/'job.json')], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert job.returncode == 0, job.stderr
    assert job.stdout.count('test acc') == 1, job.stdout  # only rank 0 reports
    a, b = (json.loads((tmp_path/f).read_text()) for f in ('own.json', 'job.json'))
    assert a['ranks'] == b['ranks'] == 2  # the groups may differ (each run measures its stages), the arithmetic cannot
    for key in ('test_acc', 'test_loss', 'val_acc', 'best_epoch'): assert a[key] == b[key], key
    assert [{k: v for k, v in e.items() if k != 'seconds'} for e in a['history']] == [{k: v for k, v in e.items() if k != 'seconds'} for e in b['history']]


def test_more_ranks_than_torchrun_started_is_one_line(tmp_path):
    job = subprocess.run([str(BIN/'torchrun'), '--standalone', '--nproc-per-node', '2', '--no-python', str(BIN/'sll-nb'), *COMMAND, '--data-ranks', '2'],
                         cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'}, capture_output=True, text=True, timeout=300)
    assert job.returncode != 0 and 'sll-nb: error: torchrun started 2 processes but the run asks for 2 x 2' in job.stderr, job.stderr
