"""The methodologist's pages: the live rules and their reloads, measures and parameters in
readable form, the diff between two versions, the what-if of a draft, the reference books.

Views parse input, call the services of ``measures.catalogue`` and render; the rules served
are ``webapp.live``'s, hot-reloaded by the engine's watcher.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from engine import Month, RuleErrors, RuleSet
from engine.yamlload import MAX_FILE_BYTES
from measures import catalogue, drafts
from webapp.database import db
from webapp.database import engine as db_engine
from webapp.live import live_rules, ruleset
from webapp.security import actor_required, current_actor

bp = Blueprint("methodology", __name__, url_prefix="/methodology")

NEW_FILE = "__new__"
MAX_QUERY = 100


@bp.get("/")
@actor_required("rules.read")
def rules():  # type: ignore[no-untyped-def]
    overview = catalogue.rules_overview(live_rules())
    return render_template("methodology/rules.html", overview=overview, can_reload=current_actor().can("rules.whatif"))


@bp.get("/rules/status.json")
@actor_required("rules.read")
def rules_status():  # type: ignore[no-untyped-def]
    return jsonify(catalogue.rules_state(live_rules()))


@bp.post("/rules/reload")
@actor_required("rules.whatif")
def reload_now():  # type: ignore[no-untyped-def]
    live_rules().reload()
    return redirect(url_for("methodology.rules", _anchor="last-attempt"))


@bp.get("/measures")
@actor_required("rules.read")
def measures():  # type: ignore[no-untyped-def]
    live = ruleset()
    return render_template("methodology/measures.html", groups=catalogue.measure_catalogue(live), live=live)


@bp.get("/measures/<code>")
@actor_required("rules.read")
def measure(code: str):  # type: ignore[no-untyped-def]
    live = ruleset()
    return render_template("methodology/measure.html", m=catalogue.measure_view(live, code), live=live)


@bp.get("/parameters")
@actor_required("rules.read")
def parameters():  # type: ignore[no-untyped-def]
    live = ruleset()
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    return render_template(
        "methodology/parameters.html",
        query=query,
        parameters=catalogue.parameter_views(live, query),
        families=catalogue.parameter_families(live),
        total=len(live.params),
        live=live,
    )


@bp.get("/diff")
@actor_required("rules.read")
def diff():  # type: ignore[no-untyped-def]
    live = ruleset()
    session = db()
    choices = catalogue.version_choices(session, live)
    old = request.args.get("from", "").strip()
    new = request.args.get("to", "").strip()
    if not (old or new):  # by default: what the live version changed against the one before it
        new = live.version
        old = choices[1][0] if len(choices) > 1 else live.version
    result = catalogue.diff_versions(session, live, old, new)
    return render_template(
        "methodology/diff.html",
        choices=choices,
        old=old,
        new=new,
        result=result,
        live=live,
    )


def _whatif_input(live: RuleSet) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The what-if form as submitted (POST form, or GET query for a draft folder), and its problems."""
    values = request.form if request.method == "POST" else request.args
    form: dict[str, Any] = {
        "source": values.get("source", "folder"),
        "draft": values.get("draft", ""),
        "path": values.get("path", ""),
        "new_path": values.get("new_path", "").strip(),
        "period": values.get("period", "").strip(),
        "municipality": values.get("municipality", "").strip(),
        "format": values.get("format", "html"),
    }
    problems: list[tuple[str, str]] = []
    try:
        form["month"] = Month.parse(form["period"])
    except ValueError:
        problems.append(("period", "укажите месяц в виде ГГГГ-ММ, например 2026-03"))
    if form["source"] not in ("folder", "upload") or (form["source"] == "upload" and request.method != "POST"):
        problems.append(("source", "выберите, откуда взять проект правил"))
    elif form["source"] == "folder":
        if form["draft"] not in drafts.draft_folders(current_app.config.get("DRAFTS_DIR")):
            problems.append(("draft", "выберите папку проекта правил из списка"))
    else:
        form["target"] = form["new_path"] if form["path"] == NEW_FILE else form["path"]
        if not form["target"]:
            problems.append(("path", "выберите файл правил, который заменяет загруженный, или укажите путь нового"))
        elif problem := drafts.upload_path_problem(live, form["target"]):
            problems.append(("new_path" if form["path"] == NEW_FILE else "path", problem))
        upload = request.files.get("rule_file")
        form["data"] = upload.stream.read(MAX_FILE_BYTES + 1) if upload and upload.filename else b""
        if not form["data"]:
            problems.append(("rule_file", "выберите файл правил (.yaml)"))
    return form, problems


@bp.route("/whatif", methods=["GET", "POST"])
@actor_required("rules.whatif")
def whatif():  # type: ignore[no-untyped-def]
    actor = current_actor()
    live = ruleset()
    session = db()
    drafts_dir = current_app.config.get("DRAFTS_DIR")
    context: dict[str, Any] = {
        "folders": drafts.draft_folders(drafts_dir),
        "files": sorted(live.files),
        "municipalities": catalogue.municipality_choices(session, actor),
        "whole_region": actor.municipalities is None,
        "live": live,
        "new_file": NEW_FILE,
        "errors": [],
        "draft_errors": [],
        "result": None,
    }
    submitted = request.method == "POST" or "draft" in request.args
    if not submitted:
        context["form"] = {"source": "folder", "period": str(Month.of(date.today())), "municipality": ""}
        return render_template("methodology/whatif.html", **context)
    form, problems = _whatif_input(live)
    context["form"] = form
    municipality = form["municipality"] or None
    if municipality is not None and municipality not in dict(context["municipalities"]):
        problems.append(("municipality", "выберите муниципальное образование из списка"))
    elif municipality is None and not context["whole_region"]:
        problems.append(("municipality", "выберите муниципальное образование"))
    draft = None
    if not problems:
        try:
            if form["source"] == "folder":
                draft = drafts.draft_from_folder(drafts_dir, form["draft"])
            else:
                draft = drafts.draft_from_upload(live, form["target"], form["data"])
        except drafts.DraftError as exc:
            problems.extend(exc.problems)
        except RuleErrors as exc:
            context["draft_errors"] = drafts.build_errors(exc)
    if problems or draft is None:
        context["errors"] = problems
        return render_template("methodology/whatif.html", **context), 400
    try:  # commits what the request has done so far: no writers' turn is kept through the what-if
        report = drafts.run_whatif(
            session,
            db_engine(),
            actor,
            live,
            draft,
            form["month"],
            municipality,
            current_app.config.get("WHATIF_PER_USER", 1),
            explain_limit=200,
        )
    except drafts.WhatIfBusyError as exc:
        abort(429, description=str(exc))
    names = catalogue.municipality_names(session)
    if form["format"] == "csv":
        body = "\ufeff" + drafts.changes_csv(drafts.change_rows(report, live, draft, names))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="whatif-{report.period}.csv"'},
        )
    context["result"] = drafts.whatif_view(report, live, draft, names)
    context["draft"] = draft
    if form["source"] == "folder":
        context["csv_url"] = url_for(
            "methodology.whatif",
            source="folder",
            draft=form["draft"],
            period=form["period"],
            municipality=form["municipality"],
            format="csv",
        )
    return render_template("methodology/whatif.html", **context)


@bp.get("/reference")
@actor_required("reference.read")
def reference():  # type: ignore[no-untyped-def]
    return render_template("methodology/reference.html", books=catalogue.reference_books(db(), current_actor()))
