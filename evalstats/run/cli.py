"""The ``evalstats`` command line.

Exit codes: 0 success (warnings allowed), 1 invalid input data, 2 usage or configuration error,
3 an unexpected internal error (a bug: please report it with ``--debug`` output).
Bad data never produces a Python traceback; ``--debug`` shows one for internal errors.
"""

from __future__ import annotations

import argparse
import sys

from evalstats.core.errors import EvalstatsError, InputError, SchemeError, UsageError
from evalstats.core.version import __version__
from evalstats.core.vocab import LANGS, TIERS

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``evalstats`` argument parser; building it imports no pandas, scipy or matplotlib.

    Examples
    --------
    >>> build_parser().parse_args(["scheme", "show"]).command
    'scheme'
    """
    p = argparse.ArgumentParser(
        prog="evalstats",
        description="Survey analysis for government-conduct evaluations (政风行风测评).",
    )
    p.add_argument("--version", action="version", version=f"evalstats {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    # scheme
    sp = sub.add_parser("scheme", help="show the evaluation scheme in effect")
    ssub = sp.add_subparsers(dest="scheme_command", metavar="ACTION")
    show = ssub.add_parser("show", help="print the scheme in effect")
    show.add_argument("--scheme", metavar="FILE", help="a scheme TOML file (default: bundled)")
    show.add_argument("--lang", choices=LANGS, default="zh", help="label language")
    show.add_argument("--toml", action="store_true", help="print the scheme file itself")

    # validate
    vp = sub.add_parser(
        "validate",
        help="read and validate a cycle folder or one responses file",
        description="Validate a cycle folder (data/raw/<cycle>/) or one responses file. Prints "
        "one line per problem, file:row:column: reason (value), then a summary. Exit 0 when "
        "clean (warnings allowed), 1 for invalid data, 2 for a usage error.",
    )
    vp.add_argument("path", help="cycle folder or responses file")
    vp.add_argument("--scheme", metavar="FILE", help="a scheme TOML file (default: bundled)")
    vp.add_argument("--cycle", help="cycle id (default: the folder name)")
    vp.add_argument(
        "--interim",
        metavar="DIR",
        help="where to write the validated tables (default: data/interim/<cycle>/)",
    )
    vp.add_argument("--no-write", action="store_true", help="check only; write nothing")
    vp.add_argument(
        "--key-file",
        metavar="FILE",
        help="pseudonym key file for respondent names/phones, kept outside the project "
        "(default: $EVALSTATS_PSEUDONYM_KEY or $EVALSTATS_PSEUDONYM_KEY_FILE)",
    )

    # demo
    dp = sub.add_parser(
        "demo",
        help="write the demo data (or a large synthetic cycle for benchmarks)",
        description="Write cycle folders into the data root --out (the folder holding cycle "
        "folders; default data/raw): without --forms the demo town's cycles <out>/2026H1 and "
        "<out>/2026A; with --forms N one large synthetic cycle <out>/<--cycle>.",
    )
    dp.add_argument(
        "--out", metavar="DIR", help="the data root: the folder of cycle folders (default data/raw)"
    )
    dp.add_argument("--forms", type=_positive_int, metavar="N", help="write N synthetic forms")
    dp.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    dp.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    dp.add_argument("--cycle", default="2026L", help="cycle id of a large cycle (default 2026L)")
    dp.add_argument("--if-absent", action="store_true", help="leave existing cycle folders alone")
    dp.add_argument("--overwrite", action="store_true", help="replace existing demo folders")
    dp.add_argument(
        "--with-identifiers",
        action="store_true",
        help="add respondent name and phone columns to the demo (to try pseudonyms)",
    )

    # template
    tp = sub.add_parser("template", help="write the XLSX entry template for office staff")
    tp.add_argument("--cycle", required=True, help="cycle id, e.g. 2026H1")
    tp.add_argument(
        "--table",
        choices=("responses", "forms_issued", "incidents", "exclusions"),
        default="responses",
        help="the input table (default responses); one workbook per table",
    )
    tp.add_argument(
        "--out",
        metavar="FILE",
        help="output .xlsx (default: <cycle>_录入模板.xlsx; other tables "
        "<cycle>_发放数|一票否决事项|作废问卷_录入模板.xlsx)",
    )
    tp.add_argument("--scheme", metavar="FILE", help="a scheme TOML file (default: bundled)")
    tp.add_argument(
        "--units", metavar="FILE", help="units file (default: data/raw/<cycle>/units.*)"
    )
    from evalstats.run.init import add_init_parser
    from evalstats.run.runner import add_run_parser

    add_init_parser(sub)
    add_run_parser(sub)
    add_letters_parser(sub)
    from evalstats.run.verify import add_verify_parser

    add_verify_parser(sub)
    return p


def add_letters_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``letters`` subcommand (:mod:`evalstats.run.letters`) to the subparsers."""
    lp = subparsers.add_parser(
        "letters",
        help="write a feedback letter (反馈函) per unit: HTML and Word, with an index",
        description="Execute notebooks/unit_profile.ipynb for every unit of a cycle (or the "
        "units given) and publish <out>/<cycle>/letters/: <name>.html (no code, A4 print "
        "stylesheet) and <name>.docx named by the unit's name, index.html, letters.csv and "
        "manifest.json; the previous letters are "
        "kept as letters.previous-<run time>.  One unit failing does not stop the others.  "
        "Exit 0 done, 1 invalid data, 2 usage error, 3 a unit's letter failed (the others "
        "are published; the failed notebooks are kept under <out>/_failed/).",
    )
    lp.add_argument("--cycle", help="cycle id, e.g. 2026A (default: the --data cycle folder)")
    lp.add_argument(
        "--units", metavar="U1,U2,…", help="unit codes, comma-separated (default: every unit)"
    )
    lp.add_argument(
        "--data",
        metavar="DIR",
        help="folder of cycle folders (default data/raw), or a cycle folder",
    )
    lp.add_argument("--scheme", metavar="FILE", help="a scheme TOML file (default: bundled)")
    lp.add_argument("--out", metavar="DIR", help="reports folder (default reports)")
    lp.add_argument("--lang", choices=LANGS, default="zh", help="letter language (default zh)")
    lp.add_argument(
        "--tier",
        choices=TIERS,
        default="internal",
        help="internal (everything, default) or public (small cells and the supervisor "
        "breakdown withheld)",
    )
    lp.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the letters' date (default: the scheme's [letters] date, else today); the reply "
        "deadline follows from it",
    )
    lp.add_argument(
        "--jobs", type=int, metavar="N", help="kernels in parallel (default: the cores)"
    )
    lp.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a notebook parameter (previous_cycle, seed, n_resamples, confidence_level)",
    )
    lp.add_argument("--notebook", metavar="FILE", help="use another profile notebook")
    lp.add_argument("--no-progress", action="store_true", help="no progress bar")
    return lp


