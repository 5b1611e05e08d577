"""The queue worker: rq jobs carry verification ids only; the Engine is built once at worker start."""
