"""The BiLSTM-CTC network, its self-contained model folder, and recognizing with it.

    network        the network: build_model, PAD_VALUE (the padding it masks), the CTC loss
    model_folder   the model folder (model.keras, recognizer.json, lm.arpa): writing, loading
                   and checking it whole (check_fits)
    atomic_files   files written whole or not at all (a kill or a full disk leaves the old)
    recognizer     Recognizer: raw strokes in, text out, on the CPU, with any decoder;
                   alternatives (the K best texts), timed_strokes (times made up for ink
                   without)
    validation_outputs  the network's outputs on validation lines, kept in a cache file
                   (tune_decoder.py, benchmarks/bench_token_passing.py)
    tfjs_export    a model folder as a TensorFlow.js model for the web page (deploy.py)
    training/      training the network, train.py's TensorFlow side (see models.training)
"""
