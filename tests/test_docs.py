"""The documentation site, built as `make docs` builds it, with one experiment run (`theory`, quick profile) as its executed
notebook: every link between its pages resolves, and headless Chromium renders the front page, an experiment page and a
search, with every figure loaded. Screenshots are kept in tests/artifacts/."""
import shutil
from html.parser import HTMLParser
from urllib.parse import unquote, urlparse
import papermill as pm
import pytest
from conftest import ROOT
from sll_nb.docs import PAPERS, build_docs

ARTIFACTS = ROOT/'tests'/'artifacts'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site of this checkout, its one executed experiment the `theory` notebook run here; returns the site's folder."
    tmp = tmp_path_factory.mktemp('docs')
    (tmp/'settings.ini').touch()  # the run's figures and tables go to this throw-away project, not the checkout's
    (tmp/'executed'/'quick').mkdir(parents=True)
    pm.execute_notebook(str(ROOT/'nbs'/'experiments'/'theory.ipynb'), str(tmp/'executed'/'quick'/'theory.ipynb'),
                        parameters=dict(profile='quick'), cwd=str(tmp), progress_bar=False)
    return build_docs(tmp/'site', root=ROOT, executed=tmp/'executed', work=tmp/'work').parent


class Links(HTMLParser):
    "Every address a page points at: links, images, scripts and style sheets."
    def __init__(self): super().__init__(); self.targets = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ('a', 'link') and a.get('href'): self.targets.append(a['href'])
        if tag in ('img', 'script') and a.get('src'): self.targets.append(a['src'])


def test_every_page_is_there_and_no_internal_link_is_broken(site):
    pages = sorted(site.rglob('*.html'))
    names = {p.relative_to(site).as_posix() for p in pages}
    assert {'index.html', 'search.html', 'claims.html', 'tables.html', 'nbs/00_core.html', 'nbs/11_docs.html', 'nbs/12_your_model.html', 'nbs/experiments/theory.html'} <= names
    broken = []
    for page in pages:
        links = Links(); links.feed(page.read_text())
        for target in links.targets:
            u = urlparse(target)
            if u.scheme or u.netloc or not u.path: continue  # another site, or a place on the same page
            if not (page.parent/unquote(u.path)).exists(): broken.append(f'{page.relative_to(site)} -> {target}')
    assert not broken, broken[:20]
    front = (site/'index.html').read_text()
    assert all(url in front for _, url in PAPERS.values()), 'the front page cites the three papers'
    assert 'check_count' in (site/'nbs'/'00_core.html').read_text()  # a library page carries its API entries


def test_chromium_renders_the_pages_with_their_figures(site):
    if CHROMIUM is None: pytest.skip('Chromium is not installed (apt-get install chromium; .ci/run installs it)')
    sync_api = pytest.importorskip('playwright.sync_api', reason='playwright is a development extra: pip install -e ".[dev]"')
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        for rel, title, figures in (('index.html', 'sll-nb', 1), ('nbs/experiments/theory.html', 'Theory', 6)):
            page.goto((site/rel).as_uri(), wait_until='load')
            assert title in page.title(), page.title()
            images = page.eval_on_selector_all('article img', 'els => els.map(e => [e.getAttribute("src").slice(0, 60), e.complete && e.naturalWidth > 0])')
            assert len(images) >= figures and all(ok for _, ok in images), images
            page.screenshot(path=str(ARTIFACTS/f"docs-{rel.replace('/', '-').removesuffix('.html')}.png"))
        page.goto((site/'search.html').as_uri() + '?q=Bhattacharyya', wait_until='load')
        page.wait_for_selector('#search-results li', timeout=30_000)  # the offline search index answers
        assert page.locator('#search-results li').count() > 0
        page.screenshot(path=str(ARTIFACTS/'docs-search.png'))
        browser.close()
