"""How deep an XML document's elements nest, found without recursion.

Python's expat refuses entity amplification and fetches no external entities, but it
builds a tree of any depth, and every reader that walks a tree by recursion (or looks at
each element's descendants) then fails or takes quadratic time on one crafted file.
The ink readers refuse documents nested deeper than MAX_DEPTH: real ink nests a handful
of levels (InkML's <ink><definitions><context><inkSource><traceFormat><channel>, or
IAM-OnDB's <WhiteboardCaptureSession><StrokeSet><Stroke><Point>).
"""
MAX_DEPTH = 100


def too_deep(root, limit=MAX_DEPTH):
    """(tag, depth) of the first element found deeper than `limit` (the root is depth 1),
    else None."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            return element.tag, depth
        stack.extend((child, depth + 1) for child in element)
    return None
