"Property-based checks of the universal claims in `nbs/00_theory.ipynb` (SLL §3.3, SID Lemma 1 and Props. 1, 2, 4, the chain ELBOs)."
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck
from sll_nb.core import UserError
from sll_nb.theory import (bhattacharyya, hellinger_sq, kl, renyi, sid_minimizer, sid_objective, sid_cascade, sid_cascade_closed_form,
                           sid_defects, sid_descent_bound, sid_kl_to_target, chain_elbos, distance_distortion, DIRECTIONS)
from sll_nb.objectives import smoothed_target

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

@st.composite
def prob_pairs(draw, min_k=2, max_k=8, zeros=True):
    "Two probability vectors of the same length, from peaked to flat, optionally with exact zeros and tiny entries."
    k = draw(st.integers(min_k, max_k))
    seed = draw(st.integers(0, 2**31 - 1)); scale = draw(st.floats(0.1, 30.))
    g = torch.Generator().manual_seed(seed)
    p, q = (torch.softmax(scale*torch.randn(k, generator=g, dtype=torch.float64), -1) for _ in range(2))
    if zeros and draw(st.booleans()):
        p = torch.where(torch.rand(k, generator=g, dtype=torch.float64) < 0.3, 0., p); p[0] += 1e-3; p = p/p.sum()
    return p, q

@FAST
@given(prob_pairs())
def test_bc_range_and_hellinger(pq):
    p, q = pq
    bc = bhattacharyya(p, q)
    assert 0 <= bc <= 1                                                   # D1
    assert abs(hellinger_sq(p, q) - (1 - bc)) < 1e-12                     # D2
    assert abs(bhattacharyya(p, q) - bhattacharyya(q, p)) < 1e-15

@FAST
@given(prob_pairs())
def test_kl_bc_inequalities(pq):
    q, p = pq                                                             # D3 is stated for KL(q‖p)
    bc = bhattacharyya(q, p)
    nlb = renyi(q, p, 0.5)                                                # -2 log BC, in log space
    assert kl(q, p) >= nlb - 1e-10
    assert nlb >= 2*(1 - bc) - 1e-10
    if bc > 1e-100: assert abs(nlb - (-2*math.log(bc))) < 1e-8 * max(1., nlb.item())   # D4

@FAST
@given(prob_pairs(zeros=False), st.lists(st.floats(0.1, 3.), min_size=2, max_size=4, unique=True))
def test_renyi_nondecreasing_in_alpha(pq, alphas):
    p, q = pq
    vals = [renyi(p, q, a).item() for a in sorted(alphas)]
    assert all(b >= a - 1e-9*max(1, abs(a)) for a, b in zip(vals, vals[1:]))

@FAST
@given(prob_pairs(zeros=False), st.floats(0.05, 1.), st.sampled_from(DIRECTIONS))
def test_sid_minimizer_beats_random_candidates(pq, alpha, direction):
    "Lemma 1 and its forward twin: the closed form is no worse than any other belief (the 1e-6 L-BFGS match is in the notebook)."
    prev, target = pq
    best = sid_objective(sid_minimizer(prev, target, alpha, direction), prev, target, alpha, direction)
    cands = torch.softmax(3*torch.randn(64, len(prev), dtype=torch.float64, generator=torch.Generator().manual_seed(0)), -1)
    assert (sid_objective(cands, prev, target, alpha, direction) >= best - 1e-10).all()

@FAST
@given(st.integers(2, 12), st.floats(0.05, 0.95), st.floats(0.01, 0.5), st.sampled_from(DIRECTIONS))
def test_cascade_closed_form_and_rate(K, alpha, eps, direction):
    "Prop. 1: the iterated minimiser equals the closed form, and the KL to the target never increases."
    y = smoothed_target(0, K, eps, torch.float64)
    c = sid_cascade(y, alpha, 12, direction)
    for i in (1, 6, 12): assert torch.allclose(c[i], sid_cascade_closed_form(y, alpha, i, direction), atol=1e-12)
    d = sid_kl_to_target(c, y, direction)
    assert (torch.diff(d) <= 1e-14).all()

