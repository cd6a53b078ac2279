"""The network: stacked bidirectional LSTMs and a softmax over the characters plus blank.

Input: a batch of feature sequences (B, T, F), padded on the right with zeros; a Masking
layer turns the padding into a mask, so padding never changes a result (and the mask is
right-padded, as cuDNN requires). Output: per-frame class probabilities (B, T, C), class 0
the CTC blank.
"""
import keras
from keras import layers

PAD_VALUE = 0.0  # padded frames are all zeros; real frames never are (see data.preprocessing)


def build_model(num_features, num_classes, num_layers=2, units=128, dropout=0.0,
                use_cudnn='auto', name='bilstm_ctc'):
    """use_cudnn: True insists on cuDNN (fails without a GPU), False never uses it, 'auto'
    uses it when one is there. Weights are the same either way."""
    if num_layers < 1 or units < 1:
        raise ValueError(f'need at least one layer and one unit, got {num_layers} x {units}')
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f'dropout must be in [0, 1), got {dropout}')
    features = keras.Input(shape=(None, num_features), name='features')
    x = layers.Masking(mask_value=PAD_VALUE, name='mask')(features)
    for i in range(num_layers):
        lstm = layers.LSTM(units, return_sequences=True, use_cudnn=use_cudnn, name=f'lstm_{i}')
        x = layers.Bidirectional(lstm, name=f'bilstm_{i}')(x)
        if dropout:
            x = layers.Dropout(dropout, name=f'dropout_{i}')(x)
    probabilities = layers.Dense(num_classes, activation='softmax', name='probabilities')(x)
    return keras.Model(features, probabilities, name=name)
