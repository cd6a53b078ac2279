"""IAM-OnDB, the reference data set: its line stroke files paired with their transcriptions.

IAM-OnDB is free for research after registration, so users download it themselves from
https://fki.tic.heia-fr.ch/databases/iam-on-line-handwriting-database and unpack it under
`datasets/iam_online_db/` (or anywhere, passing `root=`):

    lineStrokes-all/lineStrokes/a01/a01-000/a01-000u-01.xml   one file per text line
    ascii-all/ascii/a01/a01-000/a01-000u.txt                  one file per form (text='ascii')
    original-xml-all/original/a01/a01-000/strokesu.xml        one file per form ('original-xml')

Each folder may also be unpacked without its `-all` wrapper (`lineStrokes/a01/...`). Files
are found by walking these folders, so the sub-folder names do not matter, only the file
names: a line's id is its stroke file's name (`a01-000u-01`).

Texts come from one of two places:
- 'ascii': a form's ascii file has an `OCR:` section and then a `CSR:` section; the n-th
  non-empty CSR line is the text of line `<form>-NN` (NN = 01, 02, ...). Latin-1.
- 'original-xml': a form's XML holds `<Transcription>` with one `<TextLine id text>` per
  line, each with `<Word id>` children (`a01-000u-01-00`). Where the TextLine id and its
  words disagree, the words win, as other readers of the data found wrong TextLine ids;
  forms recorded elsewhere have no Transcription and give no text.
- 'auto' (default) takes ascii when it is there, else original-xml.

Benchmark split (IAM-OnDB-t1): pass `split_lists=` a folder holding the four form lists
(one form id per line, leading spaces allowed). The data set's authors call them the
training set (trainset.txt), first validation set (testset_v.txt), second validation set
(testset_t.txt) and final test set (testset_f.txt); results such as Graves et al. 2009 are
reported on the final test set. So trainset -> 'train', testset_v -> 'validation',
testset_f -> 'test', and testset_t -> 'validation' unless `testset_t=` says otherwise.
A list entry names the lines whose ids start with it (the longest matching entry wins);
lines in no list get split None, which compile.py assigns by its own seeded split.
Any of the four lists may be missing (the final test set is often kept apart): the lists
found are recorded in `lists_found` and in the compiled data set's report, and a split
whose list is missing gets only the lines that no list names.
"""
import math
import os
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import unescape

from data.base import MAX_MAGNITUDE, SPLITS, BaseSource, Example, shorten
from data.dataset_format import DATASETS_DIR
from data.xml_depth import MAX_DEPTH, too_deep

DEFAULT_ROOT = os.path.join(DATASETS_DIR, 'iam_online_db')
DEFAULT_SPLIT_LISTS = os.path.join(DEFAULT_ROOT, 't1')  # where the README unpacks the t1 lists
DOWNLOAD_URL = 'https://fki.tic.heia-fr.ch/databases/iam-on-line-handwriting-database'
FOLDERS = {  # where each part may be, relative to the root, in order of preference
    'lineStrokes': ('lineStrokes-all/lineStrokes', 'lineStrokes'),
    'ascii': ('ascii-all/ascii', 'ascii'),
    'original-xml': ('original-xml-all/original', 'original-xml-part/original', 'original'),
}
TEXT_SOURCES = ('ascii', 'original-xml', 'auto')
T1_LISTS = ('trainset.txt', 'testset_v.txt', 'testset_t.txt', 'testset_f.txt')
ENTITIES = {'&quot;': '"', '&apos;': "'"}  # besides &amp; &lt; &gt;, for texts escaped twice
MAX_NAMED = 5  # unreadable files named in the warning; all are in IamSource.skipped


class UnreadableFile(ValueError):
    """A data file that cannot be used; the message says why, for the skipped-files report."""


def find_folder(root: Path, part: str):
    """The first of the part's known locations that exists under root, or None."""
    for relative in FOLDERS[part]:
        if (root / relative).is_dir():
            return root / relative
    return None


