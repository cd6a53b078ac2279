"""Write with the mouse and see the text: a Tk window around the Recognizer.

    python demo/draw.py                                  the shipped model, weights/iam
    python demo/draw.py --model weights/iam --dataset datasets/iam
    python demo/draw.py --decoder best_path              start without the language model
    python demo/draw.py --no-live --report events.jsonl  recognize on request; log each event
    python demo/draw.py --adapted weights/me             where "Learn my writing" writes

Write on the canvas with the left mouse button, one line or several: the ink is read as a
page (its lines found, see algorithms/line_finding.py) and the text shown line by line.
Recognize (Return), Undo stroke (Ctrl+Z) and Clear (Escape) act on the ink; Save ink
(Ctrl+S) writes it as InkML, with the lines and words recognized as annotated traceGroups
(recognize.py reads it back); the decoder can be switched at any time. "Show example"
replays a line of a compiled data set's test split (its validation split if the test split
is empty) at its recorded speed and shows its true text. With --live (the default) the ink
is recognized by itself once the pen has rested.

"Learn my writing" adapts the model to you (demo/learning.py): write the sentence shown, or
anything and type or correct its text in the box, "Keep line", and after three lines or
more "Adapt": a copy of the model is fine-tuned on your lines (first on all but the last,
to say what adapting does to a line it has not seen, then on all of them), written to
--adapted, and the window recognizes with it from then on.

TensorFlow and the model load in a background thread, and every recognition runs there too,
so the window appears at once and never freezes. Results come back through a queue that the
window polls, because Tk may only be touched from its own thread.
"""
import argparse
import os
import queue
import random
import sys
import time
import tkinter as tk
from tkinter import filedialog, messagebox, ttk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # `python demo/draw.py` puts demo/ on the path, not the root

from algorithms.decoders import DECODERS  # noqa: E402
from data.dataset_format import DEFAULT_DATASET, META_FILE, open_dataset  # noqa: E402
from data.inkml import page_to_inkml, to_inkml  # noqa: E402
from demo.ink import Ink, Report, fit_to_box, problem, replay_schedule  # noqa: E402
from demo.learning import Lessons, adapted_folder  # noqa: E402
from demo.recognizer_thread import RecognizerThread  # noqa: E402
from models.adaptation import Recipe  # noqa: E402
from models.decoder_options import (add_decoder_arguments, check_decoder_arguments,  # noqa: E402
                                    token_passing_settings)
from models.model_folder import (DEFAULT_MODEL, LM_FILE, ModelFolderError,  # noqa: E402
                                 default_decoder, read_config, trained_on)

APP = 'keras-auto-hwr demo'
LABELS = {'best_path': 'best path', 'token_passing': 'token passing (language model)'}
CANVAS_SIZE = (900, 400)  # pixels: room for three or four lines
INK_WIDTH = 3             # pixels
REPLAY_MARGIN = 30        # pixels of canvas left around a replayed example
POLL_MS = 30              # how often the window collects results from the recognizer thread


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder to recognize with (default: %(default)s, the shipped '
                   'pre-trained model)')
    add_decoder_arguments(p)  # the decoder to start with: the window switches between them
    p.add_argument('--dataset', metavar='FOLDER',
                   help='compiled data set whose test (else validation) split "Show example" '
                   'replays (default: '
                   'the one the model was trained on, when its recognizer.json records it '
                   f'under "dataset", else {DEFAULT_DATASET}); without one the button is '
                   'disabled')
    p.add_argument('--live', action=argparse.BooleanOptionalAction, default=True,
                   help='recognize by itself when the pen has rested for --pause seconds '
                   '(default: on; a checkbox in the window too)')
    p.add_argument('--pause', type=float, default=0.6,
                   help='seconds of rest before live recognition (default: %(default)s)')
    p.add_argument('--report', metavar='FILE',
                   help='append every event to FILE as a JSON line: model ready (with the '
                   'screen position of the canvas and buttons), each result with the strokes '
                   'it recognized, each message and example; for scripts and tests that '
                   'drive the window')
    p.add_argument('--adapted', metavar='FOLDER',
                   help='where "Learn my writing" writes the adapted model folder, replacing '
                   'an older one (default: the model folder\'s name with -adapted, beside it)')
    args = p.parse_args(argv)
    if not args.pause > 0:
        p.error(f'--pause must be positive, got {args.pause}')
    check_decoder_arguments(p, args)
    return args


