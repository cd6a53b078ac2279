"""Raw handwriting sources, pre-processing, text encoding and compiled data sets.

    base            BaseSource (the class a user implements), Example, SPLITS
    sources         finding a source class by name (compile.py's first argument)
    synthetic       SyntheticSource: handwriting made on the fly (with glyphs,
                    synthetic_text and the faces in fonts/)
    iam             IamSource: IAM-OnDB
    inkml           InkML reading and writing, InkmlSource
    ink_files       reading an ink file of any format (InkML, IAM-OnDB XML, JSON strokes),
                    the points limit a line (MAX_POINTS)
    xml_depth       how deep an XML tree nests (the ink readers refuse over 100 levels)
    preprocessing   raw strokes -> per-frame features: the steps and named pipelines;
                    Pipeline fits its own steps (fit_stored) and says whether a data set's
                    features suit a model, by purpose (Pipeline.fits)
    charset         the character table, the CTC blank, ctc_min_frames
    compiling       a source -> a compiled data set folder (compile.py's process)
    dataset_format  the compiled data set: its HDF5 format, writer, reader, DATASETS_DIR

`from data import BaseSource` (and the other names of __all__) imports its module on first
use, so that importing one module of the package (data.charset, for a decoder's BLANK)
does not load h5py or the synthetic generator.
"""
import importlib

_HOMES = {'BadExample': 'data.base', 'BaseSource': 'data.base', 'Example': 'data.base',
          'validate_handwriting': 'data.base', 'validate_text': 'data.base',
          'IamSource': 'data.iam', 'SyntheticSource': 'data.synthetic'}

__all__ = sorted(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(_HOMES[name]), name)
