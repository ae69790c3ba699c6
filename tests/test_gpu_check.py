"The prepared GPU script (`scripts/gpu_check.sh`), dry-run on the CPU at toy sizes: the steps a GPU call would run, and their files."
import json, subprocess, sys
import pytest, torch
from conftest import ROOT

SCRIPT = ROOT/'scripts'/'gpu_check.sh'


def test_dry_run_writes_every_bench_row_and_the_step_log(tmp_path):
    r = subprocess.run([str(SCRIPT), str(tmp_path), '--dry-run', 'env', 'bench'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [json.loads(l) for l in (tmp_path/'bench.jsonl').read_text().splitlines()]
    settings = {row['args'] for row in rows}
    assert len(settings) == 7 and {row['model'] for row in rows} == {'mlp', 'vgg11', 'simplecnn'}  # the two `cuda:` rows left out
    assert {row['method'] for row in rows} == {'bp', 'sll', 'sll@batched', 'bp+compile', 'sll@batched+compile', 'sid', 'sid@public', 'sid@two_phase',
                                               'bp+bf16+channels_last', 'sll+bf16+channels_last', 'sll@batched+bf16+channels_last'}
    assert all((row['precision'] == 'bf16') == ('+bf16' in row['method']) for row in rows)
    assert all(row['device'] == 'cpu' and row['ms_per_step'] > 0 for row in rows)
    assert all((row['ops_per_step'] is None) == row['method'].endswith('+compile') for row in rows)  # compiled kernels are not counted
    steps = [l.split('\t') for l in (tmp_path/'times.tsv').read_text().splitlines()]
    assert [(name, rc) for name, rc, _ in steps] == [('env', '0'), ('bench', '0')]
    assert 'torch' in (tmp_path/'log.txt').read_text()


def test_an_unknown_step_is_refused_naming_the_steps(tmp_path):
    r = subprocess.run([str(SCRIPT), str(tmp_path), '--dry-run', 'benchmark'], capture_output=True, text=True)
    assert r.returncode == 2 and 'unknown step benchmark: choose among env bench tests throughput table1 table2' in r.stderr


def test_a_failing_step_is_logged_and_fails_the_script(tmp_path):
    env = {'PATH': '/usr/bin:/bin', 'PYTHON': 'false', 'HOME': str(tmp_path)}  # a Python that always fails, so the step does
    r = subprocess.run([str(SCRIPT), str(tmp_path), 'env'], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 1 and 'failed: env' in r.stdout
    assert (tmp_path/'times.tsv').read_text().startswith('env\t1\t')


@pytest.mark.skipif(torch.cuda.is_available(), reason='with a GPU the CUDA rows would run, not fail')
def test_a_failing_bench_row_is_logged_and_the_other_rows_still_run(tmp_path):
    "Without a GPU every `--device cuda` row fails (a one-line error each): the loop logs each one and goes on to the next."
    r = subprocess.run([str(SCRIPT), str(tmp_path), 'bench'], capture_output=True, text=True, env={'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'PYTHON': sys.executable})
    log = (tmp_path/'log.txt').read_text()
    assert r.returncode == 1 and 'failed: bench' in r.stdout
    assert log.count('bench row failed: ') == 9 and 'bench row failed: --model simplecnn' in log  # the last row was tried too
