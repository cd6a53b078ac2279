"""Raw handwriting sources, pre-processing, text encoding and compiled data sets."""
from data.base import BadExample, BaseSource, Example, validate_handwriting, validate_text
from data.iam import IamSource
from data.synthetic import SyntheticSource

__all__ = ['BadExample', 'BaseSource', 'Example', 'IamSource', 'SyntheticSource',
           'validate_handwriting', 'validate_text']
