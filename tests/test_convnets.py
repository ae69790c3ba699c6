"Contracts of `sll_nb.convnets` and `sll_nb.feedback` through the public entry points (unit checks live in nbs/04a, nbs/05a)."
import pytest
import torch
from torch import nn
from sll_nb.core import UserError
from sll_nb.models import Stack, group_stages, stage_shapes
from sll_nb.registry import METHODS, MODELS, build_model, make_method
from sll_nb.feedback import FALinearFn

torch.set_num_threads(1)
CONVNETS = ('vgg11', 'resnet18', 'vit', 'plaincnn', 'simplecnn')
FIXED_BACKBONES = ('vgg11', 'resnet18')  # their depth is fixed; a depth given adds SID's belief modules
SHAPES = ((1, 28, 28), (3, 32, 32))

@pytest.mark.parametrize('name', CONVNETS)
@pytest.mark.parametrize('shape', SHAPES)
def test_stage_shapes(name, shape):
    m = build_model(name, shape, 10, depth=None if name in FIXED_BACKBONES else 3, width=16)
    shapes = stage_shapes(m, shape)
    assert shapes[-1] == (10,)
    assert all(len(s) == (2 if name == 'vit' else 3) for s in shapes[:(-1 if name != 'simplecnn' else -2)])
    assert len(m) == {'vgg11': 9, 'resnet18': 9, 'vit': 3, 'plaincnn': 4, 'simplecnn': 6}[name]

@pytest.mark.parametrize('name', FIXED_BACKBONES)
def test_backbone_depth_is_sid_modules(name):
    "On VGG-11 and ResNet-18 a depth appends that many belief modules, and SID trains locally the network BP trains."
    from sll_nb.train import RunConfig, fit
    nets = {m: fit(RunConfig(method=m, model=name, dataset='digits', depth=3, width=8, epochs=1, limit_train=128, device='cpu'),
                   progress=False, return_method=True)[1].model for m in ('bp', 'sid')}
    assert len(nets['bp'].stages[-1].refiners) == 3
    shapes = {m: [p.shape for p in net.parameters()] for m, net in nets.items()}
    assert shapes['bp'] == shapes['sid']
    assert len(build_model(name, (1, 28, 28), 10, width=8)) == 9  # no depth: the backbone and its linear read-out

def test_vgg11_shapes_by_input():
    assert stage_shapes(build_model('vgg11', (1, 28, 28), 10, width=64), (1, 28, 28))[-2] == (512, 1, 1)
    assert stage_shapes(build_model('vgg11', (3, 32, 32), 100, width=64), (3, 32, 32))[0] == (64, 16, 16)

def test_registered():
    assert set(CONVNETS) <= set(MODELS) and {'fa', 'dfa'} <= set(METHODS)

def test_bad_inputs():
    with pytest.raises(UserError, match='C, H, W'): build_model('vgg11', (784,), 10)
    with pytest.raises(UserError, match='patch size'): build_model('vit', (1, 28, 28), 10, patch=5)
    with pytest.raises(UserError, match='MultiheadAttention'): make_method('fa', Stack([nn.MultiheadAttention(8, 2)]), (8,), 2)

def test_fa_feedback_is_fixed_matrix_not_transpose():
    torch.manual_seed(0)
    x, W, B, c = torch.randn(5, 3, requires_grad=True), torch.randn(4, 3, requires_grad=True), torch.randn(4, 3), torch.randn(5, 4)
    (FALinearFn.apply(x, W, None, B) * c).sum().backward()
    torch.testing.assert_close(x.grad, c @ B)
    torch.testing.assert_close(W.grad, c.T @ x.detach())

@pytest.mark.parametrize('method', ['bp', 'sll', 'localce', 'learnedce', 'fa', 'dfa'])
@pytest.mark.parametrize('name', ['vgg11', 'plaincnn', 'vit'])
def test_methods_step_every_model(method, name):
    torch.manual_seed(0)
    m = build_model(name, (1, 28, 28), 10, depth=None if name in FIXED_BACKBONES else 2, width=8 if name != 'vit' else 16)
    meth = make_method(method, m, (1, 28, 28), 10, **({'pool': 64} if 'pool' in METHODS[method].reads else {}))
    w = [p.detach().clone() for p in m.parameters()]
    logits, losses = meth.step(torch.randn(4, 1, 28, 28), torch.arange(4))
    assert logits.shape == (4, 10) and losses.isfinite().all()
    assert any(not torch.equal(a, b) for a, b in zip(w, m.parameters()))

def test_sll_units_keep_other_unit_fixed():
    torch.manual_seed(0)
    g = group_stages(build_model('vit', (1, 28, 28), 10, depth=4, width=16), 2)
    meth = make_method('sll', g, (1, 28, 28), 10, pool=1)
    before = [p.detach().clone() for p in g.stages[1].parameters()]
    meth.stage_step(0, torch.randn(8, 1, 28, 28), None, torch.arange(8))
    assert all(torch.equal(a, b) for a, b in zip(before, g.stages[1].parameters()))

def test_fit_runs_new_models_and_methods(tmp_path):
    from sll_nb.train import RunConfig, run
    for model, method, units in (('vgg11', 'dfa', None), ('vit', 'sll', 2), ('plaincnn', 'fa', None)):  # vgg11 with depth 2: its cascade
        cfg = RunConfig(method=method, model=model, dataset='digits', depth=2, width=8, epochs=1, limit_train=128,
                        pool=16, units=units, device='cpu')
        rec = run(cfg, results=tmp_path, progress=False)
        assert 0 <= rec['test_acc'] <= 1 and rec['config']['model'] == model
