"""The command line, end to end: a real training run, and every bad input giving one clear line (no traceback)."""
import json
import numpy as np
import pytest
import torch


def test_train_writes_record(sll_nb, tmp_path):
    out = tmp_path/'run.json'
    r = sll_nb('train', '--method', 'sll', '--model', 'mlp', '--dataset', 'digits', '--depth', '2', '--width', '64',
               '--epochs', '2', '--batch-size', '64', '--lr', '3e-3', '--seed', '1', '--limit-train', '500', '--device', 'cpu', '--out', out)
    assert r.returncode == 0, r.stderr
    rec = json.loads(out.read_text())
    assert {'test_acc', 'val_acc', 'train_seconds', 'history', 'config'} <= set(rec)
    assert rec['config']['seed'] == 1 and len(rec['history']) == 2
    assert rec['config']['limit_train'] == 500  # optional integers (`int | None`) parse as integers
    assert 'test acc' in r.stdout and str(out) in r.stdout  # the one-line summary


def test_train_takes_each_models_own_width_and_skips_a_batch_of_one(sll_nb, tmp_path):
    "Without --width a VGG-11 is 64 channels wide (the MLP's 1024 would need tens of GB); 129 images at batch 128 leave a batch of one."
    out = tmp_path/'vgg.json'
    r = sll_nb('train', '--model', 'vgg11', '--dataset', 'digits', '--epochs', '1', '--limit-train', '129', '--device', 'cpu', '--quiet', '--out', out)
    assert r.returncode == 0, r.stderr
    rec = json.loads(out.read_text())
    assert rec['config']['width'] is None and rec['train_size'] == 129


def test_train_on_own_npz(sll_nb, tmp_path):
    g = np.random.default_rng(0)
    x = g.integers(0, 255, (120, 6, 6), dtype=np.uint8); y = (x.reshape(120, -1).mean(1) > 127).astype(np.int64)
    np.savez(tmp_path/'mine.npz', x_train=x[:100], y_train=y[:100], x_test=x[100:], y_test=y[100:])
    r = sll_nb('train', '--dataset', tmp_path/'mine.npz', '--epochs', '1', '--width', '16', '--depth', '1', '--device', 'cpu', '--quiet')
    assert r.returncode == 0, r.stderr


def _bad_npz(tmp_path):
    p = tmp_path/'bad.npz'; np.savez(p, x_train=np.zeros((4, 8, 8), np.uint8)); return p


BAD_INPUTS = {
    'unknown method': (['--method', 'hebbian'], "unknown method 'hebbian'; choose one of: bp, sll, svp"),
    'unknown model': (['--model', 'transformer9000'], "unknown model 'transformer9000'; choose one of: mlp"),
    'unknown dataset': (['--dataset', 'imagenet'], "unknown dataset 'imagenet'; choose one of: digits, mnist"),
    'zero epochs': (['--epochs', '0'], 'epochs must be positive'),
    'zero width': (['--width', '0'], 'width must be positive'),
    'negative lr': (['--lr', '-0.1'], 'learning rate (lr) must be positive'),
    'infinite lr': (['--lr', 'inf'], 'learning rate (lr) must be a finite number, got inf'),
    'output is a directory': (['--out', '/'], 'output / is a directory; give a file name'),
    'bad dropout': (['--dropout', '1.5'], 'dropout must be in [0, 1)'),
    'negative read-out lambda': (['--readout-lam', '-1'], 'read-out lambda must be non-negative'),
    'bad label noise': (['--label-noise', '1.5'], 'label noise must be in [0, 1]'),
    'negative pool': (['--pool', '-3'], 'pool must be positive'),
    'no validation split': (['--val-fraction', '0'], 'validation fraction (training picks its epoch on it) must be positive'),
    'negative seed': (['--seed', '-1'], 'seed must be non-negative'),
    'one training sample': (['--limit-train', '1'], 'training needs at least 2 samples, digits has 1 after the validation carve'),
    'batch of one with BatchNorm': (['--batch-size', '1'], 'batch size 1 cannot train the mlp model: BatchNorm needs at least 2 samples per batch'),
    'units without a stage-wise method': (['--method', 'bp', '--units', '2'], 'bp does not train stage by stage, so leave units unset'),
}


