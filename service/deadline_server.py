"""waitress's HTTP server with a deadline for a request to arrive whole.

waitress reads a request completely before a worker thread sees it, caps bodies, limits
connections (connection_limit) and closes connections idle for channel_timeout seconds.
But a client that sends a byte a second is never idle: a hundred of them used to fill
the default limit of 100 connections and keep every other client out for as long as they
liked. Here each connection whose request has not arrived whole `request_deadline`
seconds after the server first saw it partial is closed, checked once every
cleanup_interval seconds (the serve.py setting is 1) on waitress's own I/O thread.
"""
from waitress.server import TcpWSGIServer


class DeadlineServer(TcpWSGIServer):
    """TcpWSGIServer(application, request_deadline=SECONDS, **waitress adjustments)."""

    def __init__(self, application, request_deadline, **adjustments):
        self.request_deadline = request_deadline
        super().__init__(application, **adjustments)

    def maintenance(self, now):
        """waitress's (closes idle connections), then: close connections whose request
        has been arriving for longer than the deadline. A request being answered
        (channel.requests) is the worker's; the one being received is channel.request."""
        super().maintenance(now)
        for channel in list(self.active_channels.values()):
            partial = channel.request
            if partial is None or channel.requests:
                continue
            if getattr(channel, 'partial_request', None) is not partial:
                channel.partial_request, channel.partial_since = partial, now
            elif now - channel.partial_since > self.request_deadline:
                channel.will_close = True