class Demo:
    """The window: wiring between the mouse, the canvas, the Ink and the recognizer thread."""

    def __init__(self, root, args):
        self.root, self.args = root, args
        self.ink = Ink()
        self.report = Report(args.report)
        self.worker = RecognizerThread(args.model, args.language_model,
                                       token_passing_settings(args))
        self.request_id = 0        # the newest recognition asked for; older results are stale
        self.loaded = False        # the first Recognizer has loaded
        self.model_error = None    # why the model could not load
        self.drawing = False       # the pen is down on the canvas
        self.live_job = None       # root.after id of a pending live recognition
        self.replay_job = None     # root.after id of the next replayed point
        self.example_shown = False  # the canvas holds a replayed example
        self.recognized = None     # the text recognized for the ink as it is now, if any
        self.recognized_lines = None  # ... its lines, with words linked to their strokes
        self.examples = None       # the split of examples, opened on first use
        self.random = random.Random()
        self.model_dir = args.model  # the folder recognizing now (the adapted one, once made)
        self.characters = read_config(args.model)['char_table']['characters']
        self.lessons = None        # the lines kept for "Learn my writing", once it started
        self._build()
        self.worker.start()
        self.worker.requests.put(('load', args.decoder))
        self.set_status(f'loading the model from {args.model} ...')
        root.after(POLL_MS, self.poll)

    def _build(self):
        root = self.root
        root.title(f'{APP}: loading model...')
        ttk.Style(root).theme_use('clam')  # flatter than Tk's 1990s default on X11
        self.canvas = tk.Canvas(root, width=CANVAS_SIZE[0], height=CANVAS_SIZE[1], bg='white',
                                highlightthickness=0, cursor='pencil')
        self.canvas.pack(fill='both', expand=True, padx=8, pady=8)
        self.canvas.bind('<ButtonPress-1>', self.pen_down)
        self.canvas.bind('<B1-Motion>', self.pen_move)
        self.canvas.bind('<ButtonRelease-1>', self.pen_up)
        self._build_controls(ttk.Frame(root))
        # width=1: a long text wraps or is cut, instead of widening the window
        self.result = tk.Label(root, text='', font=('Helvetica', 32), anchor='w', justify='left',
                               width=1, wraplength=CANVAS_SIZE[0])
        self.result.pack(fill='x', padx=8, pady=(10, 0))
        self.truth = tk.Label(root, text='', font=('Helvetica', 14), fg='gray35', anchor='w',
                              width=1)
        self.truth.pack(fill='x', padx=8)
        self._build_learning(ttk.Frame(root))
        self.status = tk.Label(root, text='', anchor='w', relief='sunken', bd=1, width=1)
        self.status.pack(fill='x', side='bottom')
        root.bind('<Return>', lambda event: self.recognize())
        root.bind('<Control-z>', lambda event: self.undo())
        root.bind('<Escape>', lambda event: self.clear())
        root.bind('<Control-s>', lambda event: self.save_ink())

    def _build_controls(self, bar):
        """Buttons on the left; decoder choice and the live switch on the right. Controls
        that cannot work here (no language model, no data set) are disabled, saying why."""
        bar.pack(fill='x', padx=8)
        self.buttons = {}
        for name, text, command in [('recognize', 'Recognize', self.recognize),
                                    ('undo', 'Undo stroke', self.undo),
                                    ('clear', 'Clear', self.clear),
                                    ('save', 'Save ink', self.save_ink),
                                    ('example', 'Show example', self.show_example),
                                    ('learn', 'Learn my writing', self.learn)]:
            self.buttons[name] = ttk.Button(bar, text=text, command=command)
            self.buttons[name].pack(side='left', padx=(0, 6))
        self.buttons['recognize'].state(['disabled'])  # until the model has loaded
        self.live = tk.BooleanVar(value=self.args.live)
        self.live_box = ttk.Checkbutton(bar, text='live', variable=self.live)
        self.live_box.pack(side='right')
        self.decoder = tk.StringVar(value=self.args.decoder)
        self.radios = {}
        for name in reversed(DECODERS):  # packed from the right
            self.radios[name] = ttk.Radiobutton(bar, text=LABELS[name], value=name,
                                                variable=self.decoder,
                                                command=self.decoder_changed)
            self.radios[name].pack(side='right', padx=(0, 10))

        if not os.path.isfile(self.args.language_model):
            self.disable(self.radios['token_passing'],
                         f'token passing needs a language model; {self.args.language_model} '
                         'does not exist (write one with build_lm.py)')
        for needed in (META_FILE, 'test.h5'):
            if not os.path.isfile(os.path.join(self.args.dataset, needed)):
                self.disable(self.buttons['example'],
                             f'Show example needs a compiled data set: {self.args.dataset} has '
                             f'no {needed} (run compile.py, or pass --dataset)')
                break

    def _build_learning(self, bar):
        """The row "Learn my writing" shows: the line's text, Keep line, Adapt, Stop."""
        self.learning_bar = bar  # packed when learning starts
        self.line_text = tk.StringVar()
        ttk.Label(bar, text='This line says:').pack(side='left')
        self.text_entry = ttk.Entry(bar, textvariable=self.line_text, width=50)
        self.text_entry.pack(side='left', padx=6, fill='x', expand=True)
        self.own_text = tk.BooleanVar(value=False)
        self.own_box = ttk.Checkbutton(bar, text='fill in what is recognized',
                                       variable=self.own_text)
        self.own_box.pack(side='left', padx=(0, 6))
        for name, text, command in [('keep', 'Keep line', self.keep_line),
                                    ('adapt', 'Adapt', self.adapt),
                                    ('stop', 'Stop learning', self.stop_learning)]:
            self.buttons[name] = ttk.Button(bar, text=text, command=command)
            self.buttons[name].pack(side='left', padx=(0, 6))

    def disable(self, widget, reason):
        """Grey out a control; pointing at it tells why, in the status line."""
        widget.state(['disabled'])
        widget.bind('<Enter>', lambda event: self.set_status(reason))

    # -- the pen ---------------------------------------------------------------------------

    def pen_down(self, event):
        self.stop_replay()
        self.cancel_live()
        if self.example_shown:  # writing after an example starts a new line
            self.clear()
        self.drawing = True
        self.recognized = self.recognized_lines = None
        self.ink.pen_down(event.x, event.y, event.time)
        self._dot(event.x, event.y)

    def pen_move(self, event):
        if not self.drawing:  # the stroke was undone or cleared while the button was down
            return
        previous = self.ink.strokes[-1][-1]
        if self.ink.pen_move(event.x, event.y, event.time):
            self._segment(previous, (event.x, event.y))

    def pen_up(self, event):
        if self.drawing:
            self.pen_move(event)
            self.drawing = False
            self.schedule_live()

    def _tags(self):
        return ('ink', f'stroke{len(self.ink) - 1}')

    def _dot(self, x, y):
        r = INK_WIDTH / 2
        self.canvas.create_oval(x - r, y - r, x + r, y + r, fill='black', outline='',
                                tags=self._tags())

    def _segment(self, p, q):
        self.canvas.create_line(p[0], p[1], q[0], q[1], width=INK_WIDTH, fill='black',
                                capstyle=tk.ROUND, tags=self._tags())

    # -- the buttons -----------------------------------------------------------------------

    def recognize(self):
        message = problem(self.ink.strokes)
        if message is None and not self.loaded:
            message = (f'The model could not load: {self.model_error}' if self.model_error
                       else 'The model is still loading; try again in a moment.')
        if message:
            self.show_message(message)
            return
        self.request_id += 1
        self.worker.requests.put(('recognize', self.request_id, self.decoder.get(),
                                  self.ink.copy()))
        self.set_status('recognizing...')

    def undo(self):
        self.stop_replay()
        self.drawing = False
        if len(self.ink):
            self.canvas.delete(f'stroke{len(self.ink) - 1}')
            self.ink.undo()
        self.recognized = self.recognized_lines = None
        self.request_id += 1  # a result on its way is for the ink before the undo
        if len(self.ink):
            self.schedule_live()
        else:
            self.clear()

    def clear(self):
        self.stop_replay()
        self.cancel_live()
        self.drawing = False
        self.example_shown = False
        self.canvas.delete('ink')
        self.ink.clear()
        self.recognized = self.recognized_lines = None
        self.request_id += 1
        self.result.config(text='')
        self.truth.config(text='')
        self.root.title(APP)

    def save_ink(self):
        """Write the ink as InkML (X, Y, T in seconds), with the lines and words recognized
        for it, if any, as traceGroups annotated with type "recognized" (not "truth": it
        may be wrong; see data.inkml.page_to_inkml); while learning, with the text in the
        box as "truth" (adapt.py reads those)."""
        if not len(self.ink):
            self.show_message('Nothing to save: write something first.')
            return
        path = filedialog.asksaveasfilename(parent=self.root, title='Save ink as InkML',
                                            initialfile='ink.inkml', defaultextension='.inkml',
                                            filetypes=[('InkML', '*.inkml')])
        if not path:
            return
        try:
            with open(path, 'w', encoding='utf-8') as f:
                if self.learning():
                    f.write(to_inkml(self.ink.copy(), self.line_text.get().strip() or None))
                else:
                    f.write(page_to_inkml(self.ink.copy(), self.recognized_lines)
                            if self.recognized_lines else
                            to_inkml(self.ink.copy(), None, annotation='recognized'))
        except OSError as e:
            self.set_status(f'cannot save the ink: {e}', error=True)
            return
        self.set_status(f'saved {len(self.ink)} strokes to {path}')
        self.report.write('saved', path=path, text=self.recognized)

    def decoder_changed(self):
        self.set_status(f'decoder: {LABELS[self.decoder.get()]}')
        if self.loaded and problem(self.ink.strokes) is None:
            self.recognize()  # the recognizer thread loads the decoder first if it must
        else:
            self.worker.requests.put(('load', self.decoder.get()))

    # -- live recognition ------------------------------------------------------------------

    def schedule_live(self):
        self.cancel_live()
        if self.live.get():
            self.live_job = self.root.after(int(self.args.pause * 1000), self._live)

    def _live(self):
        self.live_job = None
        self.recognize()

    def cancel_live(self):
        if self.live_job is not None:
            self.root.after_cancel(self.live_job)
            self.live_job = None

    # -- an example from the data set -----------------------------------------------------

    def show_example(self):
        split = self._test_split()
        if split is None:
            return
        i = self.random.randrange(len(split))
        self.clear()
        self.example_shown = True
        strokes = fit_to_box([s.tolist() for s in split.strokes(i)], self.canvas.winfo_width(),
                             self.canvas.winfo_height(), REPLAY_MARGIN)
        self.truth.config(text=f'True text: {split.texts[i]}')
        self.report.write('example', id=split.ids[i], text=split.texts[i])
        self._replay(replay_schedule(strokes), time.monotonic(), 0, split.ids[i])

    def _test_split(self):
        """The data set's lines to replay (CompiledDataset.ink_split), opened once; None
        (button disabled) if unusable."""
        if self.examples is None:
            try:
                self.examples = open_dataset(self.args.dataset).ink_split()
                if not self.examples.has_ink or not len(self.examples):
                    raise ValueError(f'{self.examples.path} keeps no raw ink to replay')
            except (OSError, ValueError, KeyError) as e:
                self.disable(self.buttons['example'], f'Show example is off: {e}')
                self.show_message(f'No example to show: {e}')
                self.examples = None
        return self.examples

    def _replay(self, schedule, start, k, example_id):
        """Draw the points that are due, then wait for the next (recorded speed)."""
        now = time.monotonic() - start
        while k < len(schedule) and schedule[k][0] <= now:
            _, x, y, t, starts_stroke = schedule[k]
            previous = None if starts_stroke else self.ink.strokes[-1][-1]
            self.ink.add_point(x, y, t, starts_stroke)
            if previous is None:
                self._dot(x, y)
            else:
                self._segment(previous, (x, y))
            k += 1
        if k < len(schedule):
            wait_ms = max(1, int((schedule[k][0] - now) * 1000))
            self.replay_job = self.root.after(wait_ms, self._replay, schedule, start, k,
                                              example_id)
        else:
            self.replay_job = None
            self.report.write('example_done', id=example_id, strokes=len(self.ink))
            self.schedule_live()

    def stop_replay(self):
        if self.replay_job is not None:
            self.root.after_cancel(self.replay_job)
            self.replay_job = None

    # -- learning the writer's hand -------------------------------------------------------

    def learning(self) -> bool:
        return bool(self.learning_bar.winfo_manager())  # packed: the row is showing

    def learn(self):
        """Show the learning row; the box holds the sentence to write, or the text
        recognized for ink already written."""
        if self.lessons is None:
            self.lessons = Lessons(self.characters)
        if not self.learning():
            self.learning_bar.pack(fill='x', padx=8, pady=(6, 0), before=self.status)
        self.line_text.set(self.recognized if self.recognized and len(self.ink)
                           else self.lessons.prompt())
        self._learning_status()
        self.report.write('learning', lines=len(self.lessons), prompt=self.lessons.prompt(),
                          layout=self._layout())

    def _learning_status(self):
        kept = len(self.lessons)
        self.buttons['adapt'].state(['!disabled' if self.lessons.ready() else 'disabled'])
        self.truth.config(text=f'Learning: write the line in the box, then Keep line '
                          f'({kept} kept; Adapt needs {max(3 - kept, 0)} more)'
                          if not self.lessons.ready() else
                          f'Learning: {kept} lines kept; keep more, or Adapt')

    def keep_line(self):
        message = self.lessons.keep(self.ink.copy(), self.line_text.get(), self.characters)
        if message:
            self.show_message(message)
            return
        self.report.write('kept', lines=len(self.lessons), text=self.lessons.texts[-1])
        self.clear()
        self.line_text.set(self.lessons.prompt())
        self._learning_status()

    def adapt(self):
        if not self.lessons.ready():
            self.show_message('Keep three lines or more before adapting.')
            return
        output = self.args.adapted or adapted_folder(self.args.model)
        self.buttons['adapt'].state(['disabled'])
        self.worker.requests.put(('adapt', self.args.model, output, list(self.lessons.strokes),
                                  list(self.lessons.texts)))
        self.set_status(f'adapting to {len(self.lessons)} lines...')

    def stop_learning(self):
        self.learning_bar.pack_forget()
        self.truth.config(text='')

    def on_adapt_progress(self, step, total):
        self.set_status(Recipe().progress(len(self.lessons), step, total))

    def on_adapted(self, folder, message):
        self.model_dir = folder
        self.worker.requests.put(('load', self.decoder.get()))
        self.buttons['adapt'].state(['!disabled'])
        self.show(f'Adapted: {message}', 'dark green')
        self.set_status(f'now recognizing with {folder}')
        self.report.write('adapted', folder=folder, text=message)

    def on_adapt_failed(self, message):
        self.buttons['adapt'].state(['!disabled'])
        self.show_message(f'Cannot adapt: {message}')

    # -- results from the recognizer thread ------------------------------------------------

    def poll(self):
        while True:
            try:
                kind, *fields = self.worker.results.get_nowait()
            except queue.Empty:
                break
            getattr(self, f'on_{kind}')(*fields)
        self.root.after(POLL_MS, self.poll)

    def on_loaded(self, decoder, seconds):
        self.set_status(f'ready: {self.model_dir}, {LABELS[decoder]} '
                        f'(loaded in {seconds:.1f} s)')
        if self.loaded:
            return
        self.loaded = True
        self.buttons['recognize'].state(['!disabled'])
        self.root.title(APP)
        self.report.write('ready', model=self.args.model, decoder=decoder,
                          dataset=self.args.dataset, layout=self._layout())
        if self.live.get() and problem(self.ink.strokes) is None:
            self.recognize()

    def on_load_failed(self, decoder, message):
        self.report.write('error', decoder=decoder, text=message)
        if decoder == 'token_passing':  # the network may still load with best path
            self.disable(self.radios['token_passing'], f'token passing is off: {message}')
            self.decoder.set('best_path')
            self.worker.requests.put(('load', 'best_path'))
            self.set_status(f'token passing is not available: {message}', error=True)
            return
        self.model_error = message
        self.set_status(f'cannot load the model: {message}', error=True)
        self.root.title(f'{APP}: the model could not load')
        messagebox.showerror('Cannot load the model', f'{self.args.model}:\n\n{message}',
                             parent=self.root)

    def on_result(self, request_id, decoder, strokes, text, lines, seconds):
        if request_id != self.request_id:
            return
        shown = text if text.strip() else '(nothing recognized)'
        self.show(shown, 'black')
        self.recognized, self.recognized_lines = text, lines
        if self.own_text.get() and self.learning():
            self.line_text.set(text)
        self.set_status(f'{LABELS[decoder]}: {len(strokes)} strokes in {seconds:.2f} s')
        self.report.write('result', decoder=decoder, text=text, shown=shown, seconds=seconds,
                          strokes=strokes, lines=lines)

    def on_rejected(self, request_id, message):
        if request_id == self.request_id:
            self.show_message(f'Cannot recognize this ink: {message}')

    def show_message(self, message):
        self.show(message, 'gray35')
        self.set_status('')
        self.report.write('message', text=message)

    def show(self, text, colour):
        """Fill the result, line by line; the title repeats it, lines joined by ' / ',
        where window tools can read it."""
        self.result.config(text=text, fg=colour)
        self.root.title(f'{APP}: {title_text(text)}')

    def set_status(self, text, error=False):
        self.status.config(text=text, fg='red3' if error else 'gray20')

    def _layout(self) -> dict:
        """Screen boxes [x, y, width, height] of the canvas and controls, for --report."""
        self.root.update_idletasks()
        widgets = {'canvas': self.canvas, **self.buttons, **self.radios, 'live': self.live_box,
                   'text': self.text_entry}
        return {name: [w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()]
                for name, w in widgets.items() if w.winfo_ismapped()}
        return {name: [w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()]
                for name, w in widgets.items()}


def title_text(text) -> str:
    """A text of several lines on one line, for a window title."""
    return ' / '.join(text.split('\n'))


def main(argv=None):
    args = parse_args(argv)
    try:
        config = read_config(args.model)
    except ModelFolderError as e:
        sys.exit(f'draw.py: error: {e}')
    args.language_model = args.lm or os.path.join(args.model, LM_FILE)
    if args.decoder == 'token_passing' and not os.path.isfile(args.language_model):
        sys.exit(f'draw.py: error: language model not found: {args.language_model} (token '
                 'passing needs an ARPA file; write one with build_lm.py)')
    if args.decoder is None:
        args.decoder = default_decoder(args.model, args.lm)
        if args.decoder == 'best_path':
            print(f'draw.py: note: {args.model} has no language model (lm.arpa): starting with '
                  f'best path (build_lm.py writes one)', file=sys.stderr)
    args.dataset = args.dataset or trained_on(config, args.model)
    try:
        root = tk.Tk()
    except tk.TclError as e:
        sys.exit(f'draw.py: error: cannot open a window: {e}')
    Demo(root, args)
    root.mainloop()


if __name__ == '__main__':
    main()
