"SID (`sll_nb.sid`): gradient isolation, memory by module count, the theory's cascade, the train loop and bad input."
import pytest
import torch
from torch import nn
from sll_nb.core import UserError
from sll_nb.methods import METHODS, make_method
from sll_nb.models import Stack, mlp
from sll_nb.sid import SID, ARRANGEMENTS, smoothed_target
from sll_nb.measure import ActivationTracker
from sll_nb.theory import sid_cascade, sid_kl_to_target

torch.set_num_threads(1)

def toy(arrangement='two_phase', depth=4, **kw):
    torch.manual_seed(0)
    return SID(mlp((1, 8, 8), 10, depth=2, width=32, norm=False), (1, 8, 8), 10, depth=depth, width=16, arrangement=arrangement, **kw)

def batch(n=16):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)

def test_registered_and_ignores_unknown_keywords():
    assert METHODS['sid'] is SID
    m = make_method('sid', mlp((1, 8, 8), 10, depth=2, width=32), (1, 8, 8), 10, lr=1e-3, lam=2.0, dropout=0.3, pool=4,
                    seed=3, alpha=0.3, label_smoothing=0.1, extractor='all', depth=5, width=8, bogus=1)
    logits, losses = m.step(*batch())
    assert logits.shape == (16, 10) and losses.shape == (5, 2) and len(m.optimizers) == 6
    assert torch.allclose(m(batch()[0]).exp().sum(1), torch.ones(16), atol=1e-5)

def test_module_update_uses_only_its_own_loss():
    "During module i's update, gradient reaches module i's parameters only, and equals the gradient of its own loss."
    m = toy(); x, y = batch()
    owner = {id(p): i for i, r in enumerate(m.refiners) for p in r.parameters()}
    target = smoothed_target(y, 10); f = m.features(x)
    with torch.no_grad(): teacher = m._teacher(f.detach())
    own = [dict(zip([id(p) for p in r.parameters()], torch.autograd.grad(m._module_loss(i, f.detach(), teacher[i], target)[0], list(r.parameters()))))
           for i, r in enumerate(m.refiners)]
    active, seen = [None], []
    def hook(p):
        def h(g):
            seen.append((active[0], owner.get(id(p), 'extractor')))
            if id(p) in owner: assert torch.allclose(g, own[owner[id(p)]][id(p)], atol=1e-6)
        return h
    for p in m.parameters(): p.register_hook(hook(p))
    upd = m._update_module
    m._update_module = lambda i, *a: (active.__setitem__(0, i), upd(i, *a))[1]
    m.step(x, y)
    assert {(a, r) for a, r in seen if r != 'extractor'} == {(i, i) for i in range(4)}
    assert {a for a, r in seen if r == 'extractor'} == {3}   # one extractor backward, after the last module

def test_arrangements_give_the_same_update():
    x, y = batch()
    a, b = toy('two_phase'), toy('public')
    for _ in range(3): la, lb = a.step(x, y)[1], b.step(x, y)[1]
    assert torch.allclose(la, lb, atol=1e-5)
    for pa, pb in zip(a.parameters(), b.parameters()): assert torch.allclose(pa, pb, atol=1e-5)

def test_frozen_and_final_layer_strategies():
    x, y = batch()
    m = toy(extractor='frozen'); before = [p.clone() for p in m.model.stages[:2].parameters()]
    m.step(x, y)
    assert all(torch.equal(a, b) for a, b in zip(before, m.model.stages[:2].parameters()))
    m = toy(extractor='final_layer'); m.step(x, y)
    assert len(m.optimizers) == 5

def peak(arrangement, depth, width=1024):
    torch.manual_seed(0)
    m = SID(mlp((1, 8, 8), 10, depth=1, width=64, norm=False), (1, 8, 8), 10, depth=depth, width=width, arrangement=arrangement)
    x, y = batch(64)
    with ActivationTracker(exclude=list(m.parameters())) as tracker: m.step(x, y)
    return tracker.peak

def test_activation_memory_flat_in_module_count_unlike_public():
    assert peak('two_phase', 16) < 1.10*peak('two_phase', 4)
    assert peak('public', 16) > 3*peak('public', 4)

@pytest.mark.parametrize('direction,smoothing', [('forward', 0.0), ('reverse', 0.1)])
def test_trained_cascade_matches_theory(direction, smoothing):
    "Four one-hot inputs, full batch: the trained beliefs approach `theory.sid_cascade` and the divergence to the target falls."
    torch.manual_seed(0)
    K, L, alpha = 4, 3, 0.4
    m = SID(Stack([nn.Flatten(), nn.Identity()]), (K,), K, lr=1e-2, depth=L, width=32, alpha=alpha,
            label_smoothing=smoothing, direction=direction, extractor='frozen')
    x, y = torch.eye(K), torch.arange(K)
    for _ in range(300): m.step(x, y)
    got, tgt = m.beliefs(x).exp().double(), smoothed_target(y, K, smoothing).double()
    assert (got - sid_cascade(tgt, alpha, L, direction)).abs().max() < 0.02
    assert (sid_kl_to_target(got/got.sum(-1, keepdim=True), tgt, direction).mean(-1).diff() < 0).all()

def test_fit_end_to_end(tmp_path):
    from sll_nb.train import RunConfig, fit
    rec = fit(RunConfig(method='sid', dataset='digits', depth=2, width=64, epochs=2, lr=1e-3, batch_size=64), progress=False)
    assert len(rec['history'][0]['stage_pred_loss']) == 2 and rec['test_acc'] > 0.5

@pytest.mark.parametrize('kw,msg', [(dict(direction='reverse'), 'label smoothing'), (dict(extractor='last'), 'extractor strategy'),
                                    (dict(arrangement='x'), 'arrangement'), (dict(alpha=1.5), 'alpha'), (dict(depth=0), 'depth')])
def test_bad_input(kw, msg):
    with pytest.raises(UserError, match=msg): SID(mlp((1, 8, 8), 10, depth=1, width=8), (1, 8, 8), 10, **kw)
