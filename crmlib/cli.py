"""The ``crmlib`` command: ``crmlib report`` runs every notebook on your data.

::

    crmlib report [TRANSACTIONS] --customer COL --date COL
                  (--amount COL | --quantity COL --price COL)
                  [--order COL] [--item COL] [--currency GBP] [--date-format FMT]
                  [--dayfirst] [--decimal ,]
                  [--survey FILE --outcome COL (--score COL | --items COL ...)]
                  [--kano FILE] [--complaints FILE] [--profiles N]
                  [--lang en|zh] [--small] [--data-dir DIR] [--only NB ...] --out DIR

Without TRANSACTIONS it runs on the default data (Online Retail from the data directory
when present, else CDNOW). The data is validated first and its accounting printed; bad
input ends with exit code 2 and the :class:`~crmlib.exceptions.DataValidationError`
message on stderr. Then each notebook runs (one progress line each), and
``DIR/index.html`` gathers the accounting, the key numbers, every chart with its takeaway
and links to the notebooks, figures and tables (``DIR/tables.xlsx`` holds every table);
``DIR/profiles.html`` shows the 360° view of the top key customers
(:func:`crmlib.profile.customer_profile`).
Exit code 0 when every notebook ran, 1 when one failed. ``python -m crmlib`` is the same
command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_NOTEBOOK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``crmlib`` (sub-command ``report``)."""
    parser = argparse.ArgumentParser(prog="crmlib", description="crmlib command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rep = sub.add_parser(
        "report",
        help="validate a transaction log and run every notebook on it into one report",
        description="Validate the data, run the notebooks on it and write DIR/index.html.",
        epilog="Example: crmlib report orders.csv --customer CustomerID --date InvoiceDate "
        "--quantity Quantity --price UnitPrice --order InvoiceNo --currency GBP --out report",
    )
    rep.add_argument("transactions", nargs="?", metavar="TRANSACTIONS",
                     help="your transaction log (.csv or .parquet); omit for the default data")
    cols = rep.add_argument_group("columns of TRANSACTIONS")
    cols.add_argument("--customer", metavar="COL", help="customer id column")
    cols.add_argument("--date", metavar="COL", help="transaction date column")
    cols.add_argument("--amount", metavar="COL", help="line value column")
    cols.add_argument("--quantity", metavar="COL", help="units column (with --price)")
    cols.add_argument("--price", metavar="COL", help="unit price column (with --quantity)")
    cols.add_argument("--order", metavar="COL", help="order or invoice id column")
    cols.add_argument("--item", metavar="COL",
                      help="product column (code or description); with --order it enables the basket analysis")
    cols.add_argument("--currency", help="currency label for charts: ISO code or symbol (GBP, $)")
    cols.add_argument("--date-format", metavar="FMT", help="strptime format of the dates, e.g. %%d/%%m/%%Y")
    cols.add_argument("--dayfirst", action="store_true", default=None,
                      help="read dd/mm/yyyy dates day first")
    cols.add_argument("--decimal", choices=[".", ","], metavar="MARK",
                      help='decimal mark of text amounts: "." or ","')
    survey = rep.add_argument_group("survey (notebook 04)")
    survey.add_argument("--survey", metavar="FILE", help="your survey file (.csv or .parquet)")
    survey.add_argument("--score", metavar="COL", help="overall satisfaction column")
    survey.add_argument("--outcome", metavar="COL", help="loyalty outcome column")
    survey.add_argument("--items", metavar="COL", nargs="+", help="rated item columns")
    other = rep.add_argument_group("other files")
    other.add_argument("--kano", metavar="FILE",
                       help="your Kano survey: '<feature> (functional)' / '<feature> (dysfunctional)' column pairs (notebook 04)")
    other.add_argument("--complaints", metavar="FILE", help="your complaints in the CFPB's CSV format (notebook 07)")
    run = rep.add_argument_group("run")
    run.add_argument("--lang", choices=["en", "zh"], default="en",
                     help="language of the index page and of each notebook's conclusion and action, which "
                          "lead the notebook's closing paragraph (both languages are always written there; the "
                          "analysis prose is English)")
    run.add_argument("--profiles", type=int, default=5, metavar="N",
                     help="360° profiles of the top N key customers in profiles.html (0: none; default 5)")
    run.add_argument("--small", action="store_true", help="small, fast settings (for a quick look)")
    run.add_argument("--data-dir", metavar="DIR", help="data directory (default: $CRMLIB_DATA or the cache)")
    run.add_argument("--only", nargs="+", metavar="NB", help="notebook names to run, e.g. 02_segment_customers")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder")
    return parser


