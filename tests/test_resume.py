"""A training process killed mid-run (SIGKILL, no chance to clean up) resumes from its last epoch, and its record is the uninterrupted run's:
sequential, and stage-parallel on two ranks (the whole process group killed, as a crash or Ctrl-C would)."""
import json, os, signal, subprocess, time
import pytest
from conftest import ROOT, BIN

COMMAND = ['train', '--method', 'sll', '--dataset', 'digits', '--depth', '2', '--width', '256', '--epochs', '40', '--device', 'cpu', '--quiet']


def metrics(record): return [{k: v for k, v in epoch.items() if k != 'seconds'} for epoch in record['history']]


@pytest.mark.parametrize('ranks', [1, 2])
def test_a_killed_run_resumes_and_matches_the_uninterrupted_one(tmp_path, ranks):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}  # the same thread count in every process, so the arithmetic is the same
    command = [*COMMAND, '--ranks', str(ranks)]
    out, ckpt = tmp_path/'run.json', tmp_path/'run.json.ckpt.pt'
    p = subprocess.Popen([str(BIN/'sll-nb'), *command, '--out', str(out)], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 300
    while not ckpt.exists() and p.poll() is None and time.time() < deadline: time.sleep(0.05)
    time.sleep(0.5)  # a few epochs in
    assert p.poll() is None, 'the run ended before it could be killed: give it more epochs'
    os.killpg(p.pid, signal.SIGKILL); p.wait()  # the ranks with it
    assert ckpt.exists() and not out.exists()
    again = subprocess.run([str(BIN/'sll-nb'), *command, '--out', str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert 'sll-nb: resuming run' in again.stderr and not ckpt.exists()
    whole = subprocess.run([str(BIN/'sll-nb'), *command, '--out', str(tmp_path/'whole.json')], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr
    resumed, uninterrupted = json.loads(out.read_text()), json.loads((tmp_path/'whole.json').read_text())
    assert resumed['resumed_from_epoch'] >= 1 and 'resumed_from_epoch' not in uninterrupted
    assert metrics(resumed) == metrics(uninterrupted) and resumed['test_acc'] == uninterrupted['test_acc']
