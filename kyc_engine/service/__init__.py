"""The HTTP API (FastAPI, versioned under /v1). Build with :func:`kyc_engine.service.app.create_app`."""
