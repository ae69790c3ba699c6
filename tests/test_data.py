"Bad-input paths and the data contracts of `sll_nb.data` (unit checks live in nbs/03_data.ipynb)."
import gzip, os
from pathlib import Path
import numpy as np
import pytest
import torch
from sll_nb.core import UserError
from sll_nb import data
from sll_nb.data import augment, carve_validation, data_root, load, symmetric_label_noise

torch.set_num_threads(1)
SHARED = Path(__file__).resolve().parents[1]/'..'/'shared'/'data'
SHARED = Path(os.environ.get('SLL_NB_DATA') or SHARED)

@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    "Each test writes its caches to a temporary folder, never to the data root or the home folder."
    monkeypatch.setenv('SLL_NB_CACHE', str(tmp_path_factory.mktemp('cache')))

def _npz(path, **over):
    arrays = dict(x_train=np.random.default_rng(0).integers(0, 256, (40, 8, 8, 3), dtype=np.uint8),
                  y_train=np.arange(40) % 4, x_test=np.zeros((10, 8, 8, 3), np.uint8), y_test=np.arange(10) % 4)
    arrays.update(over)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return str(path)

def test_noise_reproducible_exact_and_never_same_class():
    y = torch.arange(5000) % 10
    for rate in (0.0, 0.2, 0.5, 0.8):
        a, b = symmetric_label_noise(y, rate, 10, seed=7), symmetric_label_noise(y, rate, 10, seed=7)
        assert torch.equal(a, b)
        assert int((a != y).sum()) == round(rate * 5000)
    assert not torch.equal(symmetric_label_noise(y, 0.5, 10, 1), symmetric_label_noise(y, 0.5, 10, 2))
    flipped = symmetric_label_noise(y, 1.0, 10, 0)
    assert (flipped != y).all() and flipped.min() >= 0 and flipped.max() <= 9
    counts = torch.bincount((flipped - y) % 10, minlength=10)   # offsets 1..9 roughly uniform
    assert counts[0] == 0 and counts[1:].min() > 400

def test_load_noise_only_on_train():
    s = load('digits', label_noise=0.3, noise_seed=5)
    assert int((s.y_train != s.clean_y_train).sum()) == round(0.3 * len(s.y_train))
    c = load('digits')
    assert torch.equal(s.y_val, c.y_val) and torch.equal(s.y_test, c.y_test) and torch.equal(s.clean_y_train, c.y_train)
    assert torch.equal(load('digits', label_noise=0.3, noise_seed=5).y_train, s.y_train)

def test_splits_fixed_disjoint_and_stratified():
    y = torch.arange(3001) % 7
    tr, va = carve_validation(y, 0.2)
    assert len(va) == round(0.2 * 3001) and len(set(tr.tolist()) & set(va.tolist())) == 0
    assert sorted(tr.tolist() + va.tolist()) == list(range(3001))
    counts = torch.bincount(y[va])
    assert counts.max() - counts.min() <= 1
    tr2, va2 = carve_validation(y, 0.2)
    assert torch.equal(tr, tr2) and torch.equal(va, va2)

def test_digits_splits_independent_of_global_seed():
    torch.manual_seed(0); a = load('digits')
    torch.manual_seed(1); b = load('digits')
    assert torch.equal(a.x_val, b.x_val) and torch.equal(a.x_train, b.x_train)
    # validation images are not training images (compare image bytes; digits has a few exact duplicates)
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 1797
    assert a.x_train.dtype == torch.uint8 and a.y_train.dtype == torch.int64 and a.in_shape == (1, 8, 8)
    assert (a.crop_padding, a.flip) == (0, False)

def test_limit_train_keeps_first_n_after_carve():
    full, lim = load('digits'), load('digits', limit_train=100)
    assert torch.equal(lim.x_train, full.x_train[:100]) and torch.equal(lim.x_val, full.x_val)
    assert torch.equal(lim.mean, full.mean)
    assert len(load('digits', limit_train=10**6).y_train) == len(full.y_train)

def test_augment_shape_dtype_determinism():
    x = torch.randint(0, 256, (16, 3, 12, 12), dtype=torch.uint8)
    a = augment(x, 4, True, torch.Generator().manual_seed(3))
    assert a.shape == x.shape and a.dtype == torch.uint8
    assert torch.equal(a, augment(x, 4, True, torch.Generator().manual_seed(3)))
    assert not torch.equal(a, augment(x, 4, True, torch.Generator().manual_seed(4)))
    assert torch.equal(augment(x, 0, False), x)
    f = augment(x.float() / 255, 2, False, torch.Generator().manual_seed(0))
    assert f.dtype == torch.float32 and f.shape == x.shape

