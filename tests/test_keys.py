"Run records are cached under `RunConfig.key()`: these keys must never change, or every committed result is orphaned."
import json
from pathlib import Path
import pytest
from sll_nb.methods import METHOD_SETTINGS
from sll_nb.train import RunConfig, unused_hyperparameters

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted(p for p in ROOT.glob('results/*/runs/*.json'))

PINNED = [  # (configuration, its key when these tests were written)
    (dict(), '509658a3cc0f6a7a'),
    (dict(method='bp'), '8f0e68e84b30cce4'),
    (dict(method='bp', dropout=0.3, lam=9), '8f0e68e84b30cce4'),  # settings BP does not read leave its key alone
    (dict(method='sid', model='simplecnn', dataset='cifar10', label_smoothing=0.1), 'a70e5fec4bd15fb6'),
    (dict(method='fa', model='vgg11', dataset='fashion', width=32, epochs=100, limit_train=10000), 'e5bd1b8e2476e240'),
    (dict(method='bp', model='vgg11', optimizer='sgd', weight_decay=5e-4), '40fbbae494576482'),
    (dict(method='learnedce', model='vit', units=3), '0ade16cb84fc9654'),
    (dict(method='dfa', label_smoothing=0.1), 'b553bc6e9a13fef2'),
    (dict(method='sll', local_updates='stagewise'), '509658a3cc0f6a7a'),  # a field at its default leaves the key as it was
]

@pytest.mark.parametrize('settings,key', PINNED)
def test_pinned_keys(settings, key): assert RunConfig(**settings, device='cpu').key() == key

def test_committed_records_keep_their_keys():
    assert len(COMMITTED) >= 40
    wrong = [p.name for p in COMMITTED if RunConfig(**json.loads(p.read_text())['config']).key() != p.stem]
    assert not wrong, f"{len(wrong)} committed records no longer match their configuration's key: {wrong[:5]}"

READS = {  # the method settings each method reads; the others cannot change its run, so its key ignores them
    'bp': {'label_smoothing'}, 'fa': {'label_smoothing'}, 'dfa': {'label_smoothing'},
    'sid': {'alpha', 'extractor', 'label_smoothing'},
    **{m: {'dropout', 'head_scale', 'label_smoothing', 'lam', 'pool', 'readout_lam', 'local_updates'} for m in ('sll', 'svp', 'localce', 'learnedce')},
}

@pytest.mark.parametrize('method', READS)
def test_settings_each_method_reads(method): assert set(METHOD_SETTINGS) - unused_hyperparameters(method) == READS[method]

def test_batched_updates_have_their_own_key():  # the same update, but not the same record: its times and memory differ
    assert RunConfig(local_updates='batched', device='cpu').key() != RunConfig(device='cpu').key()
