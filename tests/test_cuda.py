"""What only a GPU can check: a step recorded as one CUDA graph (`train.GraphedStep`) and replayed gives the eager step's
losses and weights, with a learning-rate schedule stepping between replays, for every method; `fit --cuda-graph` trains as
the eager loop does. Skipped without CUDA; `scripts/gpu_check.sh` runs it on a GPU."""
import copy
import pytest, torch
from sll_nb.measure import build_for_memory
from sll_nb.registry import METHODS
from sll_nb.train import GraphedStep, RunConfig, fit

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='CUDA graphs need a GPU')

SPECS = [(m, {}) for m in METHODS] + [('sll', {'local_updates': 'batched'}), ('bp', {'optimizer': 'sgd'})]

@pytest.mark.parametrize('method,settings', SPECS, ids=[m + ''.join(f'-{v}' for v in s.values()) for m, s in SPECS])
def test_cuda_graph_replays_the_eager_step(method, settings):
    eager = build_for_memory('mlp', method, 2, (1, 8, 8), 10, 32, device='cuda', dropout=0.0, **settings)  # no dropout: a replay draws other random numbers
    graphed = copy.deepcopy(eager)
    schedules = {m: [torch.optim.lr_scheduler.MultiStepLR(o, [2, 4], gamma=0.25) for o in m.optimizers] for m in (eager, graphed)}
    step = GraphedStep(graphed)  # after its schedulers, as in `fit`
    g = torch.Generator(device='cuda').manual_seed(0)
    for i in range(50):
        x, y = torch.randn(16, 1, 8, 8, device='cuda', generator=g), torch.randint(0, 10, (16,), device='cuda', generator=g)
        if i == 30: x, y = x[:12], y[:12]  # a short batch, as an epoch's last one: eager, on the same weights
        torch.testing.assert_close(step(x, y)[1], eager.step(x, y)[1], rtol=1e-4, atol=1e-4)
        if i % 10 == 9:
            for s in (*schedules[eager], *schedules[graphed]): s.step()  # lr x0.25 after 20 and 40 steps, under the replay too
    assert step.graph is not None and step.eager_steps == 4  # 3 warm-up steps and the short batch
    before_norm = {f'model.stages.{i}.{0 if i else 1}.bias' for i in range(2)}  # zero gradient in exact arithmetic: Adam scales rounding noise up
    for (name, p), q in zip(graphed.named_parameters(), eager.parameters()):
        if name not in before_norm: torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-4, msg=name)
    assert float(graphed.optimizers[0].param_groups[0]['lr']) == pytest.approx(eager.optimizers[0].param_groups[0]['lr'])

def test_fit_with_cuda_graph_trains_as_the_eager_loop():
    cfg = dict(method='sll', dataset='digits', depth=2, width=32, epochs=3, dropout=0.0, device='cuda')  # 1,617 images: a short last batch each epoch
    eager, graphed = fit(RunConfig(**cfg), progress=False), fit(RunConfig(**cfg, cuda_graph=True), progress=False)
    assert abs(eager['test_acc'] - graphed['test_acc']) <= 0.02, (eager['test_acc'], graphed['test_acc'])
    for a, b in zip(eager['history'], graphed['history']): assert a['val_loss'] == pytest.approx(b['val_loss'], rel=1e-2)
