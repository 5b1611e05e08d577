"""The reviewer console: server-rendered pages under ``/review`` for people who work the review queue.

Modules: ``passwords`` (scrypt hashes), ``sessions`` (accounts, server-side sessions, CSRF), ``queries``
(queue, case and timeline reads), ``evidence`` (image crops from the encrypted blob store), ``view``
(the case page's view model built from the stored report), ``routes`` (the FastAPI router) and
``commands`` (``kyc reviewer create``). Importing this package imports nothing heavy: the CLI loads
``commands`` without FastAPI.
"""
