"""Is the mlp_fashion claim's shift between its first run and the current code real? The test fixed in commit b61110c.

Welch's t-test of the first run's three per-seed SLL - BP gaps (2026-11-23, sll_nb 0.1.0; its records were not kept, so
its gaps are the ones its notebook text gave at commit 23ca807) against the current code's six: the claim's (seeds 0-2)
and the variant mlp_fashion_seeds345's (seeds 3-5), each measured from its committed table as the claims table measures it.
Run from the project root: python scripts/mlp_fashion_shift.py
"""
import pandas as pd
from scipy.stats import ttest_ind
from sll_nb.claims import load_manifest, measure

FIRST_RUN_GAPS = [-0.31, -0.42, -0.45]  # seeds 0, 1, 2 of the first run

manifest = load_manifest()
entries = [manifest['claims']['mlp_fashion'], manifest['variants']['mlp_fashion_seeds345']]
gaps = pd.concat([measure(pd.read_csv(f"results/paper/{e['table']}.csv"), **e['measure'])[0] for e in entries])
test = ttest_ind(FIRST_RUN_GAPS, gaps, equal_var=False)
print('current code, per seed:', ', '.join(f'{s}: {g:+.2f}' for s, g in gaps.items()))
print(f'current code {gaps.mean():+.3f} ± {gaps.std():.2f} (n={len(gaps)}), first run {pd.Series(FIRST_RUN_GAPS).mean():+.3f} ± '
      f'{pd.Series(FIRST_RUN_GAPS).std():.2f} (n=3); Welch t = {test.statistic:.2f}, df = {test.df:.1f}, p = {test.pvalue:.3f}: '
      + ('systematic (p < 0.05)' if test.pvalue < 0.05 else 'consistent with the spread of seeds'))
