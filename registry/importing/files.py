"""Reading an import file safely: CSV, XLSX or JSON, as a header and rows of raw cell values.

Everything here distrusts the file. Sizes are capped before parsing; an XLSX archive is checked
through its central directory (entry count, unpacked size, compression ratio, names, macros)
before openpyxl opens it, and openpyxl parses XML through defusedxml. A CSV's encoding is chosen
by how Russian the decoded header and a sample look, because cp1251, cp866 and koi8-r decode each
other's bytes without error (reliability note, §5.4). JSON numbers become ``Decimal``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from registry.importing.encodings import EncodingError, choose_encoding, plain_utf8, supported_encoding

MIB = 1 << 20
SAMPLE_BYTES = 64 * 1024
CSV_DELIMITERS = (";", ",", "\t")


class ImportFileError(ValueError):
    """The file as a whole is refused (too big, unsafe, unreadable); nothing is loaded."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What an import accepts (ASVS 5.1.1: documented types, sizes and unpacked sizes)."""

    max_file_bytes: int = 100 * MIB
    max_rows: int = 200_000
    max_unpacked_bytes: int = 100 * MIB  # XLSX: the sum of the archive's entries
    max_ratio: int = 100  # XLSX: unpacked / packed, for entries above RATIO_FLOOR_BYTES
    max_entries: int = 200  # XLSX: entries in the archive
    max_columns: int = 100


RATIO_FLOOR_BYTES = MIB  # small entries compress well and harmlessly


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header and its data rows: (row number as a spreadsheet shows it, cells)."""

    format: str  # csv | xlsx | json
    encoding: str | None
    header: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    declared_what: str | None = None  # JSON's {"what": ..., "records": [...]}


@contextmanager
def open_table(
    path: Path,
    encoding: str | None = None,
    limits: Limits = Limits(),
    is_known_column: Callable[[str], bool] = lambda name: False,
) -> Iterator[Table]:
    """Open a CSV, XLSX or JSON file for reading; ``ImportFileError`` when it is refused."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam", ".xlsb"):
        raise ImportFileError(f"файлы {suffix} (с макросами или двоичные) не принимаются: сохраните как .xlsx")
    if suffix not in (".csv", ".txt", ".xlsx", ".json"):
        raise ImportFileError(f"неподдерживаемый тип файла «{suffix or path.name}»: нужен .csv, .xlsx или .json")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"файл не открывается: {exc.strerror}") from None
    if size > limits.max_file_bytes:
        raise ImportFileError(f"файл занимает {size / MIB:.1f} МБ, предел {limits.max_file_bytes / MIB:.0f} МБ")
    if size == 0:
        raise ImportFileError("файл пуст")
    if suffix == ".xlsx":
        with _xlsx_table(path, limits) as table:
            yield table
    elif suffix == ".json":
        yield _json_table(path, encoding, limits)
    else:
        with _csv_table(path, encoding, limits, is_known_column) as table:
            yield table