def _columns(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict | None:
    """``read_transactions`` keyword arguments from the flags (None: the default data)."""
    flags = {k: getattr(args, k) for k in ("customer", "date", "amount", "quantity", "price", "order",
                                            "item", "date_format", "dayfirst", "decimal")}
    if args.transactions is None:
        given = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v is not None]
        if given:
            parser.error(f"{', '.join(given)} describe a TRANSACTIONS file, but none was given")
        return None
    if not args.customer or not args.date:
        parser.error("TRANSACTIONS needs --customer COL and --date COL")
    if args.amount and (args.quantity or args.price):
        parser.error("give either --amount, or --quantity and --price, not both")
    if not args.amount and not (args.quantity and args.price):
        parser.error("TRANSACTIONS needs --amount COL, or --quantity COL and --price COL")
    return {k: v for k, v in flags.items() if v is not None}


def _survey_columns(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict | None:
    if args.survey is None:
        if args.score or args.outcome or args.items:
            parser.error("--score, --outcome and --items describe a --survey FILE, but none was given")
        return None
    if not args.outcome or not (args.score or args.items):
        parser.error("--survey needs --outcome COL and --score COL (or --items COL ...)")
    return {"score": args.score, "outcome": args.outcome, "items": list(args.items or [])}


def _validate(args, columns: dict | None, survey_columns: dict | None):
    """Read and validate the data as the notebooks will; return (log, data label, accounting)."""
    from crmlib.datasets import load_default_transactions

    log = load_default_transactions(
        args.data_dir,
        transactions=None if args.transactions is None else Path(args.transactions),
        columns=columns,
        currency=args.currency,
    )
    accounting = str(log.report)
    if survey_columns is not None:
        from crmlib.satisfaction.survey import read_survey

        survey, cols = read_survey(args.survey, survey_columns)
        named = ", ".join(c for c in [cols.get("score"), cols["outcome"], *cols["items"]] if c)
        accounting += f"\nSurvey: {len(survey):,} respondents in {Path(args.survey).name} (columns {named})"
    if args.kano is not None:
        from crmlib.satisfaction.kano import read_kano_survey

        kano = read_kano_survey(args.kano)
        accounting += (f"\nKano survey ({Path(args.kano).name}): {len(kano.features)} features, up to "
                       f"{int(kano.table['n'].max()):,} answer pairs each")
    if args.complaints is not None:
        from crmlib.complaints import read_complaints

        complaints = read_complaints(args.complaints)
        accounting += f"\nComplaints ({Path(args.complaints).name}):\n{complaints.report}"
    return log, log.label, accounting


def report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``crmlib report``: validate, run the notebooks, write the index page."""
    from crmlib.exceptions import ConvergenceError, DataValidationError
    from crmlib.reports import notebooks, notebooks_to_skip, run_all

    known = [nb.stem for nb in notebooks()]
    unknown = [name for name in args.only or [] if name not in known]
    if unknown:  # before the data is read: that can take a while
        parser.error(f"--only: no notebook named {', '.join(unknown)}; choose among {', '.join(known)}")
    if args.profiles < 0:
        parser.error("--profiles N: N must be 0 (no profiles) or more")
    for name in ("transactions", "survey", "kano", "complaints", "data_dir", "out"):
        if getattr(args, name) is not None:
            setattr(args, name, str(Path(getattr(args, name)).expanduser()))
    columns = _columns(args, parser)
    survey_columns = _survey_columns(args, parser)
    try:
        log, label, accounting = _validate(args, columns, survey_columns)
    except DataValidationError as err:
        # the suggestion names read_transactions' keywords; say which flags they are
        hint = ("\nOn the command line, read_transactions' arguments are flags: customer= is --customer, "
                "date_format= is --date-format, dayfirst=True is --dayfirst, decimal=',' is --decimal ,"
                if "read_transactions" in str(err) else "")
        print(f"crmlib report: the data was refused.\nDataValidationError: {err}{hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # a file that cannot be opened at all
        print(f"crmlib report: cannot read {err.filename or err}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Data: {label}")
    print(accounting, flush=True)

    out = Path(args.out).resolve()
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir else None
    parameters = {
        "DATA_DIR": data_dir,
        "SMALL": bool(args.small),
        "TRANSACTIONS": None if args.transactions is None else str(Path(args.transactions).resolve()),
        "COLUMNS": columns,
        "CURRENCY": args.currency,
        "ITEM": args.item,
        "SURVEY": None if args.survey is None else str(Path(args.survey).resolve()),
        "SURVEY_COLUMNS": survey_columns,
        "KANO": None if args.kano is None else str(Path(args.kano).resolve()),
        "COMPLAINTS": None if args.complaints is None else str(Path(args.complaints).resolve()),
        "LANG": args.lang,
    }
    if data_dir is None:
        # None would hide a DATA_DIR the notebook sets itself; pass only what was chosen
        parameters.pop("DATA_DIR")
    # the item column travels in COLUMNS (read_transactions' item=); ITEM is passed to the
    # notebooks that declare it but is no reason to note that the others do not
    user_set = [k for k in ("TRANSACTIONS", "SURVEY", "CURRENCY", "KANO", "COMPLAINTS") if parameters[k] is not None]
    user_set += ["COLUMNS"] * (columns is not None) + ["SURVEY_COLUMNS"] * (survey_columns is not None)
    user_set += ["LANG"] * (args.lang != "en")
    runs = run_all(out, only=args.only, parameters=parameters, user_set=user_set,
                   skip=notebooks_to_skip(columns))

    from crmlib.report_page import write_index, write_profiles, write_workbook

    workbook = write_workbook(out, runs)
    profiles = None
    if args.profiles:
        print("[profiles] 360° view of the top key customers ...", end=" ", flush=True)
        try:
            from crmlib.profile import build_book

            tx = log.transactions
            suggestions = None
            if {"order_id", "item"} <= set(tx.columns) and tx["order_id"].notna().any():
                # next-product suggestions on the profiles, from rules mined on the whole log
                from crmlib.basket import basket_matrix, mine_rules, next_products, prune_redundant

                rules = prune_redundant(mine_rules(basket_matrix(tx, min_support=0.01), min_support=0.01,
                                                   min_confidence=0.5))
                suggestions = next_products(rules, tx, n_top=3) if len(rules) else None
            book = build_book(tx, currency=log.currency, next_products=suggestions)
            profiles = write_profiles(out, book, n=args.profiles, data_label=label, lang=args.lang)
            print(f"{min(args.profiles, int((book.tiers['tier'].astype(str) == 'key').sum()))} profiles", flush=True)
        except (DataValidationError, ConvergenceError) as err:  # e.g. a log too short for a churn model
            print(f"skipped: {str(err).splitlines()[0]}", flush=True)
    index = write_index(out, runs, data_label=label, accounting=accounting, workbook=workbook,
                        profiles=profiles, lang=args.lang)
    failed = [r.notebook.stem for r in runs if not r.ok]
    print(f"\nReport: {index}")
    print(f"Tables: {workbook}")
    if profiles:
        print(f"Profiles: {profiles}")
    if failed:
        print(f"crmlib report: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_NOTEBOOK_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmlib`` console script and of ``python -m crmlib``."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command == "report":
        sub = parser._subparsers._group_actions[0].choices["report"]  # for parser.error's usage line
        return report(args, sub)
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first
    return EXIT_BAD_INPUT  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
