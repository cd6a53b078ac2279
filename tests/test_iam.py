"""IamSource on tiny IAM-OnDB trees written by tests/iam_fixtures.py."""
import json
import warnings

import pytest

from data.iam import IamSource, UnreadableFile, read_line_strokes, read_original_lines
from iam_fixtures import (BROKEN, EXPECTED_STROKES, EXPECTED_TEXTS, FLAT, HEADER, NESTED,
                          line_xml, original_xml, write_line, write_lists,
                          write_original, write_tree)

T1 = {'trainset.txt': ['a01-000u'], 'testset_v.txt': ['a01-020x'],
      'testset_t.txt': ['d04-081'], 'testset_f.txt': ['z01-000z']}


def read_all(source, examples=None):
    """The examples (of `examples`, else all the source's), and the one warning about
    skipped files (None if there was none)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        examples = list(source.get_examples() if examples is None else examples)
    assert len(caught) <= 1, [str(w.message) for w in caught]
    return examples, (str(caught[0].message) if caught else None)


@pytest.mark.parametrize('layout', [NESTED, FLAT], ids=['nested', 'flat'])
def test_pairs_csr_lines_with_stroke_files_in_either_layout(tmp_path, layout):
    source = IamSource(None, root=write_tree(tmp_path, layout))
    examples, _ = read_all(source)
    assert [e.id for e in examples] == sorted(EXPECTED_TEXTS)
    assert {e.id: e.text for e in examples} == EXPECTED_TEXTS
    assert {e.id: e.strokes for e in examples} == EXPECTED_STROKES
    assert all(e.split is None for e in examples)
    assert source.text == 'ascii'


def test_strokes_are_ints_and_seconds_from_the_first_point_even_when_absolute(tmp_path):
    strokes = read_line_strokes(write_line(tmp_path, 'a01-000u-02', line_xml(
        [[(500, 900, '15040219.3'), (505, 910, '15040219.31')]])))
    assert strokes == [[(500, 900, 0.0), (505, 910, 0.01)]]
    assert all(isinstance(v, int) for point in strokes[0] for v in point[:2])


def test_counts_lines_without_stroke_files_and_stroke_files_without_text(tmp_path):
    source = IamSource(None, root=write_tree(tmp_path))
    len(source)
    assert source.lines_without_strokes == 1  # a01-000u-03: a CSR line, no stroke file
    assert source.lines_without_text == 1  # z01-000z-01: a stroke file, no ascii file


def test_unreadable_files_are_skipped_and_named_in_one_warning(tmp_path):
    write_tree(tmp_path)  # a01-020x-02 is cut short
    write_line(tmp_path, 'a01-000u-03', line_xml([]).replace(
        '<StrokeSet>', '<StrokeSet><Stroke><Point x="1" y="2"/></Stroke>'))
    write_line(tmp_path, 'd04-081-02', line_xml([[('one', 2, '0.1'), (3, 4, '0.2')]]))
    (tmp_path / 'ascii-all/ascii/d04/d04-081/d04-081.txt').write_text(
        'OCR:\n\na\nb\n\nCSR:\n\nForm without letter\nsecond\n')
    source = IamSource(None, root=tmp_path)
    examples, warning = read_all(source)
    assert sorted(e.id for e in examples) == sorted(EXPECTED_TEXTS)
    folder = 'lineStrokes-all/lineStrokes'
    reasons = dict(source.skipped)
    assert sorted(reasons) == [f'{folder}/a01/a01-000/a01-000u-03.xml',
                               f'{folder}/a01/a01-020/a01-020x-02.xml',
                               f'{folder}/d04/d04-081/d04-081-02.xml']
    assert 'lacks x, y or time' in reasons[f'{folder}/a01/a01-000/a01-000u-03.xml']
    assert 'no element found' in reasons[f'{folder}/a01/a01-020/a01-020x-02.xml']
    assert 'not numeric' in reasons[f'{folder}/d04/d04-081/d04-081-02.xml']
    assert warning.startswith('IAM-OnDB: skipped 3 unreadable files')
    assert all(name in warning for name in reasons)


def test_a_broken_ascii_file_is_skipped_and_named(tmp_path):
    write_tree(tmp_path)
    (tmp_path / 'ascii-all/ascii/d04/d04-081/d04-081.txt').write_text('OCR:\n\nno CSR here\n')
    source = IamSource(None, root=tmp_path)
    examples, warning = read_all(source)
    assert 'd04-081-01' not in [e.id for e in examples]
    assert ('ascii-all/ascii/d04/d04-081/d04-081.txt', 'no CSR: section') in source.skipped
    assert 'skipped 2 unreadable files' in warning


def test_no_warning_when_every_file_reads(tmp_path):
    write_tree(tmp_path)
    for line_id in BROKEN:
        (tmp_path / f'lineStrokes-all/lineStrokes/a01/a01-020/{line_id}.xml').unlink()
    source = IamSource(None, root=tmp_path)
    examples, warning = read_all(source)
    assert warning is None and source.skipped == []
    assert len(examples) == len(source) == 4


def test_splits_from_t1_form_lists_with_leading_spaces(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', {'trainset.txt': ['a01-000u'],
                                          'testset_v.txt': ['d04-081'], 'testset_t.txt': [],
                                          'testset_f.txt': ['z01-000z', 'a01-020x']})
    assert lists.joinpath('testset_f.txt').read_text() == '  z01-000z\n  a01-020x\n'
    examples, _ = read_all(IamSource(None, root=tmp_path, split_lists=lists))
    assert {e.id: e.split for e in examples} == {
        'a01-000u-01': 'train', 'a01-000u-02': 'train', 'a01-020x-01': 'test',
        'd04-081-01': 'validation'}


def test_one_split_reads_only_its_stroke_files(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', T1)
    (tmp_path / 'lineStrokes-all/lineStrokes/a01/a01-000/a01-000u-01.xml').write_text('<x')
    source = IamSource(None, root=tmp_path, split_lists=lists)
    examples, _ = read_all(source, source.get_examples(split='validation'))
    assert {e.id: e.split for e in examples} == {'a01-020x-01': 'validation',
                                                 'd04-081-01': 'validation'}
    # the broken training file is never read; the fixture's broken validation file is
    assert [name for name, _ in source.skipped] == [
        'lineStrokes-all/lineStrokes/a01/a01-020/a01-020x-02.xml']


@pytest.mark.parametrize('testset_t', ['validation', 'test', 'train'])
def test_testset_t_goes_where_asked(tmp_path, testset_t):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', T1)
    examples, _ = read_all(IamSource(None, root=tmp_path, split_lists=lists,
                                     testset_t=testset_t))
    splits = {e.id: e.split for e in examples}
    assert splits['d04-081-01'] == testset_t
    assert splits['a01-020x-01'] == 'validation' and splits['a01-000u-01'] == 'train'


def test_lines_in_no_list_have_no_split(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', {**T1, 'testset_t.txt': []})
    examples, _ = read_all(IamSource(None, root=tmp_path, split_lists=lists))
    assert {e.id: e.split for e in examples}['d04-081-01'] is None


def test_a_form_in_two_lists_is_an_error(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', {**T1, 'testset_f.txt': ['a01-000u']})
    with pytest.raises(ValueError, match='a01-000u is in two IAM-OnDB-t1 lists'):
        IamSource(None, root=tmp_path, split_lists=lists)


def test_works_with_the_lists_a_user_has_and_says_which(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', {'trainset.txt': ['a01-000u'],
                                          'testset_v.txt': ['a01-020x']})
    source = IamSource(None, root=tmp_path, split_lists=lists)
    examples, _ = read_all(source)
    assert {e.id: e.split for e in examples} == {
        'a01-000u-01': 'train', 'a01-000u-02': 'train', 'a01-020x-01': 'validation',
        'd04-081-01': None}
    assert source.lists_found == ['trainset.txt', 'testset_v.txt']
    assert source.report()['split_lists_found'] == ['trainset.txt', 'testset_v.txt']


def test_a_lists_folder_without_any_list_is_named(tmp_path):
    write_tree(tmp_path)
    (tmp_path / 't1').mkdir()
    with pytest.raises(FileNotFoundError, match=r't1 holds none of the IAM-OnDB-t1 lists'):
        IamSource(None, root=tmp_path, split_lists=tmp_path / 't1')
    with pytest.raises(FileNotFoundError, match=r'split_lists folder .*nowhere not found'):
        IamSource(None, root=tmp_path, split_lists=tmp_path / 'nowhere')


def test_num_examples_caps_lines_read_past_a_broken_file(tmp_path):
    write_tree(tmp_path)
    source = IamSource(3, root=tmp_path)
    examples, warning = read_all(source)
    # a01-020x-02 (broken) comes third in id order: skipped, and d04-081-01 read instead
    assert [e.id for e in examples] == ['a01-000u-01', 'a01-000u-02', 'a01-020x-01']
    assert len(source) == 3
    examples, _ = read_all(IamSource(4, root=tmp_path))
    assert examples[-1].id == 'd04-081-01'
    assert len(IamSource(0, root=tmp_path)) == len(IamSource(None, root=tmp_path)) == 5


def test_len_lists_files_without_reading_stroke_files(tmp_path):
    write_tree(tmp_path)
    source = IamSource(None, root=tmp_path)
    assert len(source) == 5  # four good lines and the broken one, unread
    assert source.skipped == []


def test_get_sequences_gives_strokes_and_text(tmp_path):
    pairs = list(IamSource(2, root=write_tree(tmp_path)).get_sequences())
    assert pairs == [(EXPECTED_STROKES[i], EXPECTED_TEXTS[i])
                     for i in ['a01-000u-01', 'a01-000u-02']]


def test_options_rebuild_the_same_source(tmp_path):
    write_tree(tmp_path)
    lists = write_lists(tmp_path / 't1', T1)
    source = IamSource(2, root=str(tmp_path), split_lists=str(lists), testset_t='test')
    options = json.loads(json.dumps(source.options()))
    assert options == {'root': str(tmp_path), 'text': 'ascii', 'split_lists': str(lists),
                       'testset_t': 'test'}
    again, _ = read_all(IamSource(2, **options))
    assert again == read_all(source)[0]


def test_default_root_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    write_tree(tmp_path / 'datasets' / 'iam_online_db')
    monkeypatch.chdir(tmp_path)
    assert len(IamSource(None)) == 5


def test_missing_root_says_where_and_what(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        IamSource(None, root=tmp_path / 'nowhere')
    message = str(error.value)
    assert str(tmp_path / 'nowhere') in message
    assert 'lineStrokes-all/lineStrokes or lineStrokes' in message
    assert 'registration' in message and 'https://' in message


def test_missing_transcriptions_say_what_was_expected(tmp_path):
    write_tree(tmp_path, ascii=False)
    with pytest.raises(FileNotFoundError, match='ascii-all/ascii or ascii'):
        IamSource(None, root=tmp_path, text='ascii')
    with pytest.raises(FileNotFoundError, match='original-xml-all/original'):
        IamSource(None, root=tmp_path)


def test_bad_option_values_are_named(tmp_path):
    write_tree(tmp_path)
    with pytest.raises(ValueError, match="text must be one of"):
        IamSource(None, root=tmp_path, text='csr')
    with pytest.raises(ValueError, match="testset_t must be one of"):
        IamSource(None, root=tmp_path, testset_t='final')
    with pytest.raises(ValueError, match='num_examples'):
        IamSource(-1, root=tmp_path)


# original-xml: per-form XML with <Transcription><TextLine id text><Word id/>...

def write_originals(root, layout=NESTED):
    write_original(root, 'a01-000u', original_xml('a01-000u', [
        ('a01-000u-01', 'a01-000u-01', 'A MOVE to stop Mr. Gaitskell'),
        ('a01-000u-07', 'a01-000u-02', 'caf\xe9 &quot;au&quot; &amp;quot;lait&amp;quot;'),
    ]), layout)
    write_original(root, 'd04-081', original_xml('d04-081', [
        ('d04-081-01', 'd04-081-01', 'Form without letter')]), layout)
    write_original(root, 'a01-020x', HEADER + '<WhiteboardCaptureSession><General/>'
                   '<StrokeSet/></WhiteboardCaptureSession>', layout)  # no Transcription


@pytest.mark.parametrize('strokes, message', [
    ([[(1, 2, '0.1'), ('9' * 400, 4, '0.2')]], r'a Point is beyond ±1e\+100: .*characters\)'),
    ([[(1, 2, '0.1'), ('9' * 5000, 4, '0.2')]], r'a Point is not numeric: .*characters\)'),
    ([[(1, 2, '0.1'), (3, 4, '1e300')]], r'a Point is beyond ±1e\+100'),
    ([[(1, 2, '0.1'), (3, 4, 'inf')]], 'a Point time is not finite'),
])
def test_points_out_of_range_are_unreadable(tmp_path, strokes, message):
    path = tmp_path / 'line.xml'
    path.write_text(line_xml(strokes))
    with pytest.raises(UnreadableFile, match=message):
        read_line_strokes(path)


def test_deeply_nested_strokes_are_unreadable_not_read_quadratically(tmp_path):
    path = tmp_path / 'line.xml'
    point = '<Point x="1" y="2" time="0.1"/>'
    path.write_text(line_xml([]).replace(
        '<StrokeSet>', '<StrokeSet>' + '<Stroke>' * 30_000 + point + '</Stroke>' * 30_000))
    with pytest.raises(UnreadableFile, match=r'nest deeper than 100 levels \(<Stroke>'):
        read_line_strokes(path)


@pytest.mark.parametrize('layout', [NESTED, FLAT], ids=['nested', 'flat'])
def test_original_xml_texts(tmp_path, layout):
    write_tree(tmp_path, layout, ascii=False)
    write_originals(tmp_path, layout)
    source = IamSource(None, root=tmp_path)
    examples, _ = read_all(source)
    assert source.text == 'original-xml' and source.options()['text'] == 'original-xml'
    assert {e.id: e.text for e in examples} == {
        'a01-000u-01': 'A MOVE to stop Mr. Gaitskell',
        'a01-000u-02': 'caf\xe9 "au" "lait"',  # the Word ids correct the TextLine id
        'd04-081-01': 'Form without letter'}
    assert {e.id: e.strokes for e in examples} == {
        i: EXPECTED_STROKES[i] for i in ['a01-000u-01', 'a01-000u-02', 'd04-081-01']}


def test_auto_prefers_ascii_and_original_xml_can_be_asked_for(tmp_path):
    write_tree(tmp_path)
    write_originals(tmp_path)
    assert IamSource(None, root=tmp_path).text == 'ascii'
    examples, _ = read_all(IamSource(None, root=tmp_path, text='original-xml'))
    assert examples[0].text == 'A MOVE to stop Mr. Gaitskell'


def test_a_broken_original_xml_file_is_skipped(tmp_path):
    write_tree(tmp_path, ascii=False)
    path = write_original(tmp_path, 'a01-000u', HEADER + '<WhiteboardCaptureSession><Tra')
    with pytest.raises(ValueError):
        read_original_lines(path)
    source = IamSource(None, root=tmp_path)
    examples, warning = read_all(source)
    assert examples == []
    assert 'original-xml-all/original/a01/a01-000/strokesu.xml' in warning


def test_compile_records_what_the_source_passed_over(tmp_path):
    from data.compiling import compile_dataset
    from data.dataset_format import open_dataset
    from data.preprocessing import Pipeline
    write_tree(tmp_path / 'iam')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        meta = compile_dataset(IamSource(None, root=tmp_path / 'iam'), Pipeline.named('default'),
                               tmp_path / 'compiled', progress=False, fractions=(0, 0))
    report = meta['source']['report']
    assert report['unreadable_files'] == 1
    assert report['first_unreadable'][0].startswith('lineStrokes-all/lineStrokes/a01/a01-020/')
    train = open_dataset(tmp_path / 'compiled').split('train')
    assert dict(zip(train.ids, train.texts)) == EXPECTED_TEXTS