def test_batches_cover_split_and_are_reproducible():
    s = load('digits')
    ys = torch.cat([y for _, y in s.batches('train', batch_size=100, generator=torch.Generator().manual_seed(0))])
    assert torch.equal(ys.sort().values, s.y_train.sort().values)
    xb, _ = next(s.batches('train', generator=torch.Generator().manual_seed(0)))
    xb2, _ = next(s.batches('train', generator=torch.Generator().manual_seed(0)))
    assert xb.dtype == torch.float32 and torch.equal(xb, xb2)
    xs, ys = zip(*s.batches('test', batch_size=100))
    assert [len(y) for y in ys] == [100, 100, 100, 60]
    assert torch.equal(torch.cat(ys), s.y_test) and torch.allclose(torch.cat(xs), s.normalize(s.x_test))

@pytest.mark.parametrize('kwargs, msg', [
    (dict(name='imagenet'), "unknown dataset 'imagenet'; choose one of: digits, mnist, fashion, cifar10, cifar100"),
    (dict(name='digits', val_fraction=1.0), "val_fraction must be in [0, 1)"),
    (dict(name='digits', val_fraction=-0.1), "val_fraction must be in [0, 1)"),
    (dict(name='digits', label_noise=1.2), "label noise must be in [0, 1]"),
    (dict(name='digits', label_noise=-0.1), "label noise must be in [0, 1]"),
    (dict(name='digits', limit_train=0), "limit_train must be positive"),
    (dict(name='digits', limit_train=-5), "limit_train must be positive"),
    (dict(name='digits', device='tpu'), "unknown device"),
])
def test_bad_arguments(kwargs, msg):
    with pytest.raises(UserError, match=None) as e: load(**kwargs)
    assert msg in str(e.value)

@pytest.mark.parametrize('name, looked', [('mnist', 'MNIST/raw/train-images-idx3-ubyte.gz'),
                                          ('fashion', 'FashionMNIST/raw/train-images-idx3-ubyte.gz'),
                                          ('cifar10', 'cifar10.npz'), ('cifar100', 'cifar-100-python')])
def test_missing_files_name_paths_and_fix(tmp_path, name, looked):
    with pytest.raises(UserError) as e: load(name, root=tmp_path)
    m = str(e.value)
    assert str(tmp_path/looked) in m and 'SLL_NB_DATA' in m and '--data-root' in m and 'download=True' in m

def test_missing_files_default_root(tmp_path, monkeypatch):
    monkeypatch.setenv('SLL_NB_DATA', str(tmp_path/'nowhere'))
    assert data_root() == tmp_path/'nowhere'
    with pytest.raises(UserError, match='nowhere'): load('mnist')

def test_npz_roundtrip_layouts(tmp_path):
    rng = np.random.default_rng(0)
    nhwc = rng.integers(0, 256, (30, 6, 6, 3), dtype=np.uint8)
    ref = load(_npz(tmp_path/'a.npz', x_train=nhwc, y_train=np.arange(30) % 3, x_test=nhwc[:5], y_test=np.arange(5) % 3),
               val_fraction=0.0)
    assert ref.in_shape == (3, 6, 6) and ref.classes == 3 and (ref.crop_padding, ref.flip) == (0, False)
    for name, x in [('b', nhwc.transpose(0, 3, 1, 2)), ('c', nhwc / 255.0)]:
        s = load(_npz(tmp_path/f'{name}.npz', x_train=x, y_train=np.arange(30) % 3, x_test=x[:5], y_test=np.arange(5) % 3),
                 val_fraction=0.0)
        assert torch.equal(s.x_train, ref.x_train)
    grey = load(_npz(tmp_path/'d.npz', x_train=nhwc[..., 0], y_train=np.arange(30) % 3, x_test=nhwc[:5, ..., 0],
                     y_test=np.arange(5) % 3))
    assert grey.in_shape == (1, 6, 6)

def test_cifar10_npz_in_root_is_used_and_cached(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (50, 32, 32, 3), dtype=np.uint8)
    _npz(tmp_path/'cifar10.npz', x_train=x, y_train=np.arange(50) % 10, x_test=x[:20], y_test=np.arange(20) % 10)
    s = load('cifar10', root=tmp_path)
    assert s.in_shape == (3, 32, 32) and (s.crop_padding, s.flip) == (4, True) and s.classes == 10
    assert len(list(Path(os.environ['SLL_NB_CACHE']).glob('cifar10-*.pt'))) == 1
    data._decoded.clear()
    assert torch.equal(load('cifar10', root=tmp_path).x_test, s.x_test)   # now from the .pt cache

