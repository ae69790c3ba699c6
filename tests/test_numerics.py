"""The local losses and their gradients stay finite where logits are extreme (±1e4), codes are one-hot, and under bf16/fp16 autocast."""
import pytest
import torch
import torch.nn.functional as F
from sll_nb.objectives import bhattacharyya_loss, sll_layer_loss, svp_layer_loss
from sll_nb.sid import sid_local_loss, smoothed_target

K = 10


def extreme_logits(scale, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(8, K, generator=g) * scale).requires_grad_()


def one_hot_logits(scale):  # a code that puts all its mass on one class
    return (F.one_hot(torch.arange(8) % K, K).float() * scale).requires_grad_()


@pytest.mark.parametrize('make', [extreme_logits, one_hot_logits], ids=['random', 'one-hot'])
@pytest.mark.parametrize('scale', [1.0, 1e2, 1e4, -1e4])
def test_sll_and_svp_losses_and_gradients_are_finite(make, scale):
    y = torch.arange(8) % K
    for loss_fn in (sll_layer_loss, svp_layer_loss):
        v, parent = make(scale), make(-scale).detach()
        total, pred, align = loss_fn(v, y, parent, lam=1.0, label_smoothing=0.1)
        total.backward()
        assert torch.isfinite(torch.stack([total, pred, align])).all() and torch.isfinite(v.grad).all(), loss_fn.__name__


@pytest.mark.parametrize('scale', [1.0, 1e4, -1e4])
@pytest.mark.parametrize('direction, eps', [('forward', 0.0), ('forward', 0.1), ('reverse', 0.1)])
def test_sid_losses_and_gradients_are_finite(scale, direction, eps):
    logits, prev = extreme_logits(scale), F.log_softmax(extreme_logits(-scale, seed=1).detach(), 1)
    distill, consist = sid_local_loss(logits, prev, smoothed_target(torch.arange(8) % K, K, eps), direction)
    (distill + consist).backward()
    assert torch.isfinite(torch.stack([distill, consist])).all() and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_losses_are_finite_under_autocast(dtype):
    if dtype is torch.float16 and not torch.cuda.is_available(): pytest.skip('float16 autocast needs CUDA')
    device = 'cuda' if dtype is torch.float16 else 'cpu'
    lin = torch.nn.Linear(16, K).to(device); x = torch.randn(8, 16, device=device) * 1e3; y = torch.arange(8, device=device) % K
    with torch.autocast(device, dtype=dtype):
        v = lin(x); parent = lin(x.flip(0)).detach()
        losses = [sll_layer_loss(v, y, parent)[0], svp_layer_loss(v, y, parent)[0], bhattacharyya_loss(v, parent)]
    sum(losses).backward()
    assert all(torch.isfinite(l.float()) for l in losses) and torch.isfinite(lin.weight.grad).all()


from sll_nb.registry import METHODS, MODELS
from sll_nb.train import RunConfig, fit

SIZES = {'mlp': dict(depth=2, width=16), 'vgg11': dict(width=4), 'resnet18': dict(width=4), 'vit': dict(depth=2, width=16),
         'plaincnn': dict(depth=2, width=4), 'simplecnn': dict(depth=2, width=16)}


@pytest.mark.parametrize('model', sorted(SIZES))
def test_the_same_seed_gives_the_same_record_for_every_method(model):
    "Determinism on the CPU: two runs of one configuration agree on every epoch's metrics and the test accuracy, for every method."
    assert set(SIZES) == set(MODELS)
    for method in sorted(METHODS):
        cfg = RunConfig(method=method, model=model, dataset='digits', epochs=2, batch_size=32, limit_train=96, device='cpu', seed=3, **SIZES[model])
        a, b = fit(cfg, progress=False), fit(cfg, progress=False)
        strip = lambda r: ([{k: v for k, v in e.items() if k != 'seconds'} for e in r['history']], r['test_acc'], r['test_loss'])
        assert strip(a) == strip(b), (model, method)
