"SID (`sll_nb.sid`) beyond the checks `nbs/05b_sid.ipynb` makes: both arrangements agree, the trained cascade follows the theory (the notebook's version is a slow cell), the train loop and bad input."
import pytest
import torch
from torch import nn
from sll_nb.core import UserError
from sll_nb.models import Stack, mlp
from sll_nb.sid import SID, smoothed_target
from sll_nb.theory import sid_cascade, sid_kl_to_target

torch.set_num_threads(1)

def toy(arrangement='two_phase', depth=4, **kw):
    torch.manual_seed(0)
    return SID(mlp((1, 8, 8), 10, depth=2, width=32, norm=False), (1, 8, 8), 10, depth=depth, width=16, arrangement=arrangement, **kw)

def batch(n=16):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)

def test_arrangements_give_the_same_update():
    x, y = batch()
    a, b = toy('two_phase'), toy('public')
    for _ in range(3): la, lb = a.step(x, y)[1], b.step(x, y)[1]
    assert torch.allclose(la, lb, atol=1e-5)
    for pa, pb in zip(a.parameters(), b.parameters()): assert torch.allclose(pa, pb, atol=1e-5)

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
