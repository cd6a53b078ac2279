"""Build a bigram language model (an ARPA file) for the token passing decoder.

    python build_lm.py                                  # datasets/synthetic/lm.arpa
    python build_lm.py --dataset iam --wordfreq 100000  # datasets/iam/lm.arpa
    python build_lm.py --text corpus.txt more.txt --output weights/iam/lm.arpa
    python build_lm.py --dictionary words.txt           # also knows every word of words.txt

The model's words are the decoder's dictionary. By default it learns from the
transcriptions of a compiled data set's train split (never validation or test, so that
evaluation stays honest); --text reads UTF-8 text files instead, one sentence per line;
--dictionary adds words that the texts lack (a closed vocabulary, as in Graves et al. 2009);
--wordfreq N adds the N most frequent English words of the wordfreq package, and spreads
the probability that smoothing sets aside for unseen words over them by their frequency.
Words are what the decoder writes between non-word characters: runs of letters with
apostrophes inside ("York." and '"After' give york and after; "1990" gives none), folded
to lower case (the decoder also writes them Capitalized and in UPPER case). The
--max_words most frequent words of the texts are kept, the others count as <unk>.
Smoothing: absolute discounting with back-off to unigrams (see
algorithms/language_model.py). Works offline: wordfreq's lists ship with the package.

It also counts, once, the words the token passing decoder will pass over because the
character table cannot spell them (a word with an accent the training texts never had):
the table of the model folder it writes into, else the data set's. The decoder itself
loads them silently.
"""
import argparse
import os
import sys

from algorithms.language_model import (DEFAULT_MAX_WORDS, WORD_PATTERN, build_bigram_lm,
                                       text_words, write_arpa)
from algorithms.token_passing_lexicon import unusable_words
from data.charset import CharTable, normalize_text
from data.dataset_format import (DATASETS_DIR, DEFAULT_DATASET, META_FILE, CompiledSplit,
                                 open_dataset)
from models.model_folder import CONFIG_FILE, LM_FILE, read_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default=DEFAULT_DATASET,
                   help='compiled data set whose train transcriptions to learn from: a '
                   f'folder, or a name under {DATASETS_DIR}/ (default: %(default)s)')
    p.add_argument('--text', nargs='+', metavar='FILE',
                   help='learn from these UTF-8 text files instead (one sentence per line)')
    p.add_argument('--dictionary', nargs='+', metavar='FILE',
                   help='word lists (UTF-8, whitespace-separated) whose words the model must '
                   'know even if the texts lack them: the decoder writes only known words')
    p.add_argument('--wordfreq', type=int, default=0, metavar='N',
                   help="add wordfreq's N most frequent English words (of its large list, "
                   'up to about 100000) to the dictionary (default: %(default)s, none)')
    p.add_argument('--max_words', type=int, default=DEFAULT_MAX_WORDS,
                   help='keep this many most frequent words, 0 = all (default: %(default)s)')
    p.add_argument('--output', help=f'ARPA file to write; default: {LM_FILE} in the data set '
                   'folder (needed with --text)')
    args = p.parse_args(argv)
    if args.max_words < 0:
        p.error(f'--max_words must be >= 0, got {args.max_words}')
    if args.wordfreq < 0:
        p.error(f'--wordfreq must be >= 0, got {args.wordfreq}')
    if args.text and not args.output:
        p.error('--text needs --output (where to write the model)')
    return args


def dataset_folder(name: str) -> str:
    return name if os.path.isdir(name) or os.sep in name else os.path.join(DATASETS_DIR, name)


def dataset_texts(folder: str) -> list:
    """The transcriptions of the data set's train split."""
    path = os.path.join(folder, 'train.h5')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path} not found: compile the data set first (python '
                                f'compile.py ...), or pass --text FILE')
    return CompiledSplit(path).texts


def file_texts(paths) -> list:
    lines = []
    for path in paths:
        try:
            with open(path, encoding='utf-8') as f:
                lines.extend(normalize_text(line) for line in f)
        except UnicodeDecodeError as e:
            raise ValueError(f'{path} is not UTF-8 text ({e.reason} at byte {e.start})') from None
    return lines


def wordfreq_words(count: int) -> dict:
    """word -> frequency of the `count` most frequent English words that are words to the
    decoder (runs of letters, apostrophes inside)."""
    if count == 0:
        return {}
    from wordfreq import top_n_list, word_frequency
    words = [w for w in top_n_list('en', count, wordlist='large') if WORD_PATTERN.fullmatch(w)]
    return {w: word_frequency(w, 'en', wordlist='large') for w in words}


def decoder_table(output, dataset_folder):
    """(the character table token passing will spell the words with, where it comes from):
    the model folder's the output goes into, else the data set's; (None, None) if neither."""
    model = os.path.dirname(output) or '.'
    if os.path.isfile(os.path.join(model, CONFIG_FILE)):
        return CharTable.from_json(read_config(model)['char_table']), model
    if dataset_folder and os.path.isfile(os.path.join(dataset_folder, META_FILE)):
        return open_dataset(dataset_folder).char_table, dataset_folder
    return None, None


def report_unusable(lm, output, dataset_folder):
    table, origin = decoder_table(output, dataset_folder)
    if table is None:
        return
    unusable = unusable_words(table, lm)
    if unusable:
        print(f'note: {len(unusable):,} of {len(lm.words):,} words are not runs of letters or '
              f'cannot be spelled with the characters of {origin}, e.g. {unusable[0]!r}: '
              f'token passing passes them over')


def main(argv=None):
    args = parse_args(argv)
    folder = dataset_folder(args.dataset)
    output = args.output or os.path.join(folder, LM_FILE)
    try:
        lines = file_texts(args.text) if args.text else dataset_texts(folder)
        origin = ', '.join(args.text) if args.text else os.path.join(folder, 'train.h5')
        dictionary = wordfreq_words(args.wordfreq)
        floor = min(dictionary.values(), default=1.0)
        for line in file_texts(args.dictionary or []):
            dictionary.update((w, dictionary.get(w, floor)) for w in text_words(line))
        lm = build_bigram_lm(lines, args.max_words or None, dictionary, tokenize=text_words)
        if os.path.dirname(output):
            os.makedirs(os.path.dirname(output), exist_ok=True)
        write_arpa(lm, output)
        seen = len({word for line in lines for word in text_words(line)})
        print(f'wrote {output}: {len(lm.words):,} words (of {seen:,} distinct), '
              f'{len(lm.bigrams):,} bigrams, from {len(lines):,} lines of {origin}')
        report_unusable(lm, output, None if args.text else folder)
    except (OSError, ValueError) as e:
        sys.exit(f'build_lm.py: error: {e}')


if __name__ == '__main__':
    main()
