"""`sll-nb verify` on a copy of the committed results: every recorded table rebuilds from its run records, and a number edited by hand is caught."""
import json, shutil
from pathlib import Path
import pytest
from sll_nb.claims import committed_tables, claims_table, load_manifest, verify
from sll_nb.data import available, data_root
from conftest import ROOT


def recorded_tables():
    "Committed paper tables whose sidecar lists their run records and whose datasets this machine has, smallest first."
    tables = {n: side for n, side in committed_tables(ROOT).items() if 'runs' in side}
    if not tables: pytest.skip('no committed table has run records yet')
    here = {n: side for n, side in tables.items() if all(available(d) for d in side['parameters'].get('datasets', []))}
    if not here: pytest.skip(f'no table with run records can be rebuilt here: their datasets are not in {Path(data_root()).resolve()}; set SLL_NB_DATA (make test sets it)')
    return sorted(here, key=lambda n: len(here[n]['runs']))


def copy_project(dest, table):
    "The parts of the project that `verify` reads for one table: settings, experiment notebooks, the table, its sidecar, its records."
    shutil.copy(ROOT/'settings.ini', dest); shutil.copytree(ROOT/'nbs'/'experiments', dest/'nbs'/'experiments')
    results = dest/'results'/'paper'
    for suffix in ('.csv', '.json'):
        (results/table).with_suffix(suffix).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy((ROOT/'results'/'paper'/table).with_suffix(suffix), (results/table).with_suffix(suffix))
    (results/'runs').mkdir()
    for key in json.loads((ROOT/'results'/'paper'/f'{table}.json').read_text())['runs']:
        shutil.copy(ROOT/'results'/'paper'/'runs'/f'{key}.json', results/'runs')
    return results/f'{table}.csv'


def test_verify_rebuilds_a_committed_table_and_catches_an_edited_number(tmp_path):
    tables = recorded_tables()
    csv = copy_project(tmp_path, tables[0])
    assert verify(tmp_path, only=[tables[0]]) == ([tables[0]], [], [])
    lines = csv.read_text().splitlines()
    header, row = lines[0].split(','), lines[1].split(',')
    col = next(i for i, v in enumerate(row) if v.replace('.', '', 1).lstrip('-').isdigit() and header[i] not in ('seed',))
    row[col] = str(float(row[col]) + 0.01)  # a committed number, edited by hand
    csv.write_text('\n'.join([lines[0], ','.join(row), *lines[2:]]) + '\n')
    same, _, problems = verify(tmp_path, only=[tables[0]])
    # a sidecar with the table's sha256 also says the table no longer matches it; the rebuild names the difference either way
    assert same == [] and all(p.startswith(f'{tables[0]}: ') for p in problems) and any('differs from its run records' in p for p in problems), problems


def test_manifest_claims_are_judged():
    manifest = load_manifest(ROOT)
    table = claims_table(root=ROOT)
    assert list(table.name) == list(manifest['claims']) and set(table.met) <= {'yes', 'no'} | {f'no ({n} seed(s))' for n in range(3)}
    assert len(claims_table('variants', root=ROOT)) == len(manifest.get('variants', {}))