# ---------------------------------------------------------------------- commands
def cmd_scheme(args) -> int:
    from evalstats.core.scheme import load_scheme

    if args.scheme_command != "show":
        raise UsageError("say 'evalstats scheme show'")
    scheme = load_scheme(args.scheme)
    if args.toml:
        from evalstats.core.config import resolve_path
        from evalstats.core.scheme import default_scheme_path

        path = resolve_path(args.scheme) if args.scheme else default_scheme_path()
        print(path.read_text(encoding="utf-8-sig"), end="")
    else:
        print(scheme.describe(lang=args.lang))
    return EXIT_OK


def cmd_validate(args) -> int:
    from evalstats.core.config import resolve_path
    from evalstats.core.scheme import load_scheme
    from evalstats.inputs.interim import write_interim
    from evalstats.inputs.validate import format_problems, format_summary, validate_cycle

    scheme = load_scheme(args.scheme)
    path = resolve_path(args.path)
    if not path.exists():
        raise UsageError(f"{args.path}: no such file or folder")
    validated = validate_cycle(
        args.path,
        scheme=scheme,
        cycle=args.cycle,
        raise_on_error=False,
        key_file=args.key_file,
    )
    for line in format_problems(validated.problems):
        print(line)
    print(format_summary(validated))
    if not validated.ok:
        print("invalid: fix the errors above; nothing was written.")
        return EXIT_INVALID
    if not args.no_write:
        out = write_interim(validated, resolve_path(args.interim) if args.interim else None)
        print(f"validated tables written to {out}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from evalstats.core.config import raw_dir, resolve_path

    data_root = resolve_path(args.out) if args.out else raw_dir()
    if args.forms is not None:
        from evalstats.inputs.demo import write_large

        path = write_large(
            data_root / args.cycle,
            forms=args.forms,
            fmt=args.fmt,
            seed=args.seed,
            cycle=args.cycle,
            overwrite=args.overwrite,
        )
        print(f"wrote {args.forms:,} forms ({args.fmt}) to {path}")
        return EXIT_OK
    from evalstats.inputs.demo import write_demo

    written = write_demo(
        data_dir=data_root,
        seed=args.seed,
        if_absent=args.if_absent,
        overwrite=args.overwrite,
        with_identifiers=args.with_identifiers,
    )
    if written:
        for p in written:
            print(f"wrote {p}")
    else:
        print(f"demo data already present under {data_root}; left untouched")
    return EXIT_OK


def cmd_template(args) -> int:
    from evalstats.core.config import resolve_path
    from evalstats.core.scheme import load_scheme
    from evalstats.inputs.template import default_template_name, write_template

    scheme = load_scheme(args.scheme)
    out = resolve_path(args.out or default_template_name(args.cycle, args.table))
    units = resolve_path(args.units) if args.units else None
    path = write_template(out, cycle=args.cycle, table=args.table, scheme=scheme, units=units)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_run(args) -> int:
    from evalstats.run.runner import cmd_run as run

    return run(args)


def cmd_verify(args) -> int:
    from evalstats.run.verify import cmd_verify as verify

    return verify(args)


def cmd_init(args) -> int:
    from evalstats.run.init import cmd_init as init

    return init(args)


def cmd_letters(args) -> int:
    from evalstats.run.letters import cmd_letters as letters

    return letters(args)


COMMANDS = {
    "init": cmd_init,
    "run": cmd_run,
    "letters": cmd_letters,
    "verify": cmd_verify,
    "scheme": cmd_scheme,
    "validate": cmd_validate,
    "demo": cmd_demo,
    "template": cmd_template,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``evalstats`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "scheme" and args.scheme_command is None:
        parser.parse_args(["scheme", "--help"])
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (SchemeError, UsageError) as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EvalstatsError as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (
        FileExistsError,
        FileNotFoundError,
        PermissionError,
        IsADirectoryError,
        NotADirectoryError,
    ) as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"evalstats: {name}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("evalstats: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"evalstats: internal error ({type(exc).__name__}: {exc}). "
            "This is a bug in evalstats; run again with --debug and report the output.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = [
    "COMMANDS",
    "add_letters_parser",
    "build_parser",
    "cmd_demo",
    "cmd_init",
    "cmd_letters",
    "cmd_run",
    "cmd_scheme",
    "cmd_template",
    "cmd_validate",
    "cmd_verify",
    "main",
]