@FAST
@given(st.integers(0, 2**31 - 1), st.floats(0.05, 1.), st.sampled_from(DIRECTIONS), st.integers(1, 10))
def test_descent_identity_and_prop4(seed, alpha, direction, L):
    "Props. 2 and 4: lhs - rhs = Σ δ_i/α exactly, so Prop. 2 holds iff the total defect is <= 0 and Prop. 4 always holds."
    g = torch.Generator().manual_seed(seed); K = 5
    y = smoothed_target(1, K, 0.1, torch.float64)
    b = torch.cat([torch.full((1, K), 1/K, dtype=torch.float64),
                   torch.softmax(2*torch.randn(L, K, generator=g, dtype=torch.float64), -1)])
    dfx = sid_defects(b, y, alpha, direction)
    lhs, rhs = sid_descent_bound(b, y, alpha, direction)
    assert abs((lhs - rhs) - dfx.sum()/alpha) < 1e-9*max(1., lhs.abs().item())
    assert (lhs <= rhs + 1e-12) == (dfx.sum() <= 1e-12) or abs(dfx.sum()) < 1e-9
    lhs4, rhs4 = sid_descent_bound(b, y, alpha, direction, eps=dfx.clamp(min=0))
    assert lhs4 <= rhs4 + 1e-12

@FAST
@given(st.integers(0, 2**31 - 1), st.floats(0.05, 1.), st.sampled_from(DIRECTIONS))
def test_improving_sequences_satisfy_prop2(seed, alpha, direction):
    g = torch.Generator().manual_seed(seed); K = 6
    y = smoothed_target(2, K, 0.1, torch.float64); b = [torch.full((K,), 1/K, dtype=torch.float64)]
    for _ in range(8):                                                     # a random step toward the minimiser improves F (convexity)
        s = torch.rand((), generator=g, dtype=torch.float64)
        b.append((1 - s)*b[-1] + s*sid_minimizer(b[-1], y, alpha, direction))
    b = torch.stack(b)
    assert (sid_defects(b, y, alpha, direction) <= 1e-12).all()
    lhs, rhs = sid_descent_bound(b, y, alpha, direction)
    assert lhs <= rhs + 1e-12

@FAST
@given(st.integers(0, 2**31 - 1), st.integers(1, 4), st.integers(2, 4), st.integers(2, 3))
def test_chain_elbo_bounds(seed, L, S, K):
    "E1: global ELBO <= log p(y|x); chain rule: Σ KL_i = joint KL; E3 (discrete y): Σ_i E_i <= E_NN."
    g = torch.Generator().manual_seed(seed); X = 3
    rnd = lambda r, c: torch.softmax(2*torch.randn(r, c, generator=g, dtype=torch.float64), -1)
    P = [rnd(X, S)] + [rnd(S, S) for _ in range(L - 1)]; Q = [rnd(X, S)] + [rnd(S, S) for _ in range(L - 1)]
    r = chain_elbos(P, Q, rnd(S, K), torch.randint(0, K, (X,), generator=g))
    assert r['global_elbo'] <= r['log_evidence'] + 1e-12
    assert abs(sum(r['kl']) - r['joint_kl']) < 1e-9
    assert r['sum_layer_elbo'] <= r['global_elbo'] + 1e-12
    claim = r['mean_layer_elbo'] <= r['global_elbo'] + 1e-12             # E2 is equivalent to the gain-vs-KL condition
    gain = r['pred'][-1] - sum(r['pred'])/L
    assert claim == (gain >= (1 - 1/L)*sum(r['kl']) - 1e-12) or abs(gain - (1 - 1/L)*sum(r['kl'])) < 1e-9

def test_bad_input_errors():
    with pytest.raises(UserError, match="not logits"): kl(torch.tensor([-1., 2.]), torch.tensor([0.5, 0.5]))
    with pytest.raises(UserError, match="sum to 1"): bhattacharyya(torch.tensor([0.5, 0.6]), torch.tensor([0.5, 0.5]))
    with pytest.raises(UserError, match="alpha must be in"): sid_minimizer(torch.ones(3)/3, torch.ones(3)/3, 0.)
    with pytest.raises(UserError, match="batch of at least 2"): distance_distortion(torch.ones(4), 2)
