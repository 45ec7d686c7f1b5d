"""Step 7 of a run: the report's ``manifest.json``.

Inputs with their sha256, the scheme, the notebook, the parameters, the backend, the seed,
package versions, timings, the cells neutralised per table and every output with its sha256:
what ``evalstats verify`` (:mod:`evalstats.run.verify`) checks a report against.  The file is
written by :func:`evalstats.run.publish.write_manifest`, shared with ``evalstats letters``.

Examples
--------
>>> path = write_run_manifest(plan, staging, token="t0", params=plan.params,  # doctest: +SKIP
...     before=before, started=started, timings={}, neutralised=None)
>>> path.name  # doctest: +SKIP
'manifest.json'
"""

from __future__ import annotations

from pathlib import Path

from evalstats.core.files import relative, sha256_file
from evalstats.run.publish import (
    MANIFEST_VERSION,
    local_now,
    output_entries,
    package_versions,
    write_manifest,
)
from evalstats.run.runner.plan import RunPlan
from evalstats.run.runner.render import SUMMARY_NEUTRALISED

__all__ = ["write_run_manifest"]


def write_run_manifest(
    plan: RunPlan,
    staging: Path,
    *,
    token: str,
    params: dict,
    before: dict,
    started,
    timings: dict,
    neutralised: dict | None,
    identifiers: dict | None = None,
    key=None,
) -> Path:
    """Step 7: ``manifest.json`` — inputs, scheme, parameters, versions, timings, outputs.

    Paths of data inputs are relative to ``data_dir``, the scheme file's is absolute, the
    notebook's as :meth:`~evalstats.run.runner.folders.Notebook.recorded` says (with its
    ``source``: ``file``, ``project`` or ``package``), the outputs' relative to the report
    folder: :func:`evalstats.run.verify.verify_report` reads them so.
    ``neutralised_cells`` is the notebook's count of neutralised text cells per table (None
    when it did not report one).

    Parameters
    ----------
    plan : RunPlan
    staging : Path
        The staging folder, whose files are listed as the outputs.
    token : str
        The run's id (its staging folder's token).
    params : dict
        The parameters the notebook ran with.
    before : dict
        Input file → (sha256, size), as hashed before validation.
    started : datetime
        When the run started (local time).
    timings : dict
        Step → seconds.
    neutralised : dict or None
        Table → text cells neutralised (``summary.json``).
    identifiers : dict, optional
        Cycle → the respondent-identifier summary of its validation.
    key : SigningKey, optional
        The signing key (:mod:`evalstats.run.signing`): the manifest is signed with it.

    Returns
    -------
    Path
        The ``manifest.json`` written.
    """
    scheme = plan.scheme
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": token,
        "analysis": plan.analysis,
        "cycle": plan.cycle,
        "cycles": list(plan.cycles),
        "run": {"started": started.isoformat(), "finished": local_now().isoformat()},
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "project_root": str(plan.root),
        "data_dir": str(plan.data_dir),
        "inputs": [
            {
                "path": str(p) if p == plan.scheme_file else relative(p, plan.data_dir),
                "role": "scheme" if p == plan.scheme_file else "data",
                "sha256": sha,
                "size": size,
            }
            for p, (sha, size) in before.items()
        ],
        "scheme": {
            "name": scheme.name,
            "version": scheme.version,
            "source": scheme.source,
            "sha256": scheme.sha256,
        },
        "notebook": {
            "path": plan.notebook_recorded,
            "source": plan.notebook_source,
            "sha256": sha256_file(plan.notebook),
        },
        "parameters": {k: params[k] for k in sorted(params)},
        "backend": {"name": plan.backend, **dict(plan.backend_options)},
        "seed": plan.seed,
        "language": plan.lang,
        "versions": package_versions(),
        SUMMARY_NEUTRALISED: neutralised,
        "respondent_identifiers": identifiers,
        "outputs": output_entries(staging),
    }
    return write_manifest(manifest, staging, out=plan.out, shown_out=plan.shown_out, key=key)