def read_point(point) -> tuple:
    """(x, y, t) of a <Point>: integer coordinates (y down, as in the file), t in seconds."""
    x, y, t = (point.get(name) for name in ('x', 'y', 'time'))
    if x is None or y is None or t is None:
        raise UnreadableFile(f'a Point lacks x, y or time: {point.attrib}')
    try:
        x, y, t = int(x), int(y), float(t)
    except ValueError:  # not a number, or an int of over 4,300 digits
        raise UnreadableFile(f'a Point is not numeric: {shorten(repr(point.attrib))}') from None
    if not math.isfinite(t):
        raise UnreadableFile(f'a Point time is not finite: {shorten(repr(point.attrib))}')
    if not max(abs(x), abs(y), abs(t)) <= MAX_MAGNITUDE:
        raise UnreadableFile(f'a Point is beyond ±{MAX_MAGNITUDE:g}: {shorten(repr(point.attrib))}')
    return x, y, t


def read_line_strokes(path: Path, t0=None) -> list:
    """The strokes of a line file, t counted from the line's first point, or from `t0`
    (seconds on the file's clock: the lines of one form share it, see data/pages.py).

    Some files give absolute times (about 1.5e7 s); rounding to the microsecond drops the
    float noise of that subtraction (the files have far fewer decimals). Empty <Stroke>s
    carry nothing and are dropped; a file with no points at all is unreadable.
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        raise UnreadableFile(str(error)) from None
    deepest = too_deep(root)  # a Stroke in a Stroke... would be read once for each above it
    if deepest:
        raise UnreadableFile(f'elements nest deeper than {MAX_DEPTH} levels '
                             f'(<{deepest[0]}> at depth {deepest[1]})')
    strokes = [[read_point(p) for p in stroke.iter('Point')] for stroke in root.iter('Stroke')]
    strokes = [stroke for stroke in strokes if stroke]
    if not strokes:
        raise UnreadableFile('no points')
    t0 = strokes[0][0][2] if t0 is None else t0
    return [[(x, y, round(t - t0, 6)) for x, y, t in stroke] for stroke in strokes]


def read_ascii_lines(path: Path) -> list:
    """[(line id, text)] from a form's ascii file: its CSR section, line n -> `<form>-NN`."""
    try:
        lines = path.read_text(encoding='latin-1').splitlines()
    except OSError as error:
        raise UnreadableFile(str(error)) from None
    starts = [i for i, line in enumerate(lines) if line.strip() == 'CSR:']
    if not starts:
        raise UnreadableFile('no CSR: section')
    texts = [line.strip() for line in lines[starts[0] + 1:] if line.strip()]
    return [(f'{path.stem}-{n:02d}', text) for n, text in enumerate(texts, start=1)]


def text_line_id(text_line) -> str:
    """A <TextLine>'s line id: the one most of its <Word id="form-NN-WW"> share, else its id."""
    from_words = Counter(word.get('id').rsplit('-', 1)[0]
                         for word in text_line.iter('Word') if word.get('id'))
    return from_words.most_common(1)[0][0] if from_words else text_line.get('id')


def read_original_lines(path: Path) -> list:
    """[(line id, text)] from a form's original XML; [] for a form without a Transcription.

    Parsing stops at the end of <Transcription>, so the form's strokes after it are not
    read. Entities left escaped (`&amp;quot;`) are unescaped once more.
    """
    try:
        for _, element in ET.iterparse(path):
            if element.tag == 'Transcription':
                deepest = too_deep(element)
                if deepest:
                    raise UnreadableFile(f'<Transcription> nests deeper than {MAX_DEPTH} '
                                         f'levels (<{deepest[0]}> at depth {deepest[1]})')
                return [(text_line_id(line), unescape(line.get('text', ''), ENTITIES).strip())
                        for line in element.iter('TextLine')]
    except (ET.ParseError, OSError) as error:
        raise UnreadableFile(str(error)) from None
    return []


