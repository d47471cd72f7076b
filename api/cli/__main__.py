"""``python -m api.cli ...``: the ``waterops`` command."""

from api.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
