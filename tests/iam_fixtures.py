"""Writers of tiny IAM-OnDB trees in its real file formats, for tests/test_iam.py.

`write_tree` makes a small data set with the awkward cases the real one has: a CSR line
without a stroke file, a stroke file without a text, a broken stroke file, Latin-1 text,
absolute times and a form id without a writer letter.
"""
from pathlib import Path

NESTED = {'lineStrokes': 'lineStrokes-all/lineStrokes', 'ascii': 'ascii-all/ascii',
          'original': 'original-xml-all/original'}
FLAT = {'lineStrokes': 'lineStrokes', 'ascii': 'ascii', 'original': 'original'}

HEADER = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
BOARD = ('<WhiteboardDescription><SensorLocation corner="top_left"/>'
         '<DiagonallyOppositeCoords x="6512" y="1376"/>'
         '<VerticallyOppositeCoords x="966" y="1376"/>'
         '<HorizontallyOppositeCoords x="6512" y="787"/></WhiteboardDescription>')

# line id -> strokes as written in its file: (x, y, time) with time as text
LINES = {
    'a01-000u-01': [[(1073, 1058, '769.05'), (1072, 1085, '769.06')],
                    [(1100, 1050, '769.10'), (1110, 1040, '769.12'), (1120, 1042, '769.13')]],
    'a01-000u-02': [[(500, 900, '15040219.3'), (505, 910, '15040219.31')],
                    [(520, 905, '15040220.0'), (530, 915, '15040220.5')]],
    'a01-020x-01': [[(10, 20, '1.0'), (11, 22, '1.25')]],
    'd04-081-01': [[(7, 8, '3.5'), (9, 10, '3.75'), (11, 12, '4.0')]],
    'z01-000z-01': [[(1, 2, '0.0'), (3, 4, '0.1')]],  # has no transcription
}
# what IamSource should yield for each line: t counted from the line's first point
EXPECTED_STROKES = {
    'a01-000u-01': [[(1073, 1058, 0.0), (1072, 1085, 0.01)],
                    [(1100, 1050, 0.05), (1110, 1040, 0.07), (1120, 1042, 0.08)]],
    'a01-000u-02': [[(500, 900, 0.0), (505, 910, 0.01)],
                    [(520, 905, 0.7), (530, 915, 1.2)]],
    'a01-020x-01': [[(10, 20, 0.0), (11, 22, 0.25)]],
    'd04-081-01': [[(7, 8, 0.0), (9, 10, 0.25), (11, 12, 0.5)]],
}
BROKEN = {  # line id -> file content that cannot be used
    'a01-020x-02': HEADER + '<WhiteboardCaptureSession><StrokeSet><Stroke>',
}
# form id -> (OCR lines, CSR lines); the CSR lines are the texts
ASCII = {
    'a01-000u': (['A MOVE to stop Mr. Gaitskell', 'caf\xe9 au lait', 'no strokes'],
                 ['A MOVE to stop Mr . Gaitskell', 'caf\xe9 au lait', 'no strokes']),
    'a01-020x': (['He said so.', 'Broken'], ['He said so .', 'Broken']),
    'd04-081': (['Form without letter'], ['Form without letter']),
}
EXPECTED_TEXTS = {'a01-000u-01': 'A MOVE to stop Mr . Gaitskell', 'a01-000u-02': 'caf\xe9 au lait',
                  'a01-020x-01': 'He said so .', 'd04-081-01': 'Form without letter'}


def form_of(line_id: str) -> str:
    return line_id.rsplit('-', 1)[0]


def form_folder(root: Path, part: str, form_id: str, layout=NESTED) -> Path:
    """The folder IAM-OnDB keeps a form's files in: a01/a01-000 for forms a01-000u, ..."""
    writer, number = form_id.split('-')
    folder = root / layout[part] / writer / f'{writer}-{number[:3]}'
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def line_xml(strokes) -> str:
    """A line stroke file: <WhiteboardCaptureSession> with the board and a <StrokeSet>."""
    body = ''.join(
        f'<Stroke colour="black" start_time="{s[0][2]}" end_time="{s[-1][2]}">'
        + ''.join(f'<Point x="{x}" y="{y}" time="{t}"/>' for x, y, t in s) + '</Stroke>'
        for s in strokes)
    return f'{HEADER}<WhiteboardCaptureSession>{BOARD}<StrokeSet>{body}</StrokeSet>' \
           f'</WhiteboardCaptureSession>\n'


def write_line(root: Path, line_id: str, content: str, layout=NESTED) -> Path:
    path = form_folder(root, 'lineStrokes', form_of(line_id), layout) / f'{line_id}.xml'
    path.write_bytes(content.encode('latin-1'))
    return path


def write_ascii(root: Path, form_id: str, ocr, csr, layout=NESTED) -> Path:
    """A form's ascii file: OCR section, then CSR section after a blank line; Latin-1."""
    text = 'OCR:\n\n' + '\n'.join(ocr) + '\n\nCSR:\n\n' + '\n'.join(csr) + '\n'
    path = form_folder(root, 'ascii', form_id, layout) / f'{form_id}.txt'
    path.write_bytes(text.encode('latin-1'))
    return path


def original_xml(form_id: str, lines) -> str:
    """A form's original XML; `lines` holds (TextLine id, word line id, escaped text)."""
    text_lines = ''.join(
        f'<TextLine id="{line_id}" text="{text}">'
        + ''.join(f'<Word id="{word_line}-{w:02d}" text="{word}"/>'
                  for w, word in enumerate(text.split()))
        + '</TextLine>'
        for line_id, word_line, text in lines)
    return (f'{HEADER}<WhiteboardCaptureSession><General><Form id="{form_id}" writerID="1"/>'
            f'</General><Transcription><Text>...</Text>{text_lines}</Transcription>{BOARD}'
            f'<StrokeSet><Stroke colour="black"><Point x="1" y="2" time="0.5"/></Stroke>'
            f'</StrokeSet></WhiteboardCaptureSession>\n')


def write_original(root: Path, form_id: str, content: str, layout=NESTED) -> Path:
    name = f'strokes{form_id[-1]}.xml' if form_id[-1].isalpha() else 'strokes.xml'
    path = form_folder(root, 'original', form_id, layout) / name
    path.write_bytes(content.encode('latin-1'))
    return path


def write_tree(root: Path, layout=NESTED, ascii=True) -> Path:
    """The standard tiny data set (see the module docstring); returns root."""
    for line_id, strokes in LINES.items():
        write_line(root, line_id, line_xml(strokes), layout)
    for line_id, content in BROKEN.items():
        write_line(root, line_id, content, layout)
    if ascii:
        for form_id, (ocr, csr) in ASCII.items():
            write_ascii(root, form_id, ocr, csr, layout)
    return root


def write_lists(folder: Path, lists: dict) -> Path:
    """IAM-OnDB-t1 form lists, one form id per line with leading spaces, as published."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, forms in lists.items():
        (folder / name).write_text(''.join(f'  {form}\n' for form in forms))
    return folder
