"""ARPA reading and writing, the bigram builder, and build_lm.py."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from data.charset import CharTable

from algorithms.language_model import (LN10, SPECIAL_WORDS, LanguageModel, build_bigram_lm,
                                       read_arpa, text_words, write_arpa)
from data.dataset_format import SplitWriter

BUILD_LM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        'build_lm.py')

CORPUS = ['the cat sat', 'the dog sat', 'a cat ran', 'the cat ran home', 'a dog', 'the end']

KENLM_STYLE = """This header is not part of the ARPA data.
\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t<unk>\t0
-inf\t<s>\t-0.5
-0.7\t</s>\t0
-0.6\tcat\t-0.25
-0.8\tdog

\\2-grams:
-0.2\t<s> cat\t-0.1
-0.3\tcat </s>
-0.4\tcat dog

\\3-grams:
-0.1\t<s> cat dog

\\end\\
"""


def write(tmp_path, text, name='lm.arpa'):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return path


def all_words(lm):
    """Every word a history can predict: the vocabulary without <s>."""
    return [w for w in lm.unigrams if w != '<s>']


def test_reads_kenlm_style_file_and_ignores_higher_orders(tmp_path):
    with pytest.warns(UserWarning, match='ignoring the 3-gram'):
        lm = read_arpa(write(tmp_path, KENLM_STYLE))
    assert lm.unigrams['<s>'] == -99.0  # -inf is read as ARPA's log10 zero
    assert lm.backoffs['cat'] == -0.25 and 'dog' not in lm.backoffs
    assert lm.bigrams == {('<s>', 'cat'): -0.2, ('cat', '</s>'): -0.3, ('cat', 'dog'): -0.4}
    assert lm.words == ['cat', 'dog']


def test_logprob_uses_the_bigram_else_backs_off_in_natural_log(tmp_path):
    with pytest.warns(UserWarning):
        lm = read_arpa(write(tmp_path, KENLM_STYLE))
    assert lm.logprob('cat', 'dog') == pytest.approx(-0.4 * LN10)
    assert lm.logprob('cat', 'cat') == pytest.approx((-0.25 - 0.6) * LN10)  # unseen pair
    assert lm.logprob('dog', 'cat') == pytest.approx(-0.6 * LN10)  # no back-off weight: 0


def test_write_then_read_gives_the_same_model(tmp_path):
    lm = build_bigram_lm(CORPUS)
    write_arpa(lm, tmp_path / 'lm.arpa')
    again = read_arpa(tmp_path / 'lm.arpa')
    assert list(again.unigrams) == list(lm.unigrams)
    assert set(again.bigrams) == set(lm.bigrams)
    for history in ['<s>'] + lm.words:
        for word in all_words(lm):
            assert again.logprob(history, word) == pytest.approx(lm.logprob(history, word),
                                                                 abs=1e-5)


def test_built_model_is_normalized_for_every_history():
    lm = build_bigram_lm(CORPUS)
    assert sum(10 ** lm.unigrams[w] for w in all_words(lm)) == pytest.approx(1.0)
    for history in ['<s>'] + lm.words:
        total = sum(math.exp(lm.logprob(history, w)) for w in all_words(lm))
        assert total == pytest.approx(1.0), history


def test_built_model_prefers_seen_pairs_and_keeps_unseen_ones_possible():
    lm = build_bigram_lm(CORPUS)
    assert lm.logprob('the', 'cat') > lm.logprob('the', 'ran')
    assert lm.logprob('the', 'ran') > -math.inf
    assert lm.unigrams['<s>'] == -99.0
    assert set(SPECIAL_WORDS) <= set(lm.unigrams)


def test_dictionary_words_join_the_vocabulary_with_the_unseen_share():
    lm = build_bigram_lm(CORPUS, dictionary=['zebra', 'the'])
    plain = build_bigram_lm(CORPUS)
    assert set(lm.words) == set(plain.words) | {'zebra'}
    assert sum(10 ** lm.unigrams[w] for w in all_words(lm)) == pytest.approx(1.0)
    assert lm.unigrams['zebra'] == pytest.approx(lm.unigrams['<unk>'])  # both unseen
    assert lm.unigrams['zebra'] < min(lm.unigrams[w] for w in plain.words)
    for history in ['<s>', 'the']:
        total = sum(math.exp(lm.logprob(history, w)) for w in all_words(lm))
        assert total == pytest.approx(1.0), history


def test_dictionary_frequencies_share_the_unseen_mass_in_proportion():
    lm = build_bigram_lm(CORPUS, dictionary={'zebra': 3.0, 'quagga': 1.0, 'the': 5.0})
    unseen = 10 ** lm.unigrams['zebra'] - 10 ** lm.unigrams['quagga']
    assert 10 ** lm.unigrams['zebra'] == pytest.approx(3 * 10 ** lm.unigrams['quagga'])
    assert unseen > 0 and 10 ** lm.unigrams['<unk>'] == pytest.approx(
        10 ** lm.unigrams['quagga'])  # words the list lacks get its smallest frequency
    assert sum(10 ** lm.unigrams[w] for w in all_words(lm)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="'zebra' has frequency 0"):
        build_bigram_lm(CORPUS, dictionary={'zebra': 0})


def test_text_words_are_runs_of_letters_with_inner_apostrophes():
    assert text_words('"After York." In- 1990, don\'t \'quote\' Ölwechsel') == [
        'after', 'york', 'in', "don't", 'quote', 'ölwechsel']
    assert text_words('The END', lower=False) == ['The', 'END']
    lm = build_bigram_lm(['The cat, the dog.', '"The" cat 42'], tokenize=text_words)
    assert sorted(lm.words) == ['cat', 'dog', 'the']
    assert lm.logprob('<s>', 'the') > lm.logprob('<s>', 'cat')


def test_max_words_keeps_the_most_frequent_and_maps_the_rest_to_unk():
    lm = build_bigram_lm(['b b b a a c', 'c d'], max_words=2)  # b: 3, a: 2, c: 2 (a < c)
    assert sorted(lm.words) == ['a', 'b']
    assert ('b', '<unk>') not in lm.bigrams and ('a', '<unk>') in lm.bigrams
    assert sorted(build_bigram_lm(['b b b a a c', 'c d'], max_words=None).words) == list('abcd')


@pytest.mark.parametrize('lines, max_words, message', [
    ([], 10, 'no words'),
    (['   ', ''], 10, 'no words'),
    (['a b'], 0, 'max_words must be >= 1'),
])
def test_builder_rejects_bad_input(lines, max_words, message):
    with pytest.raises(ValueError, match=message):
        build_bigram_lm(lines, max_words)


@pytest.mark.parametrize('text, message', [
    ('just some text\n', 'not an ARPA file'),
    ('\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\ta\n', 'truncated'),
    ('\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\ta\n\\end\\\n', 'declares 2 1-grams, lists 1'),
    ('\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\n\\end\\\n', r'lm.arpa:5: a 1-gram line'),
    ('\\data\\\nngram 1=1\n\n\\1-grams:\nx\ta\n\\end\\\n', "'x' is not a number"),
    ('\\data\\\nngram 1=1\n\n\\1-grams:\nnan\ta\n\\end\\\n', 'not a log10 probability'),
    ('\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n-2\ta\n\\end\\\n', 'listed twice'),
    ('\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\n\n\\2-grams:\n-1\ta b\n\\end\\\n',
     "uses 'b', which has no unigram"),
    ('\\data\\\nngram one\n\\end\\\n', 'expected "ngram N=count"'),
    ('\\data\\\nngram 1=0\n\\end\\\n', 'has no unigrams'),
])
def test_reader_names_the_problem(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_arpa(write(tmp_path, text))


@pytest.mark.parametrize('data, message', [
    (bytes(range(256)) * 8, r'lm.arpa: not an ARPA file: not UTF-8 text'),
    (b'\\data\\\nngram 1=' + b'9' * 5000 + b'\n\\end\\\n', r'lm.arpa:2: expected "ngram N=count"'),
    ('\\data\\\nngram x=1\n\\end\\\n'.encode(), r'lm.arpa:2: expected "ngram N=count"'),
    ('\\data\\\nngram 1=\u00b2\n\\end\\\n'.encode(), r'lm.arpa:2: expected "ngram N=count"'),
])
def test_reader_names_the_file_for_binary_or_odd_bytes(tmp_path, data, message):
    (tmp_path / 'lm.arpa').write_bytes(data)
    with pytest.raises(ValueError, match=message):
        read_arpa(tmp_path / 'lm.arpa')


def test_language_model_rejects_a_bigram_without_unigrams():
    with pytest.raises(ValueError, match="has no unigram"):
        LanguageModel({'a': -1.0}, {}, {('a', 'b'): -1.0})


def run_build_lm(*args, cwd):
    return subprocess.run([sys.executable, BUILD_LM, *args], cwd=cwd, capture_output=True,
                          text=True)


def write_train_split(folder, texts):
    """A compiled train split with these transcriptions (features do not matter here)."""
    os.makedirs(folder)
    writer = SplitWriter(os.path.join(folder, 'train.h5'))
    for i, text in enumerate(texts):
        writer.add(str(i), np.zeros((3, 4), np.float32), text, np.zeros((3, 4)))
    writer.finish_frames()
    writer.write_labels(CharTable.from_texts(texts))
    writer.close()


def test_build_lm_script_reads_the_train_split_by_default(tmp_path):
    write_train_split(tmp_path / 'datasets' / 'synthetic', CORPUS + ['The cat, 2 dogs.'])
    result = run_build_lm(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lm = read_arpa(tmp_path / 'datasets' / 'synthetic' / 'lm.arpa')
    assert sorted(lm.words) == sorted({w for line in CORPUS for w in line.split()} | {'dogs'})


def test_build_lm_script_adds_wordfreq_words_by_frequency(tmp_path):
    write_train_split(tmp_path / 'datasets' / 'synthetic', CORPUS)
    result = run_build_lm('--wordfreq', '300', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lm = read_arpa(tmp_path / 'datasets' / 'synthetic' / 'lm.arpa')
    assert {'and', 'of', 'people'} <= set(lm.words) and len(lm.words) > 250
    assert lm.unigrams['and'] > lm.unigrams['people']  # unseen in the texts: by frequency


def test_build_lm_script_from_text_files(tmp_path):
    corpus = write(tmp_path, '\n'.join(CORPUS), 'corpus.txt')
    result = run_build_lm('--text', str(corpus), '--max_words', '3', '--output',
                          str(tmp_path / 'out' / 'lm.arpa'), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'wrote' in result.stdout and '3 words' in result.stdout
    assert len(read_arpa(tmp_path / 'out' / 'lm.arpa').words) == 3


def test_build_lm_script_adds_a_dictionary(tmp_path):
    write_train_split(tmp_path / 'datasets' / 'synthetic', CORPUS)
    write(tmp_path, 'zebra\nthe quagga\n', 'words.txt')
    result = run_build_lm('--dictionary', 'words.txt', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lm = read_arpa(tmp_path / 'datasets' / 'synthetic' / 'lm.arpa')
    assert {'zebra', 'quagga'} <= set(lm.words)


@pytest.mark.parametrize('args, message', [
    ([], 'datasets/synthetic/train.h5 not found'),
    (['--text', 'missing.txt', '--output', 'x.arpa'], 'No such file'),
    (['--text', 'corpus.txt'], '--text needs --output'),
    (['--max_words', '-1'], '--max_words must be >= 0'),
    (['--wordfreq', '-5'], '--wordfreq must be >= 0'),
])
def test_build_lm_script_errors_are_one_line(tmp_path, args, message):
    write(tmp_path, 'a b\n', 'corpus.txt')
    result = run_build_lm(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr and 'Traceback' not in result.stderr
