"""The BiLSTM-CTC network, its self-contained model folder, and recognizing with it.

    network        the network: build_model, PAD_VALUE (the padding it masks), the CTC loss
    model_folder   the model folder (model.keras, recognizer.json, lm.arpa): writing, loading
    recognizer     Recognizer: raw strokes in, text out, on the CPU, with any decoder
    tfjs_export    a model folder as a TensorFlow.js model for the web page (deploy.py)
    training/      training the network, train.py's TensorFlow side (see models.training)
"""
