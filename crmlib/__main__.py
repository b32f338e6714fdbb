"""``python -m crmlib report ...``: the same as the ``crmlib`` console script."""

from crmlib.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
