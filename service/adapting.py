"""POST /adapt: the service's model adapted to one writer, into a named folder.

    POST /adapt {"name": "alice", "lines": [{"strokes": [...], "text": "..."}, ...]}
    POST /recognize?model=alice                   recognizes with the adapted folder

Adapted folders live under one directory given at start-up (serve.py --adapted_dir); a
request names its folder, and the name must match NAME (letters, digits, '-' and '_', at
most 64, not starting with '-' or '_') before it is joined to that directory, so no request
reaches another path. Adapting again under the same name replaces the folder. One
adaptation runs at a time (it takes the CPU for tens of seconds); another asked for
meanwhile gets a 503. Each line is JSON ink as /recognize takes it, with its text; "steps"
(optional, at most MAX_STEPS) overrides the recipe's.
"""
import os
import re
import threading
from dataclasses import replace

from data.ink_files import InkFileError, TooMuchInk, check_points, ink_from_json
from models.adaptation import AdaptationError, Recipe, adapt_folder
from models.model_folder import read_config
from models.recognizer import Recognizer, timed_strokes
from service.batcher import Lanes

NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]{0,63}')
MAX_LINES = 20
MAX_STEPS = 200


class Adapting:
    """The adapted folders under `directory`: making them, and recognizers for them."""

    def __init__(self, directory, base, model, decoder, max_points, max_batch, error):
        """base: the service's Recognizer of `model`; error(status, message) -> the
        exception a route raises (service.app.RequestError)."""
        self.directory = os.path.abspath(directory)
        self.base, self.model, self.decoder = base, model, decoder
        self.max_points, self.max_batch, self.error = max_points, max_batch, error
        self.busy = threading.Lock()
        self.loaded = {}  # name -> (Recognizer, Batcher)
        self.loading = threading.Lock()

    def folder(self, name) -> str:
        """The folder of an adapted model's name, or a 400 for a name that is not one."""
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise self.error(400, f'"name" must be 1 to 64 letters, digits, "-" or "_", '
                             f'starting with a letter or digit; got {str(name)[:80]!r}')
        return os.path.join(self.directory, name)

    def adapt(self, request: dict) -> dict:
        folder = self.folder(request.get('name'))
        strokes, texts = self.lines(request.get('lines'))
        steps = request.get('steps', Recipe.steps)
        if type(steps) is not int or not 1 <= steps <= MAX_STEPS:
            raise self.error(400, f'"steps" must be a whole number from 1 to {MAX_STEPS}, '
                             f'got {str(steps)[:40]}')
        if not self.busy.acquire(blocking=False):
            raise self.error(503, 'another adaptation is running; try again when it is done')
        try:
            outcome = adapt_folder(self.model, folder, strokes, texts,
                                   replace(Recipe(), steps=steps), overwrite=True,
                                   names=[f'line {i + 1}' for i in range(len(texts))])
        except AdaptationError as error:
            raise self.error(400, str(error)) from None
        finally:
            self.busy.release()
        with self.loading:
            self.loaded.pop(request['name'], None)  # the next recognition loads the new one
        return {'name': request['name'], 'lines': len(texts), 'steps': outcome.steps,
                'held_out': outcome.held_out, 'seconds': round(outcome.seconds, 1),
                'message': outcome.message(len(texts))}

    def lines(self, lines) -> tuple:
        """(strokes, texts) of the request's lines, or a 400 naming the line."""
        if not isinstance(lines, list) or not lines:
            raise self.error(400, '"lines" must be a non-empty list of {"strokes", "text"}')
        if len(lines) > MAX_LINES:
            raise self.error(413, f'{len(lines)} lines; at most {MAX_LINES} per adaptation')
        strokes, texts = [], []
        for i, line in enumerate(lines, start=1):
            try:
                ink = ink_from_json(line) if isinstance(line, dict) else None
            except InkFileError as error:
                raise self.error(400, f'line {i}: {error}') from None
            if ink is None or not (ink.text or '').strip():
                raise self.error(400, f'line {i}: needs {{"strokes": [...], "text": "..."}} '
                                 f'with the text written')
            try:
                check_points([ink], self.max_points)
            except TooMuchInk as error:
                message = str(error).replace('(--max_points', '(serve.py --max_points')
                raise self.error(413, f'line {i}: {message}') from None
            strokes.append(timed_strokes(self.base, ink))
            texts.append(ink.text)
        return strokes, texts

    def recognizer(self, name) -> tuple:
        """(Recognizer, Batcher) of an adapted model, loaded on first use; 404 if none."""
        folder = self.folder(name)
        with self.loading:
            if name not in self.loaded:
                try:
                    read_config(folder)
                except ValueError:
                    raise self.error(404, f'no adapted model {name!r}; POST /adapt makes '
                                     f'one') from None
                recognizer = Recognizer.load(folder, decoder=self.decoder)
                self.loaded[name] = (recognizer, Lanes(recognizer, self.max_batch))
            return self.loaded[name]
