"""What is done with the network's output (T, C) probabilities: decoders and error rates.

    decoders                 the one decoder interface, decoders by name (make_decoder)
    best_path                best path decoding (BestPathDecoder)
    token_passing            token passing: dictionary words and a bigram language model
                             (C++ core in cpp/, bound with pybind11)
    token_passing_lexicon    what both token passing decoders build their search from
    token_passing_reference  token passing in pure Python: the tests' oracle for the C++
    prefix_beam_search       the K most probable texts without a dictionary
    language_model           ARPA bigram language models: read, write, build
    error_rates              CER and WER
"""
