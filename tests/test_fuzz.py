"""Property-based tests: whatever arrays a user saves in an .npz, and whatever a user types for a run's settings, the result is a
dataset (or a configuration) or one `UserError`, never another exception."""
import os
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra import numpy as hnp
from sll_nb.core import UserError
from sll_nb.data import load
from sll_nb.train import RunConfig, fit
from sll_nb.cli import main

@st.composite
def arrays(draw, labels=False):
    dtype = draw(st.sampled_from(['int64', 'int32', 'uint8', 'float64', 'bool'] if labels else ['uint8', 'float32', 'float64', 'int64', 'bool', 'complex64']))
    shape = draw(st.one_of(st.just((draw(st.integers(0, 6)),)), hnp.array_shapes(min_dims=1, max_dims=2, max_side=6)) if labels else
                 st.one_of(st.sampled_from([(6, 5, 5), (6, 5, 5, 3), (6, 1, 5, 5)]), hnp.array_shapes(min_dims=1, max_dims=5, min_side=0, max_side=4)))
    return draw(hnp.arrays(dtype, shape))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(x_train=arrays(), y_train=arrays(labels=True), x_test=arrays(), y_test=arrays(labels=True))
def test_any_npz_loads_or_is_one_user_error(tmp_path, x_train, y_train, x_test, y_test):
    path = tmp_path/'mine.npz'
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    os.environ['SLL_NB_CACHE'] = str(tmp_path/'cache')
    try: splits = load(str(path), val_fraction=0.2)
    except UserError as e: assert '\n' not in str(e)
    else: assert len(splits.y_train) + len(splits.y_val) == len(y_train)


FIELDS = dict(epochs=st.one_of(st.integers(-3, 3), st.floats(allow_nan=True)), lr=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 1)),
              dropout=st.floats(-1, 2), label_smoothing=st.floats(-1, 2), optimizer=st.sampled_from(['adam', 'sgd', 'lbfgs', '']),
              method=st.sampled_from(['bp', 'sll', 'sid', 'fa', 'nope']), model=st.sampled_from(['mlp', 'vgg11', 'resnet']),
              depth=st.one_of(st.none(), st.integers(-2, 4)), units=st.one_of(st.none(), st.integers(-1, 3)), val_fraction=st.floats(-1, 2))


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({}, optional=FIELDS))
def test_any_run_config_trains_or_is_one_user_error(fields):
    # each value is checked by the part that reads it as `fit` builds that part, so the property is `fit`'s, not `validate`'s
    cfg = RunConfig(**{'dataset': 'digits', 'width': 4, 'limit_train': 40, 'batch_size': 16, 'augment': False, 'device': 'cpu', **fields})
    try: fit(cfg, progress=False)
    except UserError as e: assert '\n' not in str(e)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.sampled_from(['--epochs', '0', '-1', 'x', '--lr', 'nan', '--method', 'hebb', '--batch-size', '1.5', '--dataset',
                                 'imagenet', '--units', '2', '--label-smoothing', '1']), max_size=6))
def test_any_train_command_line_is_a_run_or_one_error(argv, capsys):
    try: code = main(['train', '--device', 'cpu', '--quiet', '--dataset', 'digits', '--depth', '1', '--width', '4', '--epochs', '1', *argv])
    except SystemExit as e: code = e.code  # argparse's own usage error: a message, exit status 2
    assert code in (0, 2)
    err = capsys.readouterr().err.strip()
    if code == 2 and err.startswith('sll-nb: error'): assert len(err.splitlines()) == 1
