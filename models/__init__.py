"""The BiLSTM-CTC network, its self-contained model folder, training and recognition."""
