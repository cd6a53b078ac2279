"""The batching queue: requests that arrive while the network is busy are recognized
together, as one batch, which costs less CPU per line than one network call each."""
import queue
import threading
from concurrent.futures import Future

from models.recognizer import Recognizer, alternatives


class Batcher:
    """One thread runs the network: it takes every request queued (up to max_batch),
    recognizes them as one batch, and hands each its (text, alternatives)."""

    def __init__(self, recognizer: Recognizer, max_batch: int):
        self.recognizer, self.max_batch = recognizer, max_batch
        self.jobs = queue.Queue()
        self.batches = 0
        threading.Thread(target=self._run, name='batcher', daemon=True).start()

    def submit(self, features, nbest) -> Future:
        future = Future()
        self.jobs.put((features, nbest, future))
        return future

    def _run(self):
        while True:
            jobs = [self.jobs.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            try:
                self._recognize(jobs)
            except Exception as error:  # a bug, not the client's: each request says so
                for _, _, future in jobs:
                    future.set_exception(error)

    def _recognize(self, jobs):
        probabilities = self.recognizer.probabilities([features for features, _, _ in jobs])
        texts = self.recognizer.decoder.decode_batch(probabilities)
        self.batches += 1
        for (_, nbest, future), matrix, text in zip(jobs, probabilities, texts):
            found = alternatives(self.recognizer, matrix, nbest) if nbest else []
            future.set_result((text, found))
