"""``evalstats init [DIR] [--demo]``: a working folder for an office.

Makes, inside ``DIR`` (default: the current folder)::

    data/raw/          one folder per cycle, as the offices send it (never written to)
    reports/           published reports (``evalstats run`` / ``letters``)
    notebooks/         the analysis notebooks, to open and edit in JupyterLab
    scheme.toml        the scheme in effect for this folder, a copy of the bundled one to edit
    使用说明.md         what to do next, in Chinese
    README.md          the same in English

With ``demo=True`` the demo town's cycles ``2026H1`` and ``2026A`` go into ``data/raw/``.
Nothing that exists is overwritten: running it again adds only what is missing, and says so.

The project's ``notebooks/`` and ``scheme.toml`` are then the ones every command uses in that
folder (:func:`evalstats.run.runner.find_notebook`,
:func:`evalstats.core.scheme.project_scheme_path`); delete a notebook there to use the
packaged one again.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     made = init_project(d)
...     sorted(p.name for p in made.written)[:3]
['README.md', 'annual.ipynb', 'half_year.ipynb']
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from evalstats.core.errors import UsageError
from evalstats.core.files import check_output_folder

__all__ = ["InitResult", "add_init_parser", "cmd_init", "init_project"]

GUIDE_ZH = """\
# 政风行风测评 工作文件夹

本文件夹由 `evalstats init` 生成。

## 文件夹

- `data/raw/<测评期>/`：每期测评一个文件夹，例如 `2026H1`（上半年）、`2026A`（年度）。放入
  `responses.xlsx`（测评表录入）、`units.csv`（被评单位），可选 `forms_issued.csv`（发放数）、
  `incidents.csv`（一票否决事项）、`exclusions.csv`（作废问卷）。程序只读不写这些文件。
- `reports/`：正式报告（由 `evalstats run`、`evalstats letters` 生成，带校验清单）。
- `reports/_lab/`：在 JupyterLab 中手动运行笔记本的结果，不是正式报告。
- `notebooks/`：分析笔记本，可在 JupyterLab 中打开修改；本文件夹的命令优先使用这里的笔记本
  （删除某个笔记本即改用软件自带的版本）。
- `scheme.toml`：本单位的测评方案（等级分值、评议人权重、等次、否决规则等），可按本地规定修改；
  本文件夹中的所有命令都使用它。

## 常用命令（在本文件夹中运行）

```
evalstats template --cycle 2026H1            # 生成录入模板
evalstats validate data/raw/2026H1           # 检查数据，逐条列出问题
evalstats run half-year --cycle 2026H1       # 上半年测评分析报告
evalstats run annual --cycle 2026A           # 年度测评分析报告（合并上半年）
evalstats letters --cycle 2026A              # 各单位反馈函
evalstats verify reports/2026A/annual        # 核对报告是否被改动
```

命令中的相对路径以本文件夹（含 `data/` 的文件夹）为起点。

## 在 JupyterLab 中查看

先安装 `pip install "evalstats[lab]"`，再在本文件夹运行 `jupyter lab`，
打开 `notebooks/` 中的笔记本。
"""

GUIDE_EN = """\
# Conduct-evaluation working folder

Made by `evalstats init`.

- `data/raw/<cycle>/`: one folder per cycle (`2026H1` half-year, `2026A` annual) holding
  `responses.xlsx`, `units.csv` and optionally `forms_issued.csv`, `incidents.csv`,
  `exclusions.csv`. evalstats only reads them.
- `reports/`: published reports (`evalstats run`, `evalstats letters`), with their manifests.
- `reports/_lab/`: what notebooks run by hand in JupyterLab write; never a published report.
- `notebooks/`: the analysis notebooks to open and edit; commands run in this folder use them
  (delete one to use the packaged notebook again).
- `scheme.toml`: this office's scheme (points, weights, grades, veto rules); every command in
  this folder uses it.

Commands, run in this folder:

```
evalstats template --cycle 2026H1
evalstats validate data/raw/2026H1
evalstats run half-year --cycle 2026H1
evalstats run annual --cycle 2026A
evalstats letters --cycle 2026A
evalstats verify reports/2026A/annual
```

Relative paths start from this folder (the folder holding `data/`). JupyterLab:
`pip install "evalstats[lab]"`, then `jupyter lab` here.
"""


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_project` made (``written``) and found already there (``kept``)."""

    root: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]
    demo: tuple[Path, ...] = ()


