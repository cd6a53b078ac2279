"""The tree's layout rules: scripts are thin command lines that no module imports."""
import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = {path.stem for path in ROOT.glob('*.py')} - {'setup'}
FOLDERS = ('algorithms', 'data', 'models', 'service', 'demo', 'benchmarks', 'studies')


def imported_modules(path: Path) -> set:
    """Top-level names of the modules that `path` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split('.')[0])
    return names


def test_no_module_imports_a_script():
    assert {'train', 'recognize', 'serve', 'average'} <= SCRIPTS
    modules = [path for folder in FOLDERS for path in (ROOT / folder).rglob('*.py')]
    modules += [ROOT / f'{name}.py' for name in SCRIPTS]
    assert len(modules) > 50
    found = {os.path.relpath(path, ROOT): sorted(imported_modules(path) & SCRIPTS)
             for path in modules}
    assert {path: scripts for path, scripts in found.items() if scripts} == {}


def test_studies_are_out_of_benchmarks():
    """benchmarks/ holds timing scripts (bench_*); studies/ the accuracy studies."""
    assert sorted(path.name for path in (ROOT / 'benchmarks').glob('*.py')
                  if not path.name.startswith('bench_')) == []
    assert (ROOT / 'studies' / 'zero_shot_iam.py').is_file()