def _capped(rows: Iterator[tuple[int, tuple[Any, ...]]], limits: Limits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    count = 0
    for number, cells in rows:
        if all(cell is None for cell in cells):
            continue
        count += 1
        if count > limits.max_rows:
            raise ImportFileError(f"в файле больше {limits.max_rows} строк: разделите его на части")
        yield number, cells


def _header(cells: tuple[Any, ...], limits: Limits) -> tuple[str, ...]:
    names = [("" if cell is None else str(cell)).strip().lstrip("\ufeff").strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError("в первой строке файла нет заголовков столбцов")
    if len(names) > limits.max_columns:
        raise ImportFileError(f"в заголовке {len(names)} столбцов, предел {limits.max_columns}")
    return tuple(names)


# -- CSV ---------------------------------------------------------------------------------------------


def _delimiter(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def _csv_table(
    path: Path, encoding: str | None, limits: Limits, is_known_column: Callable[[str], bool]
) -> Iterator[Table]:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    try:
        chosen = choose_encoding(sample, encoding, is_known_column)
    except EncodingError as exc:
        raise ImportFileError(str(exc)) from None
    with path.open(encoding=chosen, newline="", errors="strict") as handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError:
            raise ImportFileError(f"первая строка файла не читается в кодировке {chosen}") from None
        reader = csv.reader(io.StringIO(first), delimiter=_delimiter(first), strict=True)
        header = _header(tuple(next(reader, [])), limits)
        reader = csv.reader(handle, delimiter=_delimiter(first), strict=True)

        def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
            number = 1
            try:
                for cells in reader:
                    number += 1
                    yield number, tuple(cell.strip() or None for cell in cells)
            except UnicodeDecodeError:
                raise ImportFileError(f"строка {number + 1} не читается в кодировке {chosen}") from None
            except csv.Error as exc:
                raise ImportFileError(f"строка {number + 1}: ошибка разметки CSV ({exc})") from None

        yield Table("csv", chosen, header, _capped(rows(), limits))


# -- XLSX --------------------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def check_xlsx_archive(path: Path, limits: Limits = Limits()) -> None:
    """Refuse an XLSX from its ZIP central directory alone, in milliseconds, before any parse:
    too many entries, too big unpacked, too compressed, unsafe names, links, encryption, macros."""
    with path.open("rb") as raw:
        magic = raw.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("файл в старом формате .xls или зашифрован: сохраните его как .xlsx")
    if not magic.startswith(b"PK\x03\x04"):
        raise ImportFileError("файл .xlsx не является архивом Office Open XML")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(f"архив .xlsx поврежден: {exc}") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise ImportFileError(f"в архиве .xlsx {len(entries)} файлов, предел {limits.max_entries}")
        unpacked = 0
        for entry in entries:
            name = entry.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
                raise ImportFileError(f"недопустимое имя файла внутри архива: «{name[:80]}»")
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise ImportFileError(f"символическая ссылка внутри архива: «{name[:80]}»")
            if entry.flag_bits & 0x1:
                raise ImportFileError("архив .xlsx зашифрован")
            if "vbaproject" in name.lower():
                raise ImportFileError("файл содержит макросы: такие файлы не принимаются")
            unpacked += entry.file_size
            if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
                ratio = entry.file_size // max(entry.compress_size, 1)
                raise ImportFileError(
                    f"«{name[:80]}» сжат в {ratio} раз, предел {limits.max_ratio}: похоже на zip-бомбу"
                )
        if unpacked > limits.max_unpacked_bytes:
            raise ImportFileError(
                f"файл распаковывается в {unpacked / MIB:.0f} МБ, предел {limits.max_unpacked_bytes / MIB:.0f} МБ"
            )
        try:
            content_types = archive.read("[Content_Types].xml")
        except KeyError:
            raise ImportFileError("в архиве .xlsx нет [Content_Types].xml: это не книга Excel") from None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ImportFileError(f"архив .xlsx поврежден: {exc}") from None
        if b"macroEnabled" in content_types or b"vbaProject" in content_types:
            raise ImportFileError("файл содержит макросы: такие файлы не принимаются")


def _quietly(call: Callable[[], Any]) -> Any:
    """Run an openpyxl step on untrusted input: its warnings ignored, any failure a refusal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except StopIteration:
            raise
        except Exception as exc:  # openpyxl and defusedxml raise many kinds on hostile input
            raise ImportFileError(f"файл .xlsx не читается: {type(exc).__name__}: {str(exc)[:200]}") from None


@contextmanager
def _xlsx_table(path: Path, limits: Limits) -> Iterator[Table]:
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:  # openpyxl guards against entity bombs only through defusedxml
        raise ImportFileError("чтение .xlsx отключено: не установлен defusedxml")
    check_xlsx_archive(path, limits)
    workbook = _quietly(
        lambda: openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False, keep_links=False)
    )
    try:
        if not workbook.worksheets:
            raise ImportFileError("в книге нет листов")
        sheet = workbook.worksheets[0]
        _quietly(sheet.reset_dimensions)  # the stored dimensions may lie; read what is there
        source = _quietly(lambda: iter(sheet.iter_rows(values_only=True)))

        def numbered() -> Iterator[tuple[int, tuple[Any, ...]]]:
            number = 0
            while True:
                try:
                    cells = _quietly(lambda: next(source))
                except StopIteration:
                    return
                number += 1
                yield number, tuple(cells[: limits.max_columns + 1])

        rows = numbered()
        header_row = next((cells for _n, cells in rows if any(c is not None for c in cells)), None)
        if header_row is None:
            raise ImportFileError("лист пуст")
        header = _header(header_row, limits)
        yield Table("xlsx", None, header, _capped(rows, limits))
    finally:
        workbook.close()


# -- JSON --------------------------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ImportFileError(f"в JSON недопустимое значение {name}")


def _json_table(path: Path, encoding: str | None, limits: Limits) -> Table:
    """A list of objects, or ``{"what": ..., "records": [...]}``; numbers as ``Decimal``."""
    if encoding is not None and plain_utf8(supported_encoding(encoding)) != "utf-8":
        raise ImportFileError("файл JSON должен быть в UTF-8 (RFC 8259)")
    data = path.read_bytes()
    chosen = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"файл JSON не в UTF-8 (байт {exc.start})") from None
    del data
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON не разбирается: строка {exc.lineno}, позиция {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise ImportFileError("JSON слишком глубоко вложен") from None
    records = document.get("records") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ImportFileError('JSON: ожидается список объектов или объект с ключом "records"')
    if len(records) > limits.max_rows:
        raise ImportFileError(f"в файле больше {limits.max_rows} записей: разделите его на части")
    keys: dict[str, None] = {}
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ImportFileError(f"JSON: запись {index} не объект")
        keys.update(dict.fromkeys(record))
        if len(keys) > limits.max_columns:
            raise ImportFileError(f"в записях JSON больше {limits.max_columns} разных ключей")
    header = tuple(keys)
    if not header:
        raise ImportFileError("в JSON нет ни одной записи с полями")
    rows = ((index, tuple(record.get(key) for key in header)) for index, record in enumerate(records, start=1))
    what = document.get("what") if isinstance(document, dict) else None
    return Table("json", chosen, header, _capped(rows, limits), what if isinstance(what, str) else None)


__all__ = ["ImportFileError", "Limits", "Table", "check_xlsx_archive", "open_table"]