@pytest.mark.parametrize('case', list(BAD_INPUTS))
def test_bad_input_is_one_clear_line(sll_nb, case):
    args, message = BAD_INPUTS[case]
    r = sll_nb('train', '--device', 'cpu', '--quiet', *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_missing_dataset_says_where_it_looked(sll_nb, tmp_path):
    r = sll_nb('train', '--dataset', 'mnist', '--data-root', tmp_path/'nowhere', '--device', 'cpu', '--quiet')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert str(tmp_path/'nowhere') in r.stderr and 'SLL_NB_DATA' in r.stderr


def test_corrupted_dataset_is_one_clear_line(sll_nb, tmp_path):
    (tmp_path/'cifar-100-python').mkdir(); (tmp_path/'cifar-100-python'/'train').write_bytes(b'half a download')
    r = sll_nb('train', '--dataset', 'cifar100', '--data-root', tmp_path, '--device', 'cpu', '--quiet')
    assert r.returncode == 2 and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert 'cifar100 data in' in r.stderr and 'could not be read' in r.stderr and 'fresh copy' in r.stderr


def test_malformed_npz(sll_nb, tmp_path):
    r = sll_nb('train', '--dataset', _bad_npz(tmp_path), '--device', 'cpu', '--quiet')
    assert r.returncode == 2 and 'Traceback' not in r.stderr and 'y_train' in r.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a GPU')
def test_cuda_without_gpu(sll_nb):
    r = sll_nb('train', '--device', 'cuda', '--quiet')
    assert r.returncode == 2 and 'no CUDA GPU is available' in r.stderr and 'Traceback' not in r.stderr


def test_reproduce_list_and_unknown(sll_nb):
    r = sll_nb('reproduce', '--list')
    assert r.returncode == 0 and 'mlp_table1' in r.stdout and 'theory' in r.stdout
    r = sll_nb('reproduce', '--only', 'no_such_notebook')
    assert r.returncode == 2 and "unknown experiment 'no_such_notebook'" in r.stderr
    r = sll_nb('reproduce', '--only', 'mlp_table1', '-p', 'epoch=1')  # a misspelt parameter runs nothing
    assert r.returncode == 2 and 'takes the parameter(s) epoch; mlp_table1 takes: augment' in r.stderr and 'Traceback' not in r.stderr


def test_reproduce_runs_a_notebook_with_provenance(sll_nb):
    "The papermill path end to end: the theory notebook regenerates its figures, each with a provenance sidecar."
    from conftest import ROOT
    r = sll_nb('reproduce', '--profile', 'quick', '--only', 'theory')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'WARNING' not in r.stderr, r.stderr[-2000:]  # the kernel app's start-up warnings are not the user's business
    sidecars = list((ROOT/'figures'/'quick').glob('theory_*.json'))
    assert sidecars
    meta = json.loads(sidecars[0].read_text())
    assert meta['notebook'] == 'nbs/experiments/theory.ipynb' and meta['parameters']['profile'] == 'quick'
    assert {'date', 'versions', 'git_commit'} <= set(meta)


def test_reproduce_names_a_failing_notebook(tmp_path):
    "A notebook that raises is reported by name with its error and its executed copy; the run does not stop with a traceback."
    import nbformat
    from sll_nb.core import UserError
    from sll_nb.reproduce import reproduce
    nb = nbformat.v4.new_notebook(metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')))
    nb.cells = [nbformat.v4.new_markdown_cell('# broken'), nbformat.v4.new_code_cell("profile = 'quick'", metadata=dict(tags=['parameters'])),
                nbformat.v4.new_code_cell("import warnings\nwarnings.warn('kept in the cell')\nraise ValueError('broken on purpose')")]
    (tmp_path/'nbs'/'experiments').mkdir(parents=True); (tmp_path/'settings.ini').touch()
    nbformat.write(nb, tmp_path/'nbs'/'experiments'/'broken.ipynb')
    with pytest.raises(UserError, match=r"1 experiment notebook\(s\) failed: broken \(PapermillExecutionError: ValueError: broken on purpose"):
        reproduce(root=tmp_path, data_root=str(tmp_path), progress=False)
    executed = nbformat.read(tmp_path/'results'/'executed'/'quick'/'broken.ipynb', 4)
    assert 'kept in the cell' in json.dumps(executed.cells[-1].outputs)
