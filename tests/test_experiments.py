"""Experiment-notebook logic on tiny runs: the learning-rate choice of `mlp_table1` and the seed averaging of `vit_table3`."""
import pandas as pd
import papermill as pm
import pytest
from conftest import ROOT

RESULTS = ROOT/'results'/'quick'


def execute(name, tmp_path, **parameters):
    "Run an experiment notebook (quick profile, `digits`) with papermill; its tables go to results/quick/<output>*.csv."
    pm.execute_notebook(str(ROOT/'nbs'/'experiments'/f'{name}.ipynb'), str(tmp_path/f'{name}.ipynb'),
                        parameters=dict(datasets=['digits'], **parameters), cwd=str(ROOT/'nbs'/'experiments'), progress_bar=False)


@pytest.fixture
def output():
    "A throw-away output name; its tables and figures are removed afterwards."
    name = 'pytest_tiny'
    yield name
    for folder in (ROOT/'results'/'quick', ROOT/'figures'/'quick'):
        for f in folder.glob(f'{name}*'): f.unlink()


def test_mlp_table1_takes_each_methods_best_validation_lr(tmp_path, output):
    execute('mlp_table1', tmp_path, methods=['bp', 'sll'], width=64, epochs=3, seeds=[0, 1], limit_train=1000,
            lr_grid=[5e-4, 3e-3], output=output)
    choice, table = pd.read_csv(RESULTS/f'{output}_lr_choice.csv'), pd.read_csv(RESULTS/f'{output}.csv')
    assert len(choice) == 4 and choice.groupby('method').chosen.sum().eq(1).all()
    for method, trials in choice.groupby('method'):
        best = trials.loc[trials.val_acc.idxmax()]
        assert best.chosen  # chosen on validation accuracy, never on test accuracy
        row = table.set_index('method').loc[method]
        assert row.lr == best.lr and row.seeds == 2  # every seed trains at the chosen rate


def test_vit_table3_averages_over_seeds(tmp_path, output):
    execute('vit_table3', tmp_path, depth=2, units=[2], epochs=1, limit_train=300, seeds=[0, 1], output=output)
    table, runs = pd.read_csv(RESULTS/f'{output}.csv'), pd.read_csv(RESULTS/f'{output}_runs.csv')
    assert list(table.method) == ['BP', 'SLL^2+'] and (table.seeds == 2).all() and len(runs) == 4
    means = runs.groupby('method').test_acc.mean().reindex(table.method)
    # both files are rounded to 3 decimals, so the mean of the rounded runs may sit 0.001 from the rounded mean
    assert (table.set_index('method').test_acc - means).abs().max() <= 1e-3 + 1e-9
    assert table.set_index('method').step_mem_vs_bp['SLL^2+'] < 1
