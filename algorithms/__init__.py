"""Decoders (best path, token passing) and error rates for CTC outputs."""
