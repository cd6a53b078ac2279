"""The batching queue: requests that arrive while the network is busy are recognized
together, as one batch, which costs less CPU per line than one network call each.

A batch costs about its longest line's frames times its lines (the lines are padded to the
longest), and every line of it waits for the whole batch. So a batch is bounded by
padded frames as well as by lines, and lines much longer than usual go to a lane of their
own (Lanes): one client's 20,000-point lines take their turns on their own thread, and
everyone else's short lines go on beside them rather than behind them.
"""
import queue
import threading
from concurrent.futures import Future

from models.recognizer import Recognizer, alternatives

MAX_BATCH_FRAMES = 8192  # padded frames in one batch: 32 lines of 256 frames
LONG_LINE_FRAMES = 600  # an IAM-OnDB line has about 150-300 frames after pre-processing


class Batcher:
    """One thread runs the network: it takes the lines queued, oldest first, as many as
    fit in one batch (max_batch lines, max_frames frames once padded to the longest; a
    longer line alone), recognizes them together, and hands each its (text, alternatives,
    (T, C) probabilities)."""

    def __init__(self, recognizer: Recognizer, max_batch: int, max_frames=MAX_BATCH_FRAMES,
                 name='batcher'):
        self.recognizer, self.max_batch, self.max_frames = recognizer, max_batch, max_frames
        self.jobs = queue.Queue()
        self.batches = 0
        self._held = None  # the job that did not fit in the last batch: first in the next
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def submit(self, features, nbest) -> Future:
        future = Future()
        self.jobs.put((features, nbest, future))
        return future

    def _run(self):
        while True:
            jobs = self._next_batch()
            try:
                self._recognize(jobs)
            except Exception as error:  # a bug, not the client's: each request says so
                for _, _, future in jobs:
                    future.set_exception(error)

    def _next_batch(self) -> list:
        jobs = [self._held or self.jobs.get()]
        self._held = None
        longest = len(jobs[0][0])
        while len(jobs) < self.max_batch:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                break
            if max(longest, len(job[0])) * (len(jobs) + 1) > self.max_frames:
                self._held = job
                break
            jobs.append(job)
            longest = max(longest, len(job[0]))
        return jobs

    def _recognize(self, jobs):
        probabilities = self.recognizer.probabilities([features for features, _, _ in jobs])
        texts = self.recognizer.decoder.decode_batch(probabilities)
        self.batches += 1
        for (_, nbest, future), matrix, text in zip(jobs, probabilities, texts):
            found = alternatives(self.recognizer, matrix, nbest) if nbest else []
            future.set_result((text, found, matrix))


class Lanes:
    """Two Batchers: one for lines of up to long_frames frames, one for longer lines."""

    def __init__(self, recognizer: Recognizer, max_batch: int, long_frames=LONG_LINE_FRAMES):
        self.long_frames = long_frames
        self.short = Batcher(recognizer, max_batch, name='batcher')
        self.long = Batcher(recognizer, max_batch, name='batcher-long-lines')

    def submit(self, features, nbest) -> Future:
        lane = self.long if len(features) > self.long_frames else self.short
        return lane.submit(features, nbest)

    @property
    def batches(self) -> int:
        return self.short.batches + self.long.batches
