"""Demos: a Tk window to write in (draw.py) and the pieces it is made of (ink.py)."""