def init_project(folder=".", *, demo: bool = False, seed: int = 2026) -> InitResult:
    """Make a working folder for an office in ``folder`` (created if needed).

    Parameters
    ----------
    folder : str or Path, default "."
        The folder to make; relative to the current folder.
    demo : bool, default False
        Also write the demo cycles into ``data/raw/`` (a cycle folder already there is kept).
    seed : int, default 2026
        Seed of the demo data.

    Returns
    -------
    InitResult

    Raises
    ------
    UsageError
        ``folder`` is a file, a filesystem root or the home folder itself
        (:func:`evalstats.core.files.check_output_folder`), or cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     again = (init_project(d), init_project(d))[1]
    ...     again.written
    ()
    """
    from evalstats.core.config import PROJECT_SCHEME
    from evalstats.core.resources import default_scheme_path, packaged_notebook

    if not isinstance(demo, bool):
        raise TypeError(f"demo must be True or False; got {demo!r}")
    root = Path(folder).expanduser().resolve()
    check_output_folder(root, shown=str(folder), option="init")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{folder}: exists and is not a folder")
    try:
        for sub in ("data/raw", "reports", "notebooks"):
            (root / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    copies = {
        root / "notebooks" / packaged_notebook(j).name: packaged_notebook(j)
        for j in ("half-year", "annual", "profile")
    }
    copies[root / PROJECT_SCHEME] = default_scheme_path()
    texts = {root / "使用说明.md": GUIDE_ZH, root / "README.md": GUIDE_EN}
    written, kept = [], []
    for target, source in copies.items():
        if target.exists():
            kept.append(target)
        else:
            shutil.copyfile(source, target)
            written.append(target)
    for target, text in texts.items():
        if target.exists():
            kept.append(target)
        else:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    cycles: list[Path] = []
    if demo:
        from evalstats.inputs.demo import write_demo

        cycles = write_demo(data_dir=root / "data" / "raw", seed=seed, if_absent=True)
    return InitResult(root, tuple(written), tuple(kept), tuple(cycles))


def add_init_parser(subparsers, *, lang: str = "zh"):
    """Add the ``init`` subcommand to the subparsers of ``evalstats`` (help in ``lang``)."""
    from evalstats.run.console import add_console_options

    zh = lang == "zh"
    ip = subparsers.add_parser(
        "init",
        help="建立本单位的工作文件夹（data/raw、reports、notebooks、scheme.toml）"
        if zh
        else "make a working folder for an office (data/raw, reports, notebooks, scheme.toml)",
        description="建立工作文件夹：data/raw/（各期数据）、reports/（报告）、notebooks/（供 "
        "JupyterLab 打开的笔记本副本）、scheme.toml（测评方案副本，可修改；本文件夹中的命令都"
        "使用它）和 使用说明.md。已有的文件不会被覆盖。"
        if zh
        else "Make a working folder: data/raw/ (cycle folders), reports/, notebooks/ "
        "(copies to open in JupyterLab), scheme.toml (a copy of the bundled scheme to edit; "
        "every command run in the folder uses it) and 使用说明.md.  Existing files are kept.",
    )
    ip.add_argument(
        "folder", nargs="?", default=".", help="文件夹（默认：当前）" if zh else "the folder"
    )
    ip.add_argument(
        "--demo", action="store_true", help="同时写出演示数据" if zh else "also write the demo"
    )
    ip.add_argument("--seed", type=int, default=2026, help="演示数据的随机种子" if zh else "seed")
    add_console_options(ip, lang=lang)
    return ip


def cmd_init(args) -> int:
    """``evalstats init``: make the folder and say what was made and what was kept."""
    from evalstats.run.console import lang_of, pick

    lang = lang_of(args)
    made = init_project(args.folder, demo=args.demo, seed=args.seed)
    rel = lambda p: p.relative_to(made.root).as_posix()  # noqa: E731
    for p in made.written:
        print(pick(lang, f"已写出 {rel(p)}", f"wrote {rel(p)}"))
    for p in made.demo:
        print(pick(lang, f"已写出 {rel(p)}/（演示数据）", f"wrote {rel(p)}/ (demo cycle)"))
    if made.kept:
        names = ", ".join(rel(p) for p in made.kept)
        print(pick(lang, f"已有，未改动：{names}", f"kept (already there): {names}"))
    print(pick(lang, f"工作文件夹：{made.root}", f"working folder: {made.root}"))
    if args.folder not in (".", ""):
        print(pick(lang, f"下一步：cd {args.folder}", f"next: cd {args.folder}"))
    return 0