def read_transcriptions(folder: Path, pattern: str, read) -> tuple:
    """({line id: text}, [(path, reason)] of unreadable files) over a folder's form files."""
    texts, skipped = {}, []
    for path in sorted(folder.rglob(pattern)):
        try:
            texts.update((line_id, text) for line_id, text in read(path) if line_id and text)
        except UnreadableFile as error:
            skipped.append((path, str(error)))
    return texts, skipped


def read_form_lists(folder: Path, testset_t: str) -> tuple:
    """-> ({form id: split}, names of the lists found) from whichever of the four
    IAM-OnDB-t1 lists the folder holds (a user may have only some of them: the final test
    set, say, kept apart); a form in two lists is an error, a folder with none of them too.
    """
    splits = dict(zip(T1_LISTS, ('train', 'validation', testset_t, 'test')))
    if not folder.is_dir():
        raise FileNotFoundError(f'split_lists folder {folder} not found')
    found = [name for name in T1_LISTS if (folder / name).is_file()]
    if not found:
        raise FileNotFoundError(f'split_lists folder {folder} holds none of the IAM-OnDB-t1 '
                                f'lists {", ".join(T1_LISTS)}')
    forms = {}
    for name in found:
        for form in (folder / name).read_text(encoding='latin-1').split():
            if form in forms and forms[form][1] != name:
                raise ValueError(f'form {form} is in two IAM-OnDB-t1 lists: '
                                 f'{forms[form][1]} and {name}')
            forms[form] = (splits[name], name)
    return {form: split for form, (split, _) in forms.items()}, found


def split_of(line_id: str, form_splits: dict):
    """The split of the longest listed form id that starts the line id, else None."""
    for end in range(len(line_id), 0, -1):
        if line_id[:end] in form_splits:
            return form_splits[line_id[:end]]
    return None


