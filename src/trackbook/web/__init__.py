"""The ASGI application: MLflow REST API, artifact proxy and web UI."""
