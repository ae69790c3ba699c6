"""FA and DFA trained through `fit`, as every table trains them: the feedback is independent of the weights, and every method smooths its targets when asked."""
import pytest
import torch
from sll_nb.feedback import FALinear, FAConv2d
from sll_nb.train import RunConfig, fit
from sll_nb.registry import METHODS

MODELS = {'mlp': dict(depth=2, width=64), 'vgg11': dict(width=8), 'plaincnn': dict(width=8), 'resnet18': dict(width=8),
          'simplecnn': dict(depth=2, width=32)}


def one_step(method, model, **kw):
    "A run of a single optimiser step on 64 digits images (the trained method comes back too)."
    cfg = RunConfig(method=method, model=model, dataset='digits', epochs=1, batch_size=64, limit_train=72, val_fraction=0.1,
                    augment=False, device='cpu', **MODELS[model], **kw)
    return fit(cfg, progress=False, return_method=True)


def corr(a, b): return torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1].item()


@pytest.mark.parametrize('model', list(MODELS))
def test_fa_feedback_is_not_the_initial_weight(model):
    "With a learning rate too small to move the weights, corr(B, W) is corr(B, W0): small on every layer (it was 1.0000 on every bias-free layer)."
    _, method = one_step('fa', model, lr=1e-9)
    layers = [m for m in method.modules() if isinstance(m, (FALinear, FAConv2d))]
    assert len(layers) >= 2
    correlations = [abs(corr(m.feedback, m.weight.detach())) for m in layers]
    assert max(correlations) < 0.5 and sum(correlations) / len(correlations) < 0.2, correlations


@pytest.mark.parametrize('model', list(MODELS))
def test_fa_first_step_differs_from_bp(model):
    "Same seed, same initial weights, one plain SGD step: FA's update of the first layer is far from BP's (with B = W0 it was BP's)."
    (_, start), (_, fa), (_, bp) = (one_step(m, model, optimizer='sgd', lr=lr) for m, lr in (('bp', 1e-12), ('fa', 0.1), ('bp', 0.1)))
    w0, w_fa, w_bp = (next(m.model.parameters()).detach() for m in (start, fa, bp))
    assert ((w_fa - w0) - (w_bp - w0)).norm() > 0.2*(w_bp - w0).norm()


@pytest.mark.parametrize('method', sorted(METHODS))
def test_label_smoothing_reaches_every_method(method):
    "A run with smoothed targets trains differently from the same run without, for every method."
    model = 'simplecnn' if method == 'sid' else 'mlp'
    (a, _), (b, _) = one_step(method, model), one_step(method, model, label_smoothing=0.2)
    assert a['history'][0]['stage_pred_loss'] != b['history'][0]['stage_pred_loss']
