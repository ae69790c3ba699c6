"Memory, FLOPs and throughput measurement (`sll_nb.measure`) and the `sll-nb memory` command."
import json
import pytest
import torch
from sll_nb.cli import main
from sll_nb.core import UserError
from sll_nb.measure import (ActivationTracker, count_flops, measure_memory, memory_sweep, mlp_flops, throughput)
from sll_nb.registry import METHODS, make_method
from sll_nb.models import mlp

torch.set_num_threads(1)

def batches(n=2, B=16, K=10):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(B, 1, 8, 8, generator=g), torch.randint(0, K, (B,), generator=g)) for _ in range(n)]

def test_saved_tensors_released_and_input_counted():
    torch.manual_seed(0)
    m = make_method('bp', mlp((1, 8, 8), 10, depth=3, width=32), (1, 8, 8), 10)
    (x, y), = batches(1)
    with ActivationTracker([*m.parameters(), *m.buffers()], live=(x, y)) as tr: m.step(x, y)
    assert tr.now == x.nbytes + y.nbytes and tr.peak > tr.now

@pytest.mark.parametrize('name', [n for n in ('bp', 'sll', 'svp', 'localce', 'learnedce', 'fa', 'dfa', 'sid') if n in METHODS])
def test_every_method_measures(name):
    torch.manual_seed(0)
    m = make_method(name, mlp((1, 8, 8), 10, depth=3, width=32), (1, 8, 8), 10)
    r = measure_memory(m, batches())
    assert r['peak_bytes'] == r['activation_bytes'] + r['model_state_bytes']
    assert r['activation_bytes'] >= r['input_bytes'] and r['optimizer_bytes'] > 0 and r['grad_bytes'] > 0
    assert r['epoch_activation_bytes'] >= r['activation_bytes']

def test_local_flat_bp_grows_and_floor():
    rows = memory_sweep('mlp', (2, 6), ('bp', 'sll'), width=64, batch_size=32, in_shape=(1, 8, 8), device='cpu')
    a = {(r['method'], r['depth']): r for r in rows}
    assert a['sll', 6]['activation_bytes'] == a['sll', 2]['activation_bytes']
    assert a['bp', 6]['activation_bytes'] > 2*a['bp', 2]['activation_bytes']
    assert a['sll', 6]['floor_bytes'] <= a['sll', 6]['activation_bytes'] <= 1.5*a['sll', 6]['floor_bytes']
    assert a['sll', 6]['model_state_bytes'] > a['sll', 2]['model_state_bytes']  # model state grows for every method

def test_flops_counter_matches_analytic():
    (x, y), = batches(1)
    for name in ('bp', 'sll', 'svp'):
        torch.manual_seed(0)
        c = count_flops(make_method(name, mlp((1, 8, 8), 10, depth=4, width=48), (1, 8, 8), 10), x, y)
        a = mlp_flops(name, 16, 64, 48, 4, 10)
        assert (c['total'], c['heads']) == (a['total'], a['heads'])

def test_throughput_runs():
    torch.manual_seed(0)
    (x, y), = batches(1)
    tp = throughput({n: make_method(n, mlp((1, 8, 8), 10, depth=2, width=16), (1, 8, 8), 10) for n in ('bp', 'sll')}, x, y, reps=2, steps=1, warmup=1)
    assert set(tp) == {'bp', 'sll'} and all(v['samples_per_s'] > 0 for v in tp.values())

def test_bad_input():
    m = make_method('bp', mlp((1, 8, 8), 10, depth=2, width=8), (1, 8, 8), 10)
    with pytest.raises(UserError, match='CUDA'): measure_memory(m, batches(), counter='allocator')
    with pytest.raises(UserError, match='at least one'): measure_memory(m, [])
    with pytest.raises(UserError, match='analytic'): mlp_flops('sid', 1, 1, 1, 1, 1)

def test_cli(tmp_path, capsys):
    out = tmp_path/'mem.json'
    assert main(['memory', '--depths', '2,4', '--methods', 'bp,sll', '--width', '32', '--batch-size', '8', '--in-shape', '1,8,8',
                 '--device', 'cpu', '--out', str(out)]) == 0
    rows = json.loads(out.read_text())['rows']
    assert {'method', 'model', 'depth', 'batch_size', 'device', 'peak_bytes', 'activation_bytes', 'model_state_bytes', 'floor_bytes'} <= set(rows[0])
    assert 'act/floor' in capsys.readouterr().out

@pytest.mark.parametrize('bad,msg', [(['--methods', 'bp,hebb'], 'unknown method'), (['--depths', '2,x'], 'comma-separated'),
                                     (['--depths', '0'], 'positive'), (['--model', 'lstm'], 'unknown model'), (['--batch-size', '0'], 'positive'),
                                     (['--out', '/'], 'is a directory'),
                                     (['--classes', '0'], 'classes must be positive'), (['--threads', '0'], 'threads must be positive')])
def test_cli_bad_input(bad, msg, capsys):
    assert main(['memory', '--device', 'cpu', '--width', '8', '--batch-size', '4', '--in-shape', '1,8,8', *bad]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count('\n') == 1
