"""Where in a line each character of its text was read: CTC forced alignment, and words.

    from algorithms.ctc_alignment import align, frame_words
    path = align(probabilities, labels)        # (T,) label position per frame, -1 = blank
    words = frame_words(path, text)            # (T,) word number per frame

Any decoder's text (best path, or token passing with its dictionary, which may differ
from the most likely class per frame) is aligned the same way: the single most probable
CTC path that spells exactly that text (Viterbi over the 2L + 1 states of blank, label,
blank, ...; a label may repeat only across a blank). Probabilities (T, C) with class 0
the blank, as every decoder in the project takes them.

Words are runs of characters between spaces. Each frame belongs to a word: a frame at or
after a word's character (and before the next space) to that word, a frame at or after a
space (and before the next word's first character) to the word that follows, frames
before the first character to the first word. So the pen lifts between words go with the
word they lead into, and late i-dots and t-bars written after a word's body (before the
space is read) go with that word. models/page_reader.py takes frames on to points and
strokes.
"""
import numpy as np

from data.charset import BLANK

LOG_FLOOR = -1e30  # log of 0, finite so that sums stay ordered


def align(probabilities, labels) -> np.ndarray:
    """(T,) the position in `labels` each frame reads on the most probable CTC path that
    spells `labels` exactly, -1 where it reads a blank. ValueError when the line has too
    few frames for the labels (CTC needs one per label, two between repeats)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    frames = len(probabilities)
    if len(labels) == 0:
        return np.full(frames, -1)
    states = np.full(2 * len(labels) + 1, BLANK)
    states[1::2] = labels
    log_p = np.log(np.maximum(probabilities[:, states], 1e-300))          # (T, S)
    # a label state may be entered from two back when that is a different label
    skip = np.zeros(len(states), bool)
    skip[3::2] = labels[1:] != labels[:-1]
    score = np.full(len(states), LOG_FLOOR)
    score[:2] = log_p[0, :2]
    back = np.zeros((frames, len(states)), np.int8)                         # 0, 1 or 2 back
    for t in range(1, frames):
        stay, step = score, np.concatenate([[LOG_FLOOR], score[:-1]])
        jump = np.where(skip, np.concatenate([[LOG_FLOOR] * 2, score[:-2]]), LOG_FLOOR)
        options = np.stack([stay, step, jump])                              # (3, S)
        back[t] = np.argmax(options, axis=0)
        score = options[back[t], np.arange(len(states))] + log_p[t]
    end = len(states) - 1 if score[-1] >= score[-2] else len(states) - 2
    if max(score[-1], score[-2]) <= LOG_FLOOR / 2:
        raise ValueError(f'{frames} frames are too few for {len(labels)} labels')
    path = np.empty(frames, np.int64)
    for t in range(frames - 1, -1, -1):
        path[t] = end
        end -= int(back[t, end])  # an int8 would wrap past 127 states
    return np.where(path % 2 == 1, path // 2, -1)


def frame_words(path, text: str) -> np.ndarray:
    """(T,) the word number (0, 1, ... over the words of `text` split at spaces) of each
    frame of an alignment `path` (see `align`); all -1 for a text with no words."""
    path = np.asarray(path)
    word_of_char = np.full(len(text), -1)
    number, inside = -1, False
    for i, char in enumerate(text):
        if char.isspace():
            inside = False
        else:
            number += not inside
            inside = True
            word_of_char[i] = number
    if number < 0:
        return np.full(len(path), -1)
    # what the word number becomes at each character: its word, or after a space the next
    after = np.empty(len(text), np.int64)
    following = number
    for i in range(len(text) - 1, -1, -1):
        if word_of_char[i] >= 0:
            following = word_of_char[i]
        after[i] = word_of_char[i] if word_of_char[i] >= 0 else min(following, number)
    read = np.flatnonzero(path >= 0)
    words = np.full(len(path), int(word_of_char[word_of_char >= 0][0]))
    if len(read):
        # each frame takes the value of the last character read at or before it
        last = np.maximum.accumulate(np.where(path >= 0, np.arange(len(path)), -1))
        seen = last >= 0
        words[seen] = after[path[last[seen]]]
    return words