@pytest.mark.parametrize('over, msg', [
    (dict(y_test=None), "lacks the array(s) y_test"),
    (dict(x_train=np.zeros((40, 1, 1, 8, 8), np.uint8)), "expected images as (N,H,W), (N,H,W,C) or (N,C,H,W)"),  # flat (N, F) features are fine (the MLP reads them)
    (dict(x_train=np.zeros((40, 8, 8, 5), np.uint8)), "with 1 or 3 channels"),
    (dict(y_train=np.arange(39)), "x_train has 40 images but y_train has 39 labels"),
    (dict(y_train=np.arange(40) * 0.5), "must be a 1-d array of integer class labels"),
    (dict(y_train=np.zeros((40, 2), int)), "must be a 1-d array of integer class labels"),
    (dict(y_test=-np.ones(10, int)), "negative labels"),
    (dict(x_test=np.zeros((10, 9, 9, 3), np.uint8)), "both splits need the same image shape"),
    (dict(y_test=np.arange(10) % 4 + 3), "y_test has class(es) 4, 5, 6 that y_train never shows"),
    (dict(x_train=np.full((40, 8, 8, 3), 2.0)), "float but not within [0, 1]"),
    (dict(x_train=np.zeros((40, 8, 8, 3), np.int32)), "store images as uint8"),
])
def test_malformed_npz(tmp_path, over, msg):
    with pytest.raises(UserError) as e: load(_npz(tmp_path/'bad.npz', **over))
    assert msg in str(e.value) and 'bad.npz' in str(e.value)

def test_npz_not_found_or_unreadable(tmp_path):
    with pytest.raises(UserError, match='does not exist'): load(str(tmp_path/'none.npz'))
    (tmp_path/'junk.npz').write_text('not a zip')
    with pytest.raises(UserError, match='cannot read'): load(str(tmp_path/'junk.npz'))

def test_readonly_root_is_never_written(tmp_path, monkeypatch):
    monkeypatch.delenv('SLL_NB_CACHE')
    monkeypatch.setenv('HOME', str(tmp_path/'home'))
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o555)
    try: assert data.cache_dir(ro) == tmp_path/'home'/'.cache'/'sll_nb'
    finally: ro.chmod(0o755)
    assert data.cache_dir(ro) == ro/'.cache'

@pytest.mark.skipif(not (SHARED/'MNIST'/'raw').exists(), reason='MNIST files not on this machine')
def test_mnist_from_shared_gz(monkeypatch):
    monkeypatch.setenv('SLL_NB_DATA', str(SHARED))
    data._decoded.clear()
    s = load('mnist', label_noise=0.1)
    assert s.in_shape == (1, 28, 28) and s.classes == 10 and (s.crop_padding, s.flip) == (2, False)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (54000, 6000, 10000)
    assert abs(float(s.mean[0]) - 0.1307) < 2e-3 and abs(float(s.std[0]) - 0.3081) < 2e-3
    assert int((s.y_train != s.clean_y_train).sum()) == 5400
    assert not (SHARED/'.cache').exists()                 # the read-only shared folder is left untouched
    assert torch.equal(load('mnist', val_fraction=0.0).y_test[:10], torch.tensor([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]))

def _junk_mnist(root, gzipped=True):
    raw = root/'MNIST'/'raw'; raw.mkdir(parents=True)
    for f in data._MNIST_FILES:
        (raw/f'{f}.gz').write_bytes(gzip.compress(b'junk') if gzipped else b'not gzip at all')
    return root

@pytest.mark.parametrize('name, make', [
    ('mnist', lambda r: _junk_mnist(r)),                       # gunzips, then torchvision's idx reader fails
    ('mnist', lambda r: _junk_mnist(r, gzipped=False)),        # gunzip fails
    ('cifar100', lambda r: (r/'cifar-100-python').mkdir() or r),  # an empty or half-copied folder: md5 check fails
])
def test_corrupted_files_are_one_clear_error(tmp_path, name, make):
    with pytest.raises(UserError) as e: load(name, root=make(tmp_path))
    m = str(e.value)
    assert f'{name} data in {tmp_path} could not be read' in m and 'fresh copy' in m and 'download=True' in m
