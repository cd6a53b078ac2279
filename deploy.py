"""Deploy a trained model folder to TensorFlow.js, for the web page that recognizes in the browser.

    python deploy.py                                  # weights/iam -> weights/deployed/iam
    python deploy.py --model weights/mine --output /tmp/mine_web
    python deploy.py --quantize none                  # float32 weights (twice the download)
    python deploy.py --no-lm                          # no language model: best path only
    python demo/web/serve.py --model weights/deployed/iam   # serve the page, open its address

Writes model.json and its weight shards (a TensorFlow.js layers model, converted by the
`tensorflowjs` converter from a tf_keras twin of the network; see models/tfjs_export.py)
metadata.json (character table, blank index, pre-processing steps with their fitted
parameters, format version, quantization, token passing settings) and, when the model has a
language model (lm.arpa in its folder, or --lm), lm.bin: its dictionary and bigrams for the
page's token passing decoder (the project's C++ decoder in WebAssembly), which the page then
uses by default, with the model folder's decoder.json settings, as Python does. Weights are
stored as float16 by default: half the download, and the page's text stayed the Python
Recognizer's on the tests' lines and on 300 IAM-OnDB validation lines (benchmarks/
bench_web.py); uint8 is a quarter, at some risk to the text (296 of those 300 lines kept
Python's token passing text).
An existing deployment in the output folder is replaced.
The page needs TensorFlow.js from npm once: `cd demo/web && npm ci`.
"""
import argparse
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's C++ start-up chatter

from models.model_folder import DEFAULT_MODEL, ModelFolderError  # noqa: E402
from models.tfjs_export import (DEPLOYED_DIR, QUANTIZATIONS, ExportError,  # noqa: E402
                                default_language_model, deploy)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='trained model folder, as train.py writes it (default: %(default)s)')
    p.add_argument('--output', help=f'folder to write the deployed model to (default: '
                   f'{DEPLOYED_DIR}/<name of the model folder>)')
    p.add_argument('--quantize', choices=['none', *QUANTIZATIONS], default='float16',
                   help='how the weights are stored for the browser; the change it makes in '
                   'probability on a random line is printed (default: %(default)s)')
    lm = p.add_mutually_exclusive_group()
    lm.add_argument('--lm', help='ARPA language model for the page\'s token passing decoder '
                    '(default: lm.arpa in the model folder, if there is one)')
    lm.add_argument('--no-lm', action='store_true',
                    help='deploy no language model: the page decodes by best path')
    return p.parse_args(argv)


def _megabytes(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 1e6


def main(argv=None):
    args = parse_args(argv)
    output = args.output or os.path.join(DEPLOYED_DIR,
                                         os.path.basename(os.path.normpath(args.model)))
    language_model = None if args.no_lm else args.lm or default_language_model(args.model)
    try:
        metadata = deploy(args.model, output,
                          quantize=None if args.quantize == 'none' else args.quantize,
                          language_model=language_model)
    except (ModelFolderError, ExportError) as e:
        sys.exit(f'deploy.py: error: {e}')
    print(f'wrote {output}: TensorFlow.js layers model, {len(metadata["characters"])} '
          f'characters, Keras 2 twin within {metadata["twin_max_difference"]:.1g} of the model; '
          f'weights {args.quantize if metadata["quantization"] else "float32"} '
          f'({_megabytes(output):.2f} MB), probabilities within '
          f'{metadata["quantization_max_difference"]:.1g} of float32 weights')
    token_passing = metadata['token_passing']
    print(f'decoder: token passing with {language_model} ({token_passing["words"]:,} words, '
          f'{token_passing["bigrams"]:,} bigrams)' if token_passing else
          'decoder: best path (no language model)')
    print(f'serve the web page with it: python demo/web/serve.py --model {output}')


if __name__ == '__main__':
    main()
