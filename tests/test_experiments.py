"""Experiment-notebook logic on tiny runs: the learning-rate choice of `mlp_table1`, the seed averaging of `vit_table3`,
and every notebook's paper-profile code path shrunk to `digits`."""
import pandas as pd
import papermill as pm
import pytest
import torch
from conftest import ROOT

RESULTS = ROOT/'results'/'quick'


def execute(name, tmp_path, cwd=ROOT/'nbs'/'experiments', **parameters):
    "Run an experiment notebook (quick profile, `digits`) with papermill; its tables go to results/quick/<output>*.csv of the project at `cwd`."
    pm.execute_notebook(str(ROOT/'nbs'/'experiments'/f'{name}.ipynb'), str(tmp_path/f'{name}.ipynb'),
                        parameters=dict(datasets=['digits'], **parameters), cwd=str(cwd), progress_bar=False)


@pytest.fixture
def output():
    "A throw-away output name; its tables and figures are removed afterwards."
    name = 'pytest_tiny'
    yield name
    for folder in (ROOT/'results'/'quick', ROOT/'figures'/'quick'):
        for f in folder.glob(f'{name}*'): f.unlink()


def test_mlp_table1_takes_each_methods_best_validation_lr(tmp_path):
    (tmp_path/'settings.ini').touch()  # a project of its own, whose empty run cache makes every run train, here two at a time
    execute('mlp_table1', tmp_path, cwd=tmp_path, methods=['bp', 'sll'], width=64, epochs=3, seeds=[0, 1], limit_train=1000,
            lr_grid=[5e-4, 3e-3], jobs=2)
    results = tmp_path/'results'/'quick'
    choice, table = pd.read_csv(results/'mlp_table1'/'default_lr_choice.csv'), pd.read_csv(results/'mlp_table1'/'default.csv')
    assert len(choice) == 4 and choice.groupby('method').chosen.sum().eq(1).all()
    for method, trials in choice.groupby('method'):
        best = trials.loc[trials.val_acc.idxmax()]
        assert best.chosen  # chosen on validation accuracy, never on test accuracy
        row = table.set_index('method').loc[method]
        assert row.lr == best.lr and row.seeds == 2  # every seed trains at the chosen rate
    assert pd.read_csv(results/'mlp_table1'/'default_runs.csv').threads.eq(max(1, torch.get_num_threads() // 2)).all()  # the cores shared out
    assert len(list((tmp_path/'results'/'runs').glob('*.json'))) == 6  # 4 on the first seed (2 methods x 2 rates), 2 on the second


def test_vit_table3_averages_over_seeds(tmp_path, output):
    execute('vit_table3', tmp_path, depth=2, units=[2], epochs=1, limit_train=300, seeds=[0, 1], output=output)
    table, runs = pd.read_csv(RESULTS/f'{output}.csv'), pd.read_csv(RESULTS/f'{output}_runs.csv')
    assert list(table.method) == ['BP', 'SLL^2+'] and (table.seeds == 2).all() and len(runs) == 4
    means = runs.groupby('method').test_acc.mean().reindex(table.method)
    # both files are rounded to 3 decimals, so the mean of the rounded runs may sit 0.001 from the rounded mean
    assert (table.set_index('method').test_acc - means).abs().max() <= 1e-3 + 1e-9
    assert table.set_index('method').step_mem_vs_bp['SLL^2+'] < 1


# Every experiment's paper protocol, shrunk to `digits`, one seed and one epoch (more where a notebook checks that its
# runs learnt), so that its code paths (the VGG-11, ResNet-18 and many-seed loops no CPU session runs at full size) are
# exercised here and not first on a GPU; those that train several runs train them two at a time (`jobs`), in processes of their own.
PAPER_PATHS = {
    'mlp_table1': dict(datasets=['digits'], epochs=10, seeds=[0], width=64),  # its own check wants every method above chance
    'ablation_dropout_lambda': dict(datasets=['digits'], epochs=10, seeds=[0], width=64, grid=False, head_scales=['fan_in'], jobs=2),  # its JL-vs-fan-in check needs a wide layer
    'ablation_fig4': dict(dataset='digits', epochs=10, widths=[64], pools=[None, 16]),  # SLL at width 32 needs ~30 epochs of digits to beat 2x chance
    'weights_fig5': dict(dataset='digits', epochs=1),
    'cnn_table2': dict(datasets=['digits'], epochs=1, seeds=[0], width=8, jobs=2),
    'vit_table3': dict(datasets=['digits'], epochs=1, seeds=[0], width=32, depth=3, units=[3], jobs=2),
    'sid_table1': dict(datasets=['digits'], epochs=1, seeds=[0], jobs=2),
    'sid_noise_table5': dict(datasets=['digits'], epochs=1, seeds=[0], jobs=2),
    'sid_depth_fig4': dict(dataset='digits', epochs=1, depths=[2]),
    'sid_alpha_fig6': dict(dataset='digits', epochs=1),
    'sid_belief_fig5': dict(dataset='digits', epochs=1),
}
# notebooks whose paper profile runs the quick profile's code at larger sizes only, so the quick run in nbdev_test covers it
# (their checks of the science, like deeper layers ending with a lower loss, need the quick profile's training to hold)
SAME_CODE_AS_QUICK = {'layerwise_fig3': 'the paper profile changes width, epochs, training size and t-SNE size only',
                      'parallel_speedup': 'the paper profile changes the networks\' sizes, datasets and repetitions only',
                      'throughput': 'the paper profile adds a 32-deep MLP and a wider VGG-11 to the same bench loop (on a GPU, the GPU goals)'}

def test_layerwise_fig3_runs_on_the_digits_fallback(tmp_path):
    "With no dataset present the main command trains on `digits`, for more epochs than on MNIST: its figures must still pass `save_figure`'s checks."
    (tmp_path/'settings.ini').touch()
    pm.execute_notebook(str(ROOT/'nbs'/'experiments'/'layerwise_fig3.ipynb'), str(tmp_path/'layerwise_fig3.ipynb'),
                        parameters=dict(dataset='digits'), cwd=str(tmp_path), progress_bar=False)
    assert {f.name for f in (tmp_path/'figures'/'quick').glob('*.png')} >= {'layerwise_fig3a_cka.png', 'layerwise_fig3b_losses.png'}


@pytest.mark.parametrize('name', PAPER_PATHS)
def test_paper_profile_runs(tmp_path, name):
    (tmp_path/'settings.ini').touch()  # makes tmp_path the project root, so results/ and figures/ land there, not in results/paper
    pm.execute_notebook(str(ROOT/'nbs'/'experiments'/f'{name}.ipynb'), str(tmp_path/f'{name}.ipynb'),
                        parameters=dict(profile='paper', **PAPER_PATHS[name]), cwd=str(tmp_path), progress_bar=False)
    tables = list((tmp_path/'results'/'paper').rglob('*.csv'))  # the default output, <notebook>/default, is a subfolder
    assert tables and all(len(pd.read_csv(t)) for t in tables)


def test_paper_paths_cover_every_experiment_with_a_dataset_parameter():
    "A new experiment notebook that trains on a dataset gets a row in PAPER_PATHS or a reason in SAME_CODE_AS_QUICK."
    trains = {nb.stem for nb in (ROOT/'nbs'/'experiments').glob('*.ipynb') if {'dataset', 'datasets'} & set(pm.inspect_notebook(str(nb)))}
    assert trains == set(PAPER_PATHS) | set(SAME_CODE_AS_QUICK) and not set(PAPER_PATHS) & set(SAME_CODE_AS_QUICK)
