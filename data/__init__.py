"""Raw handwriting sources, pre-processing, text encoding and compiled data sets.

    base            BaseSource (the class a user implements), Example, SPLITS
    sources         finding a source class by name (compile.py's first argument)
    synthetic       SyntheticSource: handwriting made on the fly (with glyphs,
                    synthetic_text and the faces in fonts/)
    iam             IamSource: IAM-OnDB
    inkml           InkML reading and writing, InkmlSource
    preprocessing   raw strokes -> per-frame features: the steps and named pipelines
    charset         the character table, the CTC blank, ctc_min_frames
    compiling       a source -> a compiled data set folder (compile.py's process)
    dataset_format  the compiled data set: its HDF5 format, writer, reader, DATASETS_DIR
"""
from data.base import BadExample, BaseSource, Example, validate_handwriting, validate_text
from data.iam import IamSource
from data.synthetic import SyntheticSource

__all__ = ['BadExample', 'BaseSource', 'Example', 'IamSource', 'SyntheticSource',
           'validate_handwriting', 'validate_text']
