"""Project-level promises: README current and runnable, notebooks and library in sync, experiment notebooks well formed."""
import json, re, shutil, subprocess
import pytest
from conftest import ROOT, BIN

EXPERIMENTS = sorted((ROOT/'nbs'/'experiments').glob('*.ipynb'))


def test_readme_is_current():
    "README.md is exactly the index rendered to markdown, each cell's printed output in one block (regenerate with `make readme`)."
    out = subprocess.run(['make', '--silent', '--no-print-directory', 'readme-stdout', f'BIN={BIN}'], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == (ROOT/'README.md').read_text().strip(), 'README.md is stale: run `make readme`'


def test_readme_has_the_two_commands_and_ci_runs_one():
    readme = (ROOT/'README.md').read_text()
    block = re.search(r'## The two commands.*?```sh\n(.*?)```', readme, re.S).group(1)
    commands = [l.split('#')[0].strip() for l in block.splitlines() if l.split('#')[0].strip()]
    assert commands == ['make reproduce', 'make test']
    ci = [l.strip() for l in (ROOT/'.ci'/'run').read_text().splitlines() if l.strip() and not l.startswith('#')]
    assert 'make test' in ci


def test_library_matches_notebooks(tmp_path):
    "nbdev_export on a copy of the notebooks reproduces sll_nb/ exactly (never edit sll_nb/ by hand)."
    copy = tmp_path/'repo'
    shutil.copytree(ROOT/'nbs', copy/'nbs'); shutil.copy(ROOT/'settings.ini', copy)
    subprocess.run([str(BIN/'nbdev_export')], cwd=copy, check=True, capture_output=True)
    for py in sorted((ROOT/'sll_nb').glob('*.py')):
        assert (copy/'sll_nb'/py.name).read_text() == py.read_text(), f'{py.name} differs from its notebook: run nbdev_export'


@pytest.mark.parametrize('nb', EXPERIMENTS, ids=lambda p: p.stem)
def test_experiment_notebook_is_well_formed(nb):
    "Each experiment has a title naming its paper table/figure, a runtime note, a papermill parameters cell and a kernel."
    cells = json.loads(nb.read_text())['cells']
    meta = json.loads(nb.read_text())['metadata']
    assert meta.get('kernelspec', {}).get('name'), 'papermill needs a kernelspec'
    params = [c for c in cells if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(params) == 1 and re.search(r"profile\s*=\s*['\"]quick['\"]", ''.join(params[0]['source']))
    intro = ''.join(''.join(c['source']) for c in cells[:3] if c['cell_type'] == 'markdown')
    assert re.search(r'(Table|Figure|Theory|Throughput|memory)', intro), 'say which paper result it reproduces'
    assert 'CPU' in ''.join(''.join(c['source']) for c in cells if c['cell_type'] == 'markdown'), 'state the CPU runtime'


@pytest.mark.parametrize('nb', EXPERIMENTS, ids=lambda p: p.stem)
def test_papermill_sees_every_parameter(nb):
    "Every assignment in the parameters cell is one papermill can override (a comment it cannot parse hides the name)."
    from papermill import inspect_notebook
    cell = next(c for c in json.loads(nb.read_text())['cells'] if 'parameters' in c.get('metadata', {}).get('tags', []))
    assigned = re.findall(r'^(\w+)\s*=', ''.join(cell['source']), re.M)
    assert list(inspect_notebook(str(nb))) == assigned