class IamSource(BaseSource):
    """IAM-OnDB text lines as `Example(id, strokes, text, split)`, sorted by line id.

    `num_examples` caps the number of lines yielded (None or 0: all). Unreadable files are
    skipped, listed in `skipped` as (path under the root, reason) and summarized in one
    warning when an iteration ends. `lines_without_strokes` counts transcribed lines that
    have no stroke file (the data set has some); `lines_without_text` counts stroke files
    that have no text. Both are known once `len()` or an iteration has listed the files.
    """

    def __init__(self, num_examples=None, root=DEFAULT_ROOT, text='auto', split_lists=None,
                 testset_t='validation'):
        if num_examples is not None and num_examples < 0:
            raise ValueError(f'num_examples must be None, 0 (all) or positive, '
                             f'got {num_examples}')
        if testset_t not in SPLITS:
            raise ValueError(f'testset_t must be one of {", ".join(SPLITS)}, got {testset_t!r}')
        self.num_examples = num_examples or None
        self.root = Path(root)
        self.split_lists = None if split_lists is None else Path(split_lists)
        self.testset_t = testset_t
        self._strokes_dir = find_folder(self.root, 'lineStrokes')
        if self._strokes_dir is None:
            raise FileNotFoundError(
                f'IAM-OnDB not found at {self.root}: expected '
                f'{" or ".join(FOLDERS["lineStrokes"])} there; download it from {DOWNLOAD_URL} '
                f'(free registration) and unpack it into {self.root}')
        self.text, self._text_dir = self._find_text(text)
        self._form_splits, self.lists_found = (
            ({}, []) if self.split_lists is None
            else read_form_lists(self.split_lists, testset_t))
        self._lines = None
        self._text_skipped = []
        self.skipped = []
        self.lines_without_strokes = self.lines_without_text = 0

    def _find_text(self, text: str) -> tuple:
        """(text source, its folder); 'auto' becomes the one found, ascii first."""
        if text not in TEXT_SOURCES:
            raise ValueError(f'text must be one of {", ".join(TEXT_SOURCES)}, got {text!r}')
        for part in (('ascii', 'original-xml') if text == 'auto' else (text,)):
            folder = find_folder(self.root, part)
            if folder is not None:
                return part, folder
        expected = [f for part in ('ascii', 'original-xml') if text in (part, 'auto')
                    for f in FOLDERS[part]]
        raise FileNotFoundError(f'IAM-OnDB at {self.root} has no transcriptions for '
                                f'text={text!r}: expected {" or ".join(expected)} there '
                                f'(from ascii-all.tar.gz or original-xml-all.tar.gz, '
                                f'{DOWNLOAD_URL})')

    def _index(self) -> list:
        """[(line id, stroke file, text)] for lines that have both, sorted; built once.

        Lists files and reads only the small transcription files, not the stroke files.
        """
        if self._lines is None:
            if self.text == 'ascii':
                texts, skipped = read_transcriptions(self._text_dir, '*.txt', read_ascii_lines)
            else:
                texts, skipped = read_transcriptions(self._text_dir, '*.xml', read_original_lines)
            self._text_skipped = [(self._name(path), reason) for path, reason in skipped]
            files = {path.stem: path for path in sorted(self._strokes_dir.rglob('*.xml'))}
            self._lines = [(i, files[i], texts[i]) for i in sorted(files) if i in texts]
            self.lines_without_strokes = len(texts.keys() - files.keys())
            self.lines_without_text = len(files.keys() - texts.keys())
        return self._lines

    def __len__(self) -> int:
        """Lines with a stroke file and a text, capped; unreadable ones found later are not
        yielded, so an iteration may give fewer."""
        n = len(self._index())
        return min(n, self.num_examples) if self.num_examples else n

    def get_examples(self, split=None):
        """Read the stroke files in line id order; unreadable ones are skipped and reported
        together at the end, so one bad file among thousands does not stop a compile.
        `split` ('train', 'validation', 'test' or None for all) reads only the stroke files
        of that split's lines, as the form lists assign them."""
        lines = self._index()
        self.skipped = list(self._text_skipped)
        count = 0
        for line_id, path, text in lines:
            if count == self.num_examples:
                break
            if split is not None and split_of(line_id, self._form_splits) != split:
                continue
            try:
                strokes = read_line_strokes(path)
            except UnreadableFile as error:
                self.skipped.append((self._name(path), str(error)))
                continue
            yield Example(line_id, strokes, text, split_of(line_id, self._form_splits))
            count += 1
        self._warn_skipped()

    def line_files(self, split=None) -> list:
        """[(line id, stroke file, text)] of the lines in `split` (None: all), in line id
        order, without reading the stroke files: for readers of whole forms (data/pages.py)."""
        return [line for line in self._index()
                if split is None or split_of(line[0], self._form_splits) == split]

    def _name(self, path: Path) -> str:
        """A data file's path relative to the root: short, and the same on every machine."""
        return str(path.relative_to(self.root))

    def get_sequences(self):
        for example in self.get_examples():
            yield example.strokes, example.text

    def _warn_skipped(self):
        """One warning for all unreadable files, naming the first few."""
        if not self.skipped:
            return
        named = '; '.join(f'{name} ({reason})' for name, reason in self.skipped[:MAX_NAMED])
        rest = len(self.skipped) - MAX_NAMED
        more = f'; and {rest} more' if rest > 0 else ''
        warnings.warn(f'IAM-OnDB: skipped {len(self.skipped)} unreadable files '
                      f'(all listed in IamSource.skipped): {named}{more}', stacklevel=2)

    def options(self) -> dict:
        """Constructor options; `text` is the source actually used, so 'auto' is recorded
        as what it found."""
        return {'root': str(self.root), 'text': self.text,
                'split_lists': None if self.split_lists is None else str(self.split_lists),
                'testset_t': self.testset_t}

    def report(self) -> dict:
        return {'split_lists_found': self.lists_found,
                'unreadable_files': len(self.skipped),
                'first_unreadable': [f'{name} ({reason})' for name, reason in self.skipped[:20]],
                'lines_without_strokes': self.lines_without_strokes,
                'lines_without_text': self.lines_without_text}
