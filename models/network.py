"""The network: stacked bidirectional LSTMs and a softmax over the characters plus blank.

Input: a batch of feature sequences (B, T, F), padded on the right with zeros; a Masking
layer turns the padding into a mask, so padding never changes a result (and the mask is
right-padded, as cuDNN requires). Output: per-frame class probabilities (B, T', C), class 0
the CTC blank, where T' = T without subsampling.

Subsampling (stride s > 1): a 1-D convolution with kernel and stride s, no bias and no
activation, first reads each s consecutive frames as one (a learned frame stacking), so
the LSTMs run over T' = ceil(T / s) frames: s times less work for training and
recognition. Its output is exactly zero where all its s frames are padding (no bias), so
the Masking layer after it masks precisely the stacked frames that hold no real frame, and
a line's result still does not depend on its batch ('same' padding pads an odd line's
last window with zeros, as the batch's padding does). IAM-OnDB lines have about 5.8
frames a character, so s = 2 leaves CTC the frames it needs (data.charset.ctc_min_frames).

The last Dense layer ('logits') and the softmax ('probabilities') are separate layers so
that training can cut the model at the logits: CTC wants unnormalized scores, and taking
the log of a softmax that underflowed to 0 would give -inf.

Keras is imported by the functions that build or run the network, so that its contract
(PAD_VALUE) can be read without starting TensorFlow: the Recognizer module and train.py's
checks before training read it.
"""
from data.charset import BLANK

LOGITS_LAYER = 'logits'
SUBSAMPLE_LAYER = 'subsample'
MASK_LAYER = 'mask'
PAD_VALUE = 0.0  # padded frames are all zeros; real frames never are (see data.preprocessing)


def build_model(num_features, num_classes, num_layers=2, units=128, dropout=0.0, stride=1,
                use_cudnn='auto', name='bilstm_ctc'):
    """use_cudnn: True insists on cuDNN (fails without a GPU), False never uses it, 'auto'
    uses it when one is there. Weights are the same either way. stride > 1 subsamples
    (see the module docstring); stride 1 builds the network without the convolution."""
    if num_layers < 1 or units < 1:
        raise ValueError(f'need at least one layer and one unit, got {num_layers} x {units}')
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f'dropout must be in [0, 1), got {dropout}')
    if stride < 1:
        raise ValueError(f'stride must be at least 1, got {stride}')
    import keras
    from keras import layers
    features = keras.Input(shape=(None, num_features), name='features')
    x = features
    if stride > 1:
        x = layers.Conv1D(stride * num_features, stride, strides=stride, padding='same',
                          use_bias=False, name=SUBSAMPLE_LAYER)(x)
    x = layers.Masking(mask_value=PAD_VALUE, name=MASK_LAYER)(x)
    for i in range(num_layers):
        lstm = layers.LSTM(units, return_sequences=True, use_cudnn=use_cudnn, name=f'lstm_{i}')
        x = layers.Bidirectional(lstm, name=f'bilstm_{i}')(x)
        if dropout:
            x = layers.Dropout(dropout, name=f'dropout_{i}')(x)
    logits = layers.Dense(num_classes, name=LOGITS_LAYER)(x)
    probabilities = layers.Activation('softmax', name='probabilities')(logits)
    model = keras.Model(features, probabilities, name=name)
    model.build_arguments = {'num_features': int(num_features), 'num_classes': int(num_classes),
                             'num_layers': int(num_layers), 'units': int(units),
                             'dropout': float(dropout)}
    if stride > 1:  # stride 1 is left out, so that older folders' architectures still match
        model.build_arguments['stride'] = int(stride)
    return model


def architecture(model) -> dict:
    """The keyword arguments of build_model that rebuild `model`, as build_model stored
    them (saved in recognizer.json and in checkpoints, so that a checkpoint that does not
    fit is caught by name). A model loaded from model.keras has none: its folder's
    recognizer.json holds them."""
    return dict(model.build_arguments)


def time_stride(model) -> int:
    """How many input frames make one output frame (1 without subsampling). Read off the
    layers, so that it holds for a model loaded from model.keras as well."""
    names = [layer.name for layer in model.layers]
    return model.get_layer(SUBSAMPLE_LAYER).strides[0] if SUBSAMPLE_LAYER in names else 1


def output_lengths(lengths, stride: int):
    """Output frames of lines of `lengths` input frames: ceil(length / stride). Works on
    ints, NumPy arrays and TensorFlow tensors alike."""
    return (lengths + (stride - 1)) // stride


def logits_model(model):
    """The same layers (shared weights), cut before the softmax: (B, T, F) -> (B, T, C)."""
    import keras
    return keras.Model(model.input, model.get_layer(LOGITS_LAYER).output,
                       name=f'{model.name}_logits')


def unmasked(model):
    """The same layers (shared weights) without the Masking layer, for one line without
    padding: its mask would be all true, so the output is the same, and the LSTM loops skip
    the per-step ops that apply a mask (a fifth of recognize()'s time on IAM-OnDB lines)."""
    import keras
    features = keras.Input(shape=model.input_shape[1:], name='features')
    x = features
    for layer in model.layers[1:]:
        if layer.name != MASK_LAYER:
            x = layer(x)
    return keras.Model(features, x, name=f'{model.name}_unmasked')


def portable_copy(model):
    """A copy built with use_cudnn='auto', so that it loads and predicts on a CPU even when
    `model` was built to insist on cuDNN."""
    twin = build_model(**architecture(model), use_cudnn='auto', name=model.name)
    twin.set_weights(model.get_weights())
    return twin


def ctc_loss_per_line(labels, label_lengths, logits, frame_lengths):
    """CTC loss of each line of a padded batch, blank = class 0.

    labels (B, L) int32, padded with 0 (Keras' mask_index, which must be the blank);
    label_lengths (B,); logits (B, T, C); frame_lengths (B,) real frames per line, so that
    padding frames never enter the loss. Returns (B,) float32, -log p(labels | line).
    (keras.losses.CTC is not used: it counts every frame of the padded batch as real.)
    """
    from keras import ops
    return ops.ctc_loss(labels, logits, label_lengths, frame_lengths, mask_index=BLANK)


def losses_and_probabilities(labels, label_lengths, logits, frames, stride):
    """(CTC loss per line, (B, T, C) class probabilities) of a padded batch's logits, for
    evaluation: `frames` are input frames per line, which the network's time stride
    `stride` turns into output frames (see ctc_loss_per_line)."""
    from keras import ops
    losses = ctc_loss_per_line(labels, label_lengths, logits, output_lengths(frames, stride))
    return losses, ops.softmax(logits)
