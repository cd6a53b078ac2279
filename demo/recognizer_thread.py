"""Recognition off the window's thread: TensorFlow, the model and every recognition live
in one background thread, so that the window appears at once and never freezes.

    worker = RecognizerThread('weights/synthetic', 'weights/synthetic/lm.arpa', {'lm_weight': 1.0})
    worker.start()
    worker.requests.put(('recognize', 1, 'best_path', strokes))
    kind, *fields = worker.results.get()   # ('loaded', ...), then ('result', 1, ...)

The window (demo/draw.py) polls `results` from its own thread, because Tk may only be
touched from the thread that made it.
"""
import queue
import threading
import time


class RecognizerThread(threading.Thread):
    """Imports TensorFlow, loads a Recognizer per decoder on first use, and recognizes,
    all away from the Tk thread.

    Jobs arrive on `requests`: ('load', decoder) or ('recognize', request_id, decoder,
    strokes). Answers leave on `results`: ('loaded', decoder, seconds), ('load_failed',
    decoder, message), ('result', request_id, decoder, strokes, text, lines, seconds) and
    ('rejected', request_id, message). Of several recognitions waiting, only the newest runs:
    the others are of ink that has changed since. The ink is read as a page
    (Recognizer.read_page, layout auto): text is its lines joined by newlines, lines their
    records ({text, strokes, box, words}, see models/page_reader.py).
    Learning: ('adapt', base folder, output folder, [strokes], [text]) adapts the model to
    those lines and answers ('adapt_progress', step, total), then ('adapted', output folder,
    message) or ('adapt_failed', message); the thread then recognizes with the adapted
    folder (its Recognizers load again on first use).
    """

    def __init__(self, model_dir, language_model, settings=None):
        """settings: token passing's, as Recognizer.load takes them ({}: the folder's)."""
        super().__init__(name='recognizer', daemon=True)  # closing the window ends it
        self.model_dir, self.language_model = model_dir, language_model
        self.settings = settings or {}
        self.requests, self.results = queue.Queue(), queue.Queue()
        self.recognizers, self.errors = {}, {}

    def run(self):
        while True:
            jobs = [self.requests.get()]
            while not self.requests.empty():
                jobs.append(self.requests.get_nowait())
            newest = [job for job in jobs if job[0] == 'recognize'][-1:]
            handlers = {'load': self.recognizer, 'recognize': self.recognize,
                        'adapt': self.adapt}
            for job in [job for job in jobs if job[0] != 'recognize'] + newest:
                handlers[job[0]](*job[1:])

    def recognizer(self, decoder):
        """The Recognizer for `decoder`, loaded once; None (and the window told) if it
        cannot load."""
        if decoder not in self.recognizers and decoder not in self.errors:
            start = time.perf_counter()
            try:
                from models.recognizer import Recognizer  # imports TensorFlow: seconds
                settings = self.settings if decoder == 'token_passing' else {}
                self.recognizers[decoder] = Recognizer.load(self.model_dir, decoder,
                                                            self.language_model, **settings)
            except Exception as e:  # whatever it is must reach the window, not end the thread
                self.errors[decoder] = _describe(e)
                self.results.put(('load_failed', decoder, self.errors[decoder]))
                return None
            self.results.put(('loaded', decoder, time.perf_counter() - start))
        return self.recognizers.get(decoder)

    def recognize(self, request_id, decoder, strokes):
        recognizer = self.recognizer(decoder)
        if recognizer is None:
            return
        start = time.perf_counter()
        try:
            page = recognizer.read_page(strokes)
        except Exception as e:  # bad ink (ValueError) or a bug: either way, say it in the window
            self.results.put(('rejected', request_id, _describe(e)))
            return
        self.results.put(('result', request_id, decoder, strokes, page.text,
                          page.to_json()['lines'], time.perf_counter() - start))

    def adapt(self, base, output, lines, texts):
        """Adapt `base` to the lines into `output` (replaced if there), then use it."""
        try:
            from models.adaptation import adapt_folder
            outcome = adapt_folder(base, output, lines, texts, overwrite=True,
                                   progress=lambda step, total: self.results.put(
                                       ('adapt_progress', step, total)))
        except Exception as e:  # bad lines (ValueError) or a bug: say it in the window
            self.results.put(('adapt_failed', _describe(e)))
            return
        self.model_dir = output
        self.recognizers, self.errors = {}, {}
        self.results.put(('adapted', output, outcome.message(len(texts))))


def _describe(error) -> str:
    """Our own errors (ValueError and its kind) speak for themselves; others need a name."""
    return str(error) if isinstance(error, ValueError) else f'{type(error).__name__}: {error}'
