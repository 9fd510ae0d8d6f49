"""One place maps domain errors to HTTP: refused rights 403, missing or foreign objects 404,
invalid input 400. Pages get a calm Russian page, the API a JSON body; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.errors import MeraError, SnapshotError
from registry.access import AccessDeniedError, NotFoundError
from registry.people import RegisterError

log = logging.getLogger("mera.web")

TITLES = {
    400: "Запрос не удалось выполнить",
    401: "Нужно войти в систему",
    403: "Недостаточно прав",
    404: "Страница не найдена",
    405: "Так обратиться к странице нельзя",
    409: "Конфликт",
    413: "Файл слишком большой",
    429: "Слишком много запросов",
    500: "Внутренняя ошибка",
}


def _respond(status: int, message: str, problems: list[tuple[str, str]] | None = None):  # type: ignore[no-untyped-def]
    if request.path.startswith("/api/"):
        body: dict[str, object] = {"error": TITLES.get(status, "Ошибка"), "message": message}
        if problems:
            body["problems"] = [{"field": field, "message": text} for field, text in problems]
        return jsonify(body), status
    return render_template("error.html", status=status, title=TITLES.get(status, "Ошибка"), message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(AccessDeniedError)
    def _denied(error: AccessDeniedError):  # type: ignore[no-untyped-def]
        return _respond(403, str(error))

    @app.errorhandler(NotFoundError)
    def _missing(error: NotFoundError):  # type: ignore[no-untyped-def]
        return _respond(404, str(error))

    @app.errorhandler(RegisterError)
    def _invalid(error: RegisterError):  # type: ignore[no-untyped-def]
        return _respond(400, "Проверьте введенные данные.", error.problems)

    @app.errorhandler(SnapshotError)
    def _snapshot(error: SnapshotError):  # type: ignore[no-untyped-def]
        return _respond(400, "Сведения о семье заполнены неверно.", list(error.problems))

    @app.errorhandler(MeraError)
    def _rules(error: MeraError):  # type: ignore[no-untyped-def]
        return _respond(400, str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        message = error.description if status in (400, 403, 429) and error.description else ""
        response = _respond(status, message or TITLES.get(status, ""))
        if status == 401 and request.path.startswith("/api/"):
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="mera"'
        return response

    @app.errorhandler(Exception)
    def _crash(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.url_rule)
        return _respond(500, "Ошибка записана в журнал сервера; данные не изменены.")
