"""The local recognition service that serve.py runs: ink in over HTTP, text out.

    app       the WSGI application (Service): routes, limits, parsing, RequestError;
              listen() puts it under waitress on 127.0.0.1
    batcher   Batcher: the queue whose requests are recognized together, one network call;
              Lanes: long lines in a queue of their own
    deadline_server  waitress's server with a deadline for a request to arrive whole
"""
