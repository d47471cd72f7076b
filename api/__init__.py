"""Interfaces: command line, and later the FastAPI service and the dispatcher's console."""
